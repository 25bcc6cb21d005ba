/**
 * AppConfig: one zod-validated object from flags > environment > config file > defaults.
 *   CRM_MCP_DATA_DIR          data directory (default ./.crm-mcp)
 *   CRM_MCP_STORE             SQLite file path, or a redis:// / rediss:// URL (default <dataDir>/store.sqlite)
 *   CRM_MCP_REDIS_PREFIX      prefix for every Redis key (default none)
 *   CRM_MCP_ENCRYPTION_KEY    current key: `kid:<base64|base64url|hex>` or bare material (kid derived)
 *   CRM_MCP_ENCRYPTION_KEYS   keyring: `kid:material,kid:material` (first is current when no KEY)
 *   CRM_MCP_KEYS_FILE         key file (default <dataDir>/keys.json; generated for the embedded store)
 *   CRM_MCP_LOG_LEVEL         debug | info | warn | error
 *   CRM_MCP_INTEGRATIONS_DIR  definition directories (path-delimiter separated), loaded after the
 *                             package's own `integrations/`; a same-named definition replaces the
 *                             shipped one (flag `--integrations <dir>`, repeatable; file `integrationsDir`)
 * Config file only: `publicUrl` (where `serve` is reachable; connect links start there),
 * `oauthClients` (the operator's own OAuth clients, src/oauth-clients/config.ts), `environments`
 * (`environments.<env>.overrides.<integration>`: a partial definition deep-merged over the
 * platform definition for accounts of that environment; checked when the app opens),
 * `insecureHosts` and `auditRetention` (above).
 *   CRM_MCP_INSECURE_HOSTS    comma-separated loopback hosts (optionally host:port) that provider
 *                             URLs may use over plain http; replaces the config file's `insecureHosts`
 *   CRM_MCP_AUDIT_MAX_AGE_DAYS, CRM_MCP_AUDIT_MAX_ENTRIES  audit retention (`auditRetention`)
 * `insecureHosts` is for local development providers and the sandboxes only: every entry must
 * be loopback (src/integrations/hosts.ts), and the app warns at start while any is set.
 * `auditRetention` ({maxAgeDays, maxEntries}, default 90 days / 100,000 entries) prunes routine
 * audit entries; failures and status changes are always kept (src/audit/log.ts).
 * Key material and client secrets are kept behind functions so that printing or logging the
 * config shows none.
 */
import { readFileSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { CrmMcpError } from '../core/errors.js';
import type { Json } from '../integrations/index.js';
import { insecureHostProblem } from '../integrations/hosts.js';
import { OAuthClientsConfigSchema, type OAuthClientsConfig } from '../oauth-clients/config.js';

export interface ConfigFlags {
  store?: string | undefined;
  redisUrl?: string | undefined;
  config?: string | undefined;
  logLevel?: string | undefined;
  dataDir?: string | undefined;
  keysFile?: string | undefined;
  /** `--integrations <dir>` (repeatable). */
  integrations?: string[] | undefined;
}

export interface EnvKeys {
  current?: string | undefined;
  list?: string | undefined;
}

const FileConfigSchema = z
  .object({
    dataDir: z.string().min(1).optional(),
    store: z.string().min(1).optional(),
    redisPrefix: z.string().optional(),
    keysFile: z.string().min(1).optional(),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    oauthClients: OAuthClientsConfigSchema.optional(),
    environments: z
      .record(z.string().min(1), z.object({ overrides: z.record(z.string().min(1), z.record(z.string(), z.unknown())).optional() }).strict())
      .optional(),
    integrationsDir: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    insecureHosts: z.array(z.string().min(1)).optional(),
    auditRetention: z
      .object({ maxAgeDays: z.number().int().positive().optional(), maxEntries: z.number().int().positive().optional() })
      .strict()
      .optional(),
  })
  .strict();

const insecureHost = z.string().superRefine((h, ctx) => {
  const problem = insecureHostProblem(h);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const REDIS_URL = /^rediss?:\/\//;

export const AppConfigSchema = z.object({
  dataDir: z.string().min(1),
  store: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sqlite'), path: z.string().min(1) }),
    z.object({ kind: z.literal('redis'), url: z.string().regex(REDIS_URL, 'must start with redis:// or rediss://'), prefix: z.string() }),
  ]),
  keysFile: z.string().min(1),
  /** Returns key specs from the environment; a function so the config never serializes them. */
  envKeys: z.custom<() => EnvKeys>((v) => typeof v === 'function'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']),
  publicUrl: z.string().optional(),
  /** The config file's OAuth clients; a function so the config never serializes their secrets. */
  oauthClients: z.custom<() => OAuthClientsConfig | undefined>((v) => typeof v === 'function'),
  /** environment → integration → partial definition (the config file's `environments.<env>.overrides`). */
  environments: z.custom<Record<string, Record<string, Json>>>((v) => typeof v === 'object' && v !== null),
  /** Absolute paths of definition directories loaded after the package's own. */
  integrationsDirs: z.array(z.string().min(1)),
  /** The config file read, if any (named in configuration errors found later, e.g. a bad environment override). */
  configFile: z.string().optional(),
  /** Loopback hosts provider URLs may use over plain http (development providers, sandboxes). */
  insecureHosts: z.array(insecureHost),
  auditRetention: z.object({ maxAgeMs: z.number().int().positive(), maxEntries: z.number().int().positive() }),
});
export type AppConfig = z.infer<typeof AppConfigSchema>;

export function loadConfig(opts: { env?: NodeJS.ProcessEnv; flags?: ConfigFlags; cwd?: string } = {}): AppConfig {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const cwd = opts.cwd ?? process.cwd();
  const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

  const configPath = nonEmpty(flags.config) ?? nonEmpty(env.CRM_MCP_CONFIG);
  const file = configPath ? readConfigFile(resolve(cwd, configPath)) : {};
  const fileBase = configPath ? resolve(cwd, configPath, '..') : cwd;
  const abs = (p: string, base = cwd) => (isAbsolute(p) ? p : resolve(base, p));

  const dataDir = nonEmpty(flags.dataDir) ? abs(flags.dataDir!) : nonEmpty(env.CRM_MCP_DATA_DIR) ? abs(env.CRM_MCP_DATA_DIR!) : file.dataDir ? abs(file.dataDir, fileBase) : abs('.crm-mcp');

  if (nonEmpty(flags.store) && nonEmpty(flags.redisUrl)) throw new CrmMcpError('config_invalid', 'give either --store or --redis-url, not both');
  const storeFromFile = file.store && !REDIS_URL.test(file.store) ? abs(file.store, fileBase) : file.store;
  const storeSpec = nonEmpty(flags.redisUrl) ?? nonEmpty(flags.store) ?? nonEmpty(env.CRM_MCP_STORE) ?? storeFromFile ?? resolve(dataDir, 'store.sqlite');
  const store = REDIS_URL.test(storeSpec)
    ? { kind: 'redis' as const, url: storeSpec, prefix: env.CRM_MCP_REDIS_PREFIX ?? file.redisPrefix ?? '' }
    : { kind: 'sqlite' as const, path: abs(storeSpec) };
  if (nonEmpty(flags.redisUrl) && store.kind !== 'redis') throw new CrmMcpError('config_invalid', '--redis-url must start with redis:// or rediss://');

  const keysFileSpec = nonEmpty(flags.keysFile) ?? nonEmpty(env.CRM_MCP_KEYS_FILE);
  const keysFile = keysFileSpec ? abs(keysFileSpec) : file.keysFile ? abs(file.keysFile, fileBase) : resolve(dataDir, 'keys.json');

  // The first source that names definition directories wins: flags, then the environment, then the file.
  const flagDirs = (flags.integrations ?? []).filter((d) => d.trim() !== '').map((d) => abs(d));
  const envDirs = (nonEmpty(env.CRM_MCP_INTEGRATIONS_DIR)?.split(delimiter) ?? []).filter((d) => d.trim() !== '').map((d) => abs(d.trim()));
  const fileDirs = (file.integrationsDir === undefined ? [] : [file.integrationsDir].flat()).map((d) => abs(d, fileBase));
  const integrationsDirs = flagDirs.length ? flagDirs : envDirs.length ? envDirs : fileDirs;

  const current = nonEmpty(env.CRM_MCP_ENCRYPTION_KEY);
  const list = nonEmpty(env.CRM_MCP_ENCRYPTION_KEYS);
  const parsed = AppConfigSchema.safeParse({
    dataDir,
    store,
    keysFile,
    envKeys: () => ({ current, list }),
    logLevel: nonEmpty(flags.logLevel) ?? nonEmpty(env.CRM_MCP_LOG_LEVEL) ?? file.logLevel ?? 'info',
    ...(file.publicUrl ? { publicUrl: file.publicUrl } : {}),
    oauthClients: () => file.oauthClients,
    environments: Object.fromEntries(Object.entries(file.environments ?? {}).map(([e, v]) => [e, (v.overrides ?? {}) as Record<string, Json>])),
    integrationsDirs,
    ...(configPath ? { configFile: resolve(cwd, configPath) } : {}),
    insecureHosts: nonEmpty(env.CRM_MCP_INSECURE_HOSTS) ? splitList(env.CRM_MCP_INSECURE_HOSTS!) : (file.insecureHosts ?? []),
    auditRetention: {
      maxAgeMs: positiveInt(env.CRM_MCP_AUDIT_MAX_AGE_DAYS, 'CRM_MCP_AUDIT_MAX_AGE_DAYS', file.auditRetention?.maxAgeDays ?? 90) * 86_400_000,
      maxEntries: positiveInt(env.CRM_MCP_AUDIT_MAX_ENTRIES, 'CRM_MCP_AUDIT_MAX_ENTRIES', file.auditRetention?.maxEntries ?? 100_000),
    },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrmMcpError('config_invalid', `configuration: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const splitList = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function positiveInt(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n <= 0) throw new CrmMcpError('config_invalid', `${name} must be a positive integer`);
  return n;
}

function readConfigFile(path: string): z.infer<typeof FileConfigSchema> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new CrmMcpError('config_invalid', `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  const moved = renamedKey(json);
  if (moved) throw new CrmMcpError('config_invalid', `config file ${path}: ${moved}`);
  const parsed = FileConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrmMcpError('config_invalid', `config file ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Keys an older config file used, with where they live now. */
function renamedKey(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  if ('definitionDirs' in o) return 'definitionDirs: renamed integrationsDir (a directory or a list of directories)';
  if ('extraProviderHosts' in o) return 'extraProviderHosts: renamed insecureHosts (loopback hosts only)';
  const envs = o.environments;
  if (typeof envs !== 'object' || envs === null) return undefined;
  for (const [env, v] of Object.entries(envs as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) continue;
    const stray = Object.keys(v).find((k) => k !== 'overrides');
    if (stray) return `environments.${env}.${stray}: integration overrides live under environments.${env}.overrides.${stray}`;
  }
  return undefined;
}
