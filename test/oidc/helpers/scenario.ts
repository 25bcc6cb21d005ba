/**
 * Build 7 of issue 11: crm-mcp against a real OAuth server. An account is connected through
 * crm-mcp's own connect flow (link → oidc-provider login + consent → crm-mcp's callback: code +
 * PKCE exchange), then N crm-mcp processes on one real Redis make concurrent tool calls in waves,
 * each wave released by a message barrier just after the access token expired, for each lifetime
 * L. Everything is counted at the provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type App } from '../../../src/app/open-app.js';
import { createConnectFlow } from '../../../src/connect/flow.js';
import { connectHandlerFor } from '../../../src/connect/handler.js';
import { createKeyFileIfAbsent } from '../../../src/crypto/key-file.js';
import { configEnvironments, ROOT, writeConfigFile } from '../../helpers/dist.js';
import { spawnIpcChild, type IpcChild } from '../../helpers/ipc-child.js';
import { startRedis } from '../../helpers/redis-server.js';
import { browse } from './browser.js';
import { OIDC_CLIENT, startOidcPeer, type OidcPeer } from './oidc-peer.js';

export const ENVIRONMENT = 'oidc';

export interface Wave {
  lifetime: number;
  expiry: number;
  calls: number;
  ok: number;
  failed: string[];
  refreshGrants: number;
  reuseDetections: number;
}

export interface LifetimeOutcome {
  lifetime: number;
  account: string;
  waves: Wave[];
  status: string;
  /** The stored access and refresh tokens are live at the provider after the last wave. */
  tokensValid: boolean;
}

export interface ScenarioOptions {
  lifetimes: number[];
  workers: number;
  callsPerWorker: number;
  expiries: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function runOidcScenario(o: ScenarioOptions): Promise<{ outcomes: LifetimeOutcome[]; stats: OidcPeer['stats'] }> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const dir = mkdtempSync(join(tmpdir(), 'crm-oidc-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const keysFile = join(dir, 'keys.json');
    createKeyFileIfAbsent(keysFile, new Date());

    // crm-mcp's connect endpoints, as `serve` mounts them; the handler is set once the app is open.
    const mounted: { h?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean> } = {};
    const connectServer = createServer((req, res) => void mounted.h!(req, res).then((handled) => handled || res.writeHead(404).end()));
    await new Promise<void>((r) => connectServer.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => (connectServer.closeAllConnections(), connectServer.close(() => r()))));
    const base = `http://127.0.0.1:${(connectServer.address() as AddressInfo).port}`;

    const peer = await startOidcPeer(`${base}/connect/callback`);
    cleanups.push(() => peer.close());
    const config = writeConfigFile({ environments: configEnvironments({ [ENVIRONMENT]: { hubspot: peer.override() } }), insecureHosts: ['127.0.0.1'] });
    const env = { ...process.env, CRM_MCP_HUBSPOT_OIDC_CLIENT_ID: OIDC_CLIENT.id, CRM_MCP_HUBSPOT_OIDC_CLIENT_SECRET: OIDC_CLIENT.secret };
    const app: App = await openApp({ flags: { config, redisUrl: redis.url, keysFile, logLevel: 'warn' }, env, stderr: (l) => o.log?.(l.trimEnd()) });
    cleanups.push(() => app.close());
    const rt = await app.operator();
    mounted.h = connectHandlerFor(rt, base);
    const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec });

    const workers: IpcChild[] = [];
    for (let i = 0; i < o.workers; i++) {
      const w = spawnIpcChild(join(ROOT, 'test/oidc/fixtures/worker.mjs'), [config, redis.url, keysFile], env);
      workers.push(w);
      cleanups.push(async () => {
        w.send({ type: 'stop' });
        await Promise.race([w.exited, sleep(5_000).then(() => w.child.kill('SIGKILL'))]);
      });
    }
    await Promise.all(workers.map((w) => w.next('ready')));

    const outcomes: LifetimeOutcome[] = [];
    for (const lifetime of o.lifetimes) {
      peer.setLifetime(lifetime);
      const tenant = `tenant-L${lifetime}`;
      const link = await flow.createLink({ tenantId: tenant, integration: 'hubspot', environment: ENVIRONMENT, baseUrl: base });
      // The link page's button POSTs to start consent (a GET only shows the page: link previews never consume it).
      const page = await browse(link.url, { firstMethod: 'POST' });
      if (page.status !== 200 || new URL(page.url).pathname !== '/connect/callback') throw new Error(`connect failed: ${page.status} ${page.url} ${page.body.slice(0, 300)}`);
      const account = (await app.store.accounts.listByTenant(tenant))[0];
      if (!account || account.status !== 'active') throw new Error(`connect left no active account for ${tenant}`);
      o.log?.(`L=${lifetime}s: connected ${account.id}`);
      const waves: Wave[] = [];
      for (let expiry = 1; expiry <= o.expiries; expiry++) {
        const token = (await app.store.accounts.get(account.id))!.context.oauth!.token;
        // The barrier opens just after the stored access token expired.
        await sleep(Date.parse(token.expires_at!) - Date.now() + 250);
        const before = { ...peer.stats };
        for (const w of workers) w.send({ type: 'go', wave: `${lifetime}:${expiry}`, account: account.id, calls: o.callsPerWorker });
        let timer: NodeJS.Timeout | undefined;
        const stuck = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`wave ${lifetime}:${expiry} did not finish; workers' stderr:\n${workers.map((w) => w.stderr().slice(-1500)).join('\n---\n')}`)), 120_000);
        });
        const done = await Promise.race([Promise.all(workers.map((w) => w.next<{ type: 'done'; ok: number; failed: string[] }>('done'))), stuck]).finally(() => clearTimeout(timer));
        const wave: Wave = {
          lifetime,
          expiry,
          calls: o.workers * o.callsPerWorker,
          ok: done.reduce((s, d) => s + d.ok, 0),
          failed: done.flatMap((d) => d.failed),
          refreshGrants: peer.stats.refreshGrants - before.refreshGrants,
          reuseDetections: peer.stats.reuseDetections - before.reuseDetections,
        };
        o.log?.(`L=${lifetime}s expiry ${expiry}: ${JSON.stringify({ ...wave, failed: wave.failed.length })}`);
        waves.push(wave);
      }
      const stored = (await app.store.accounts.get(account.id))!;
      const t = stored.context.oauth!.token;
      outcomes.push({
        lifetime,
        account: account.id,
        waves,
        status: stored.status,
        tokensValid: (await peer.accessTokenValid(t.access_token)) && (await peer.refreshTokenValid(t.refresh_token!)),
      });
    }
    return { outcomes, stats: { ...peer.stats } };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}
