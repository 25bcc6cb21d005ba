/**
 * The exit-code table, walked over every command: each (sub)command accepts every global flag,
 * before or after its name, and hands it to the app it opens; unknown flags and bad values exit
 * 2 without opening anything; unknown accounts, integrations, tokens, keys and files exit 3;
 * no arguments prints the usage on stderr with exit 2; --help lists every subcommand.
 * In-process over in-memory openers (test/cli/helpers/world.ts), then over the real openers on a
 * temp data dir.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DEFAULT_INTEGRATIONS_DIR } from '../../src/integrations/index.js';
import { captureIo } from '../mcp/helpers/memory-runtime.js';
import { tempDataDir, world, type World } from './helpers/world.js';

interface Case {
  argv: (w: World) => string[];
  /** The app view the command opens (none: it opens nothing). */
  opens: 'operator' | 'mcp' | 'keys' | 'integrations' | 'demo' | 'sandbox' | 'none';
  /** 0, except connect: the world has no Salesforce OAuth client, so the flow fails (1) after opening. */
  code?: number;
  /** Opens asking to create a missing store and key: only init and the commands that write accounts. */
  creates?: true;
}

/** Every leaf command with arguments that succeed in a fresh world. */
const CASES: Record<string, Case> = {
  'accounts list': { argv: () => ['accounts', 'list'], opens: 'operator' },
  'accounts show': { argv: () => ['accounts', 'show', 'a1'], opens: 'operator' },
  'accounts create': { argv: () => ['accounts', 'create', '--tenant', 't', '--integration', 'keyed', '--auth-method', 'api_key', '--api-key-env', 'API_KEY'], opens: 'operator', creates: true },
  'accounts import': { argv: () => ['accounts', 'import', tmp.importFile], opens: 'operator', creates: true },
  'accounts export': { argv: () => ['accounts', 'export'], opens: 'operator' },
  'accounts resume': { argv: () => ['accounts', 'resume', 'a1'], opens: 'operator' },
  'accounts refresh': { argv: () => ['accounts', 'refresh', 'a1'], opens: 'operator' },
  'accounts delete': { argv: () => ['accounts', 'delete', 'a1'], opens: 'operator' },
  audit: { argv: () => ['audit'], opens: 'operator' },
  connect: { argv: () => ['connect', '--integration', 'salesforce', '--port', '0'], opens: 'operator', code: 1, creates: true },
  demo: { argv: () => ['demo', '--once'], opens: 'demo' },
  init: { argv: () => ['init'], opens: 'operator', creates: true },
  'integrations list': { argv: () => ['integrations', 'list'], opens: 'integrations' },
  'integrations validate': { argv: () => ['integrations', 'validate', join(DEFAULT_INTEGRATIONS_DIR, 'hubspot.json')], opens: 'none' },
  'keys generate': { argv: () => ['keys', 'generate'], opens: 'none' },
  'keys rotate': { argv: () => ['keys', 'rotate'], opens: 'keys' },
  'keys remove': { argv: (w) => ['keys', 'remove', w.oldKid], opens: 'keys' },
  'links create': { argv: () => ['links', 'create', '--tenant', 't', '--integration', 'hubspot', '--base-url', 'https://crm.example.com'], opens: 'operator' },
  sandbox: { argv: () => ['sandbox'], opens: 'sandbox' },
  serve: { argv: () => ['serve', '--port', '0'], opens: 'mcp' },
  status: { argv: () => ['status'], opens: 'operator' },
  stdio: { argv: () => ['stdio', '--account', 'a-acct'], opens: 'mcp' },
  'tokens create': { argv: () => ['tokens', 'create', '--tenant', 'tenant-a', '--account', 'a-acct'], opens: 'mcp' },
  'tokens list': { argv: () => ['tokens', 'list'], opens: 'mcp' },
  'tokens revoke': { argv: (w) => ['tokens', 'revoke', w.tokenId], opens: 'mcp' },
};

const tmp = tempDataDir();

