/**
 * An in-memory OperatorRuntime for in-process command tests: memory KV + account store, an
 * audit log and webhook recorder, and validators the test controls. The real composition
 * (store, crypto, token manager, engine) is exercised by the end-to-end tests.
 */
import type { LinkedAccount } from '../../../src/accounts/model.js';
import type { CliIo } from '../../../src/cli/io.js';
import type { AccountValidator, ValidationOutcome } from '../../../src/accounts/validation.js';
import { createAuditTrail, type AuditRecord, type AuditTrail } from '../../../src/audit/log.js';
import type { OperatorRuntime, RevokeOutcome } from '../../../src/connect/runtime.js';
import type { OAuthConnectSpec } from '../../../src/connect/spec.js';
import { cryptoRandom, type Clock } from '../../../src/core/deps.js';
import { CrmMcpError } from '../../../src/core/errors.js';
import { createMemoryLogger } from '../../helpers/logger.js';
import { createKeyring, generateKey } from '../../../src/crypto/keyring.js';
import { createSealer, type Sealer } from '../../../src/crypto/sealer.js';
import { createOAuthClientResolver } from '../../../src/oauth-clients/resolve.js';
import { plainCodec } from '../../helpers/memory-kv.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import type { KvStore } from '../../../src/store/kv.js';
import { createMemoryKv } from '../../helpers/memory-kv.js';
import { manualClock } from '../../helpers/manual-clock.js';

/** The real audit trail on the test's KvStore, with every record it appended kept in `entries` too. */
export function memoryAudit(kv: KvStore, clock: Clock): AuditTrail & { entries: AuditRecord[] } {
  const trail = createAuditTrail({ kv, clock, random: cryptoRandom });
  const entries: AuditRecord[] = [];
  return {
    entries,
    async append(e) {
      const r = await trail.append(e);
      entries.push(r);
      return r;
    },
    query: (q) => trail.query(q),
  };
}

/** The real sealer under a throwaway key. */
export const testSealer: Sealer = createSealer(createKeyring(generateKey('test-seal')));

export function scriptedValidator(fn: (a: LinkedAccount) => ValidationOutcome | Promise<ValidationOutcome> = () => ({ ok: true })): AccountValidator & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async validate(a) {
      calls.push(a.id);
      return fn(a);
    },
  };
}

export interface TestRuntime extends OperatorRuntime {
  clock: ReturnType<typeof manualClock>;
  auditLog: ReturnType<typeof memoryAudit>;
  reactivated: string[];
  revoked: string[];
  closed: number;
  /** Scheduler calls, as `stored:<id>` / `forget:<id>`. */
  scheduled: string[];
}

export function memoryOperatorRuntime(opts: {
  verifier?: AccountValidator;
  connectValidator?: AccountValidator;
  specs?: Record<string, OAuthConnectSpec>;
  env?: NodeJS.ProcessEnv;
  revoke?: (a: LinkedAccount) => RevokeOutcome;
  publicBaseUrl?: string;
} = {}): TestRuntime {
  const clock = manualClock();
  const kv = createMemoryKv(clock);
  const accounts = createAccountStore({ kv, codec: plainCodec, clock });
  const auditLog = memoryAudit(kv, clock);
  const reactivated: string[] = [];
  const authErrors: string[] = [];
  const revoked: string[] = [];
  const scheduled: string[] = [];
  const rt: TestRuntime = {
    scheduled,
    scheduler: { tokenStored: (a) => void scheduled.push(`stored:${a.id}`), forget: (id) => void scheduled.push(`forget:${id}`) },
    clock,
    auditLog,
    reactivated,
    revoked,
    closed: 0,
    accounts,
    kv,
    deps: { clock, random: cryptoRandom, logger: createMemoryLogger() },
    audit: auditLog,
    sealer: testSealer,
    oauthClients: createOAuthClientResolver({ env: opts.env ?? { CRM_MCP_HUBSPOT_CLIENT_ID: 'hub-client', CRM_MCP_HUBSPOT_CLIENT_SECRET: 'hub-secret-XYZ' } }),
    webhooks: { reactivated: async (a) => void reactivated.push(a.id), authenticationError: async (a) => void authErrors.push(a.id) },
    connectValidator: opts.connectValidator ?? scriptedValidator(),
    verifier: opts.verifier ?? scriptedValidator(),
    integration: (name) =>
      name === 'hubspot' ? { name, authMethods: ['oauth2'] } : name === 'salesforce' ? { name, authMethods: ['oauth2', 'oauth2_client_credentials'] } : name === 'keyed' ? { name, authMethods: ['api_key'] } : undefined,
    async connectSpec(integration) {
      const s = opts.specs?.[integration];
      if (!s) throw new CrmMcpError('integration_unknown', `unknown integration '${integration}'`);
      return s;
    },
    async revoke(a) {
      revoked.push(a.id);
      return opts.revoke?.(a) ?? { attempted: true, ok: true };
    },
    ...(opts.publicBaseUrl ? { publicBaseUrl: opts.publicBaseUrl } : {}),
    async close() {
      rt.closed++;
    },
  };
  return rt;
}

export function captureIo(over: Partial<CliIo> = {}): CliIo & { out: string[]; err: string[]; stdoutText(): string; stderrText(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    env: {},
    stdoutIsTty: false,
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
    ...over,
  };
}

export function oauthAccount(over: Partial<LinkedAccount> = {}): LinkedAccount {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    id: 'acct-1',
    tenant_id: 'tenant-a',
    integration: 'hubspot',
    environment: 'production',
    status: 'active',
    authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: 'at-SECRET-123456', refresh_token: 'rt-SECRET-abcdef', expires_at: '2026-01-01T00:30:00.000Z' } } },
    created_at: now,
    updated_at: now,
    version: 0,
    ...over,
  };
}
