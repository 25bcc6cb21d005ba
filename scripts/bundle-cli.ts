/**
 * Bundles the `crm-mcp` binary (`npm run build` runs it after tsc): dist/cli/main.js becomes one
 * ES module holding what every command shares, plus one chunk per lazily imported part (each
 * command, the connect flow, the demo…) beside it in dist/cli/, named `bundle-*.js`.
 *
 * Why: a process pays for every ES module it loads (resolve, read, compile, link). `crm-mcp
 * stdio` loaded ~260 of them (our ~110 plus zod's ~100, the SDK, commander…) before it answered
 * `tools/list`; bundled, it loads a handful, so it starts about as fast as a bare SDK server.
 * esbuild (a devDependency) because it bundles TypeScript as tsc emits it (isolatedModules),
 * splits at dynamic imports, and is the bundler already in the tree (tsx, vite).
 *
 * What stays outside: the library entry and every other module tsc emitted into dist/ (the
 * package's `exports`, the isolation worker); from node_modules at run time: libsql (a native
 * addon), @keyv/redis (only for a Redis store) and jsonata (required: src/integrations/jsonata.ts).
 * undici, imported on the first outbound request, is bundled into its own chunk behind a small ES
 * module naming what those imports take (`request`, `getGlobalDispatcher`, `errors`, `util`): a CommonJS package imported dynamically
 * would otherwise keep only its default export in a split bundle.
 *
 * `import.meta.url` in our modules is rewritten to the URL of the module as tsc emitted it
 * (dist/<module>/<file>.js, computed from the chunk's own URL), so a file found relative to a
 * module — the shipped integrations/, the isolation worker, the CLI itself — is found the same
 * way bundled or not. That is why every output file sits in dist/cli/, one directory.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'dist', 'cli');
const CHUNK_PREFIX = 'bundle-';

/** `import.meta.url` of src/<path>.ts → the URL of dist/<path>.js, relative to the output file. */
const moduleUrls: Plugin = {
  name: 'crm-mcp-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(SRC + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const emitted = join(ROOT, 'dist', relative(SRC, args.path)).replace(/\.ts$/, '.js');
      const rel = relative(OUT, emitted).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/** `await import('undici')` → an ES module re-exporting what the dynamic imports use, by name. */
const undiciByName: Plugin = {
  name: 'crm-mcp-undici-by-name',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => (args.kind === 'dynamic-import' ? { path: 'undici', namespace: 'undici-by-name' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'undici-by-name' }, () => ({ contents: "export { request, getGlobalDispatcher, errors, util } from 'undici';", resolveDir: ROOT, loader: 'js' }));
  },
};

if (existsSync(OUT)) for (const f of readdirSync(OUT)) if (f.startsWith(CHUNK_PREFIX)) rmSync(join(OUT, f));

await build({
  entryPoints: { main: join(SRC, 'cli', 'main.ts') },
  outdir: OUT,
  chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['libsql', '@keyv/redis'],
  plugins: [moduleUrls, undiciByName],
  // CommonJS dependencies bundled into an ES module call `require` for node's built-ins.
  banner: { js: "import { createRequire as __crmMcpRequire } from 'node:module';\nconst require = __crmMcpRequire(import.meta.url);" },
  // Maps name the sources, as tsc's do, without carrying them (the package ships no src/).
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
});