/** Each global flag and what the opened app must have been given for it. */
const GLOBALS: Array<{ argv: string[]; flags?: Record<string, unknown> }> = [
  { argv: ['--data-dir', tmp.dir], flags: { dataDir: tmp.dir } },
  { argv: ['--store', join(tmp.dir, 'other.sqlite')], flags: { store: join(tmp.dir, 'other.sqlite') } },
  { argv: ['--redis-url', 'redis://127.0.0.1:6390'], flags: { redisUrl: 'redis://127.0.0.1:6390' } },
  { argv: ['--keys-file', join(tmp.dir, 'keys.json')], flags: { keysFile: join(tmp.dir, 'keys.json') } },
  { argv: ['--config', tmp.config], flags: { config: tmp.config } },
  { argv: ['--log-level', 'debug'], flags: { logLevel: 'debug' } },
  { argv: ['--integrations', tmp.dir], flags: { integrations: [tmp.dir] } },
  { argv: ['--json'] },
];

async function run(argv: string[], w: World) {
  const stop = new AbortController();
  stop.abort();
  const code = await runCli(argv, w.io, { open: w.open, stop: stop.signal });
  return { code, stdout: w.io.out.join(''), stderr: w.io.err.join('') };
}

/** The leaf commands the top-level help lists: `accounts list`, …, `tokens revoke`. */
function listedCommands(help: string): string[] {
  const section = help.slice(help.indexOf('Commands:'));
  return [...section.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?= \[| <|\s{2,}|$)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

describe('every command × every global flag', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: each global flag, before or after the command, is accepted and reaches the app`, async () => {
      for (const g of GLOBALS) {
        for (const where of ['after', 'before'] as const) {
          const w = await world(tmp.dir);
          const argv = where === 'after' ? [...c.argv(w), ...g.argv] : [...g.argv, ...c.argv(w)];
          const r = await run(argv, w);
          const label = argv.join(' ');
          expect(r.code, `${label}\n${r.stderr}`).toBe(c.code ?? 0);
          if (c.opens === 'none') expect(w.opened, label).toEqual([]);
          else expect(w.opened.map((o) => o.view), label).toEqual([c.opens]);
          expect(w.opened[0]?.create ?? false, `${label}: asks to create the store`).toBe(c.creates ?? false);
          if (g.flags && (c.opens === 'operator' || c.opens === 'mcp' || c.opens === 'keys' || c.opens === 'integrations')) expect(w.opened[0]?.flags, label).toMatchObject(g.flags);
          if (c.opens === 'demo' && g.flags?.logLevel) expect(w.opened[0]?.demo?.logLevel, label).toBe('debug');
          if (c.opens === 'sandbox' && g.flags?.logLevel) expect(w.opened[0]?.sandbox?.logLevel, label).toBe('debug');
          if (c.opens === 'sandbox' && g.flags?.dataDir) expect(w.opened[0]?.sandbox?.dataDir, label).toBe(tmp.dir);
          if (g.argv[0] === '--json') {
            // stdio's stdout is MCP protocol only; everything else prints one JSON document (serve: one line).
            if (name === 'stdio') expect(r.stdout, label).toBe('');
            else expect(() => JSON.parse(r.stdout), `${label}\n${r.stdout}`).not.toThrow();
          }
        }
      }
    });
  }

  it('covers exactly the subcommands the top-level help lists', async () => {
    const w = await world(tmp.dir);
    expect(await runCli(['--help'], w.io)).toBe(0);
    expect(listedCommands(w.io.out.join('')).sort()).toEqual(Object.keys(CASES).sort());
  });
});

describe('the exit-code table', () => {
  it('an unknown flag exits 2 with one line naming it, and opens nothing', async () => {
    for (const c of Object.values(CASES)) {
      const w = await world(tmp.dir);
      const r = await run([...c.argv(w), '--no-such-flag'], w);
      const label = c.argv(w).join(' ');
      expect(r.code, label).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), label).toEqual([expect.stringMatching(/^crm-mcp [a-z ]+: unknown option '--no-such-flag'/)]);
      expect(w.opened, label).toEqual([]);
    }
  });

  it('a missing argument or a bad value exits 2 before anything is opened', async () => {
    const cases = [
      ['accounts', 'show'],
      ['accounts', 'show', 'a1', 'a2'],
      ['accounts', 'refresh'],
      ['accounts', 'delete'],
      ['accounts', 'import'],
      ['accounts', 'resume'],
      ['accounts', 'list', '--status', 'weird'],
      ['accounts', 'create', '--tenant', 't'],
      ['audit', '--limit', '0'],
      ['audit', 'extra'],
      ['connect'],
      ['demo', '--port', '70000'],
      ['sandbox', '--hubspot-port', 'x'],
      ['keys', 'remove'],
      ['keys', 'generate', '--kid', 'bad kid'],
      ['links', 'create', '--tenant', 't'],
      ['serve', '--port', 'x'],
      ['serve', '--no-auth'],
      ['status', '--next', 'many'],
      ['stdio'],
      ['tokens', 'create', '--tenant', 't'],
      ['tokens', 'revoke'],
      ['status', '--log-level', 'loud'],
      ['status', '--store'],
    ];
    for (const argv of cases) {
      const w = await world(tmp.dir);
      const r = await run(['--json', ...argv], w);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(w.opened, argv.join(' ')).toEqual([]);
      if (argv[0] !== 'stdio') expect(JSON.parse(r.stdout), argv.join(' ')).toMatchObject({ ok: false, error: { code: 'usage' } });
    }
  });

  it('an unknown account, integration, token, key or file exits 3 with one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['accounts', 'show', 'nope'], /no account 'nope'/],
      [['accounts', 'refresh', 'nope'], /no account 'nope'/],
      [['accounts', 'delete', 'nope'], /no account 'nope'/],
      [['accounts', 'resume', 'nope'], /no account 'nope'/],
      [['accounts', 'create', '--tenant', 't', '--integration', 'nope', '--auth-method', 'api_key', '--api-key-env', 'API_KEY'], /unknown integration 'nope'/],
      [['accounts', 'import', join(tmp.dir, 'missing.ndjson')], /no such file/],
      [['stdio', '--account', 'nope'], /account 'nope' not found/],
      [['serve', '--no-auth', '--account', 'nope', '--port', '0'], /account 'nope' not found/],
      [['tokens', 'create', '--tenant', 'tenant-a', '--account', 'nope'], /tenant 'tenant-a' has no account 'nope'/],
      [['tokens', 'revoke', 'nope'], /no token 'nope'/],
      [['links', 'create', '--tenant', 't', '--integration', 'nope', '--base-url', 'https://crm.example.com'], /unknown integration/],
      [['connect', '--integration', 'nope', '--port', '0'], /unknown integration/],
      [['keys', 'remove', 'nope'], /key 'nope' is not in the keyring/],
    ];
    for (const [argv, message] of cases) {
      const w = await world(tmp.dir);
      const r = await run(argv, w);
      expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(3);
      expect(r.stderr.trimEnd().split('\n'), argv.join(' ')).toEqual([expect.stringMatching(message)]);
    }
  });

  it('no arguments: the usage with every subcommand on stderr, nothing on stdout, exit 2', async () => {
    const w = await world(tmp.dir);
    expect(await runCli([], w.io)).toBe(2);
    expect(w.io.out).toEqual([]);
    expect(listedCommands(w.io.err.join('')).sort()).toEqual(Object.keys(CASES).sort());
  });

  it('--help, help and <command> --help exit 0 with the usage on stdout, global flags included', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['help', 'accounts'], ...Object.keys(CASES).map((n) => [...n.split(' '), '--help']), ['accounts', '--help'], ['keys', '--help'], ['tokens', '--help'], ['links', '--help']]) {
      const io = captureIo();
      expect(await runCli(argv, io), argv.join(' ')).toBe(0);
      expect(io.err, argv.join(' ')).toEqual([]);
      for (const flag of ['--config', '--data-dir', '--store', '--redis-url', '--keys-file', '--log-level', '--json']) expect(io.out.join(''), `${argv.join(' ')}: ${flag}`).toContain(flag);
    }
  });

  it('an unknown command exits 2 (at the top and inside a group); a group without its subcommand prints its usage on stderr, exit 2', async () => {
    for (const [argv, message] of [
      [['frobnicate'], /^crm-mcp: unknown command 'frobnicate'/],
      [['accounts', 'frobnicate'], /^crm-mcp accounts: unknown subcommand 'frobnicate'/],
      [['--json', 'tokens', 'frobnicate'], /^crm-mcp tokens: unknown subcommand 'frobnicate'/],
    ] as const) {
      const io = captureIo();
      expect(await runCli([...argv], io), argv.join(' ')).toBe(2);
      expect(io.err.join(''), argv.join(' ')).toMatch(message);
    }
    for (const group of ['accounts', 'keys', 'links', 'tokens']) {
      const io = captureIo();
      expect(await runCli([group], io), group).toBe(2);
      expect(io.out, group).toEqual([]);
      expect(io.err.join(''), group).toContain(`Usage: crm-mcp ${group}`);
    }
  });
});
