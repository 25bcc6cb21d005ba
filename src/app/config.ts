/**
 * AppConfig: one zod-validated object from flags > environment > config file > defaults.
 *   CRM_MCP_DATA_DIR          data directory (default ./.crm-mcp)
 *   CRM_MCP_STORE             SQLite file path, or a redis:// / rediss:// URL (default <dataDir>/store.sqlite)
 *   CRM_MCP_REDIS_PREFIX      prefix for every Redis key (default none)
 *   CRM_MCP_ENCRYPTION_KEY    current key: `kid:<base64|base64url|hex>` or bare material (kid derived)
 *   CRM_MCP_ENCRYPTION_KEYS   keyring: `kid:material,kid:material` (first is current when no KEY)
 *   CRM_MCP_KEYS_FILE         key file (default <dataDir>/keys.json; generated for the embedded store)
 *   CRM_MCP_LOG_LEVEL         debug | info | warn | error
 *   CRM_MCP_INSECURE_HOSTS    comma-separated loopback hosts (optionally host:port) that provider
 *                             URLs may use over plain http; replaces the config file's `insecureHosts`
 *   CRM_MCP_AUDIT_MAX_AGE_DAYS, CRM_MCP_AUDIT_MAX_ENTRIES  audit retention (`auditRetention`)
 * `insecureHosts` is for local development providers and the sandboxes only: every entry must
 * be loopback (src/integrations/hosts.ts), and the app warns at start while any is set.
 * `auditRetention` ({maxAgeDays, maxEntries}, default 90 days / 100,000 entries) prunes routine
 * audit entries; failures and status changes are always kept (src/audit/log.ts).
 * Config file only: `publicUrl` (where `serve` is reachable; connect links start there),
 * `oauthClients` (the operator's own OAuth clients, src/oauth-clients/config.ts), `environments`
 * (environment → integration → partial definition, deep-merged over the platform definition),
 * `definitionDirs` (more definition directories, after the package's own `integrations/`).
 * Key material and client secrets are kept behind functions so that printing or logging the
 * config shows none.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
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
    environments: z.record(z.string().min(1), z.record(z.string().min(1), z.record(z.string(), z.unknown()))).optional(),
    definitionDirs: z.array(z.string().min(1)).optional(),
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
  /** environment → integration → partial definition. */
  environments: z.custom<Record<string, Record<string, Json>>>((v) => typeof v === 'object' && v !== null),
  /** Absolute paths of definition directories loaded after the package's own. */
  definitionDirs: z.array(z.string().min(1)),
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
    environments: file.environments ?? {},
    definitionDirs: (file.definitionDirs ?? []).map((d) => abs(d, fileBase)),
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
  const parsed = FileConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrmMcpError('config_invalid', `config file ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
