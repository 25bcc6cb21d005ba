/**
 * The chaos suite's rig: a real Redis, the project's rotating OAuth fake with reuse detection (a
 * consumed refresh token presented again revokes the grant), replica A as a child process
 * (test/chaos/fixtures/replica.mjs on the built dist/, killable at each refresh step) and replica B
 * as a token manager in this process, both on the same Redis keys. Durations are scaled down
 * (deadline 1 s, lock TTL 1.5 s, hold TTL 8 s) so each run takes seconds; their ratios are the
 * production ones' (src/tokens/timing.ts).
 * `record` checks what every run must end with and adds the run to the table the suite prints:
 * no refresh token presented twice except in the inherent case (the provider rotated and the
 * answer was lost with its process or its deadline: counted apart), and never an `active`
 * account whose tokens the provider has revoked.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { cryptoRandom, systemClock } from '../../../src/core/deps.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '../../../src/sandbox/oauth/index.js';
import type { AccountStore } from '../../../src/store/account-store.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createRedisKv, type RedisKv } from '../../../src/store/redis-kv.js';
import { createTokenManager, type TokenManager, type TokenManagerOptions } from '../../../src/tokens/manager.js';
import { ROOT } from '../../helpers/dist.js';
import { spawnIpcChild, type IpcChild } from '../../helpers/ipc-child.js';
import { createMemoryLogger } from '../../helpers/logger.js';
import { plainCodec } from '../../helpers/memory-kv.js';
import { oauthAccount } from '../../tokens/helpers/setup.js';
import { startTestOAuth, type TestOAuth, type TestOAuthOptions } from '../../tokens/helpers/oauth.js';

export const TIMING = { requestTimeoutMs: 1_000, lockTtlMs: 1_500, holdTtlMs: 8_000, backoffMinMs: 300, backoffMaxMs: 400 } as const;

export interface Row {
  fault: string;
  refresh_grants: number;
  reuse_detections: number;
  final_status: string;
  tokens_valid_at_provider: boolean;
  /** The provider rotated and its answer was lost (process killed, or past the deadline): the one case reuse cannot be avoided. */
  inherent: boolean;
}

export const table: Row[] = [];

export interface Run {
  id: string;
  rt0: string;
  fake: TestOAuth;
  kv: RedisKv;
  store: AccountStore;
  /** Replica B: a token manager in this process. */
  b: TokenManager;
  /** Holds the provider's answers (after it acted) until `release()`; answers flow freely before `hold()`. */
  hold(): void;
  release(): void;
  /** Replica A: a child process. */
  spawnA(o?: { redisUrl?: string; tokenUrl?: string; freeze?: 'sending' | 'writing' | 'written'; leaseMs?: number }): Promise<IpcChild>;
  close(): Promise<void>;
}

let n = 0;

export async function startRun(redisUrl: string, o: { fake?: TestOAuthOptions; b?: Partial<TokenManagerOptions> } = {}): Promise<Run> {
  const id = `chaos${++n}`;
  const prefix = `${id}:`;
  let gate: Promise<void> | undefined;
  let open = () => {};
  const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true, ...o.fake, holdAnswer: () => gate ?? Promise.resolve() });
  const kv = await createRedisKv({ url: redisUrl, prefix });
  const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
  const deps = { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() };
  const b = createTokenManager({ deps, store, kv, resolveRefreshConfig: async () => fake.config(), ...TIMING, lockWaitMs: 20_000, persistRetryDelaysMs: [200], ...o.b });
  const rt0 = `rt_${id}_0`;
  fake.seed(rt0);
  await store.put(oauthAccount(id, { access: `at_${id}_old`, refresh: rt0, expiresAt: Date.now() - 1000 }));
  const children: IpcChild[] = [];
  const release = () => {
    gate = undefined;
    open();
  };
  return {
    id,
    rt0,
    fake,
    kv,
    store,
    b,
    hold() {
      gate = new Promise<void>((r) => (open = r));
    },
    release,
    async spawnA(a = {}) {
      const args = {
        redisUrl: a.redisUrl ?? redisUrl,
        prefix,
        tokenUrl: a.tokenUrl ?? fake.tokenUrl,
        clientId: DEFAULT_CLIENT_ID,
        clientSecret: DEFAULT_CLIENT_SECRET,
        timing: { ...TIMING, lockWaitMs: 20_000 },
        persistRetryDelaysMs: [200],
        ...(a.freeze ? { freeze: a.freeze } : {}),
        ...(a.leaseMs ? { leaseMs: a.leaseMs } : {}),
      };
      const child = spawnIpcChild(join(ROOT, 'test/chaos/fixtures/replica.mjs'), [JSON.stringify(args)]);
      children.push(child);
      await child.next('ready');
      return child;
    },
    async close() {
      release();
      for (const c of children) c.child.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await kv.close();
      await fake.close();
    },
  };
}

/** Asks replica A (a child) for `n` tokens; resolves with its answer. */
export async function callA(a: IpcChild, run: Run, count = 1): Promise<{ tokens: string[]; errors: string[] }> {
  a.send({ type: 'call', n: count, account: run.id });
  return a.next('result') as Promise<{ type: 'result'; tokens: string[]; errors: string[] }>;
}

export async function record(run: Run, fault: string, inherent = false): Promise<Row> {
  const stored = (await run.store.get(run.id))!;
  const t = stored.context.oauth!.token;
  const row: Row = {
    fault,
    refresh_grants: run.fake.provider.stats.byGrantType.refresh_token ?? 0,
    reuse_detections: run.fake.provider.stats.reuseRevocations,
    final_status: stored.status,
    tokens_valid_at_provider: run.fake.provider.isAccessTokenValid(t.access_token) && run.fake.provider.currentRefreshToken(run.rt0) === t.refresh_token,
    inherent,
  };
  table.push(row);
  // Never an active account whose tokens the provider has revoked.
  if (row.final_status === 'active') expect(row.tokens_valid_at_provider, JSON.stringify(row)).toBe(true);
  if (inherent) {
    expect(row.reuse_detections).toBeLessThanOrEqual(1);
  } else {
    expect(row, JSON.stringify(row)).toMatchObject({ reuse_detections: 0, final_status: 'active', tokens_valid_at_provider: true });
  }
  return row;
}

export function renderTable(rows: Row[]): string {
  const head = ['fault', 'refresh grants', 'reuse detections', 'final status', 'tokens valid at provider', 'inherent case'];
  const lines = rows.map((r) => [r.fault, String(r.refresh_grants), String(r.reuse_detections), r.final_status, r.tokens_valid_at_provider ? 'yes' : 'no', r.inherent ? 'yes (counted apart)' : '']);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}
