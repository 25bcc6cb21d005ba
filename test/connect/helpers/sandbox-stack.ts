/**
 * The operator runtime as production composes it (openApp: real definitions, engine, token
 * manager, scheduler, audit trail, webhook sender, encrypted SQLite store in a temp directory),
 * on an injected clock, with the `sandbox` environment's definitions pointed at the faithful
 * fakes of src/sandbox by a config file. `openStack` can be called twice against the same fakes to get a second,
 * fresh instance (export → import).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../../../src/app/core.js';
import { openApp } from '../../../src/app/open-app.js';
import type { OpenedStore } from '../../../src/app/open-store.js';
import type { LinkedAccount } from '../../../src/accounts/model.js';
import { createConnectFlow } from '../../../src/connect/flow.js';
import { connectHandlerFor } from '../../../src/connect/handler.js';
import type { OperatorRuntime } from '../../../src/connect/runtime.js';
import type { Clock } from '../../../src/core/deps.js';
import type { Json } from '../../../src/integrations/index.js';
import { startFakeHubSpot, startFakeSalesforce, type FakeHubSpot, type FakeSalesforce } from '../../../src/sandbox/index.js';
import type { WebhookEndpoint } from '../../../src/webhooks/sender.js';
import { configEnvironments, writeConfigFile } from '../../helpers/dist.js';
import { manualClock } from '../../helpers/manual-clock.js';

export const ENVIRONMENT = 'sandbox';
export const CLIENTS = {
  hubspot: { clientId: 'hs-operator-app', clientSecret: 'hs-client-secret-KNOWN' },
  salesforce: { clientId: 'sf-operator-app', clientSecret: 'sf-client-secret-KNOWN' },
} as const;

export const CLIENT_ENV: NodeJS.ProcessEnv = {
  CRM_MCP_HUBSPOT_SANDBOX_CLIENT_ID: CLIENTS.hubspot.clientId,
  CRM_MCP_HUBSPOT_SANDBOX_CLIENT_SECRET: CLIENTS.hubspot.clientSecret,
  CRM_MCP_SALESFORCE_SANDBOX_CLIENT_ID: CLIENTS.salesforce.clientId,
  CRM_MCP_SALESFORCE_SANDBOX_CLIENT_SECRET: CLIENTS.salesforce.clientSecret,
};

export interface Providers {
  hubspot: FakeHubSpot;
  salesforce: FakeSalesforce;
  close(): Promise<void>;
}

export async function startProviders(clock: Clock): Promise<Providers> {
  const hubspot = await startFakeHubSpot({ clock, seed: { contacts: 3, companies: 1, deals: 1, notes: 0 }, oauth: { clients: [{ ...CLIENTS.hubspot }] } });
  const salesforce = await startFakeSalesforce({ clock, seed: { accounts: 1, contacts: 3, opportunities: 1, notes: 0, tasks: 0 }, oauth: { clients: [{ ...CLIENTS.salesforce }] } });
  return { hubspot, salesforce, close: async () => void (await Promise.all([hubspot.close(), salesforce.close()])) };
}

/** The `sandbox` environment override: every OAuth endpoint (and HubSpot's API base) on the fakes. */
export function sandboxOverrides(p: Providers): Record<string, Record<string, Json>> {
  const auth = (f: FakeHubSpot | FakeSalesforce) => ({ authorize_url: f.authorizeUrl, token_url: f.tokenUrl, revoke_url: f.revokeUrl, introspect_url: f.introspectUrl });
  return { [ENVIRONMENT]: { hubspot: { auth: auth(p.hubspot), base_url: p.hubspot.url }, salesforce: { auth: auth(p.salesforce) } } };
}

export interface Stack {
  rt: OperatorRuntime;
  core: Core;
  store: OpenedStore;
  /** What the app logged (debug and up), one line each. */
  logger: { lines: string[] };
  /** Mounts /connect/* (as `serve` does) on loopback; returns its base URL. */
  serveConnect(): Promise<string>;
  /** A whole consent flow (link → authorize → callback) for a new account; returns it. */
  connect(integration: 'hubspot' | 'salesforce', tenantId: string): Promise<LinkedAccount>;
  close(): Promise<void>;
}

export async function openStack(p: Providers, clock: Clock, opts: { webhookEndpoints?: WebhookEndpoint[] } = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-stack-'));
  const config = writeConfigFile({ environments: configEnvironments(sandboxOverrides(p)), insecureHosts: ['127.0.0.1'] });
  const hook = opts.webhookEndpoints?.[0];
  const env = { ...CLIENT_ENV, ...(hook ? { CRM_MCP_WEBHOOK_URL: hook.url, CRM_MCP_WEBHOOK_SECRET: hook.secret } : {}) };
  const logger = { lines: [] as string[] };
  const app = await openApp({ flags: { config, dataDir: dir, logLevel: 'debug' }, env, clock, create: true, stderr: (l) => void logger.lines.push(l.trimEnd()) });
  const { core, store } = app;
  // Commands close the runtime they were given; the stack's outlives them. The stack stands for
  // `serve`'s process, whose schedule is the real one (it is not started: the clock is manual).
  const rt: OperatorRuntime = { ...(await app.operator()), scheduler: core.scheduler, close: async () => {} };
  const servers: Array<() => Promise<void>> = [];
  let base: string | undefined;
  const stack: Stack = {
    rt,
    core,
    store,
    logger,
    async serveConnect() {
      const mounted: { h?: ReturnType<typeof connectHandlerFor> } = {};
      const srv = createServer((req, res) => void mounted.h!(req, res).then((ok) => ok || res.writeHead(404).end()));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      mounted.h = connectHandlerFor(rt, url);
      servers.push(
        () =>
          new Promise<void>((r) => {
            srv.closeAllConnections();
            srv.close(() => r());
          }),
      );
      return url;
    },
    async connect(integration, tenantId) {
      base ??= await stack.serveConnect();
      const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec });
      const link = await flow.createLink({ tenantId, integration, environment: ENVIRONMENT, baseUrl: base });
      const res = await fetch(link.url, { method: 'POST', redirect: 'follow' });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`connect failed: ${res.status} ${body}`);
      const found = (await rt.accounts.listByTenant(tenantId)).filter((a) => a.integration === integration);
      return found.at(-1)!;
    },
    async close() {
      await Promise.all(servers.map((s) => s()));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Both fakes and one stack on a manual clock; `cleanups` closes them after the test. */
export async function startSandboxStack(cleanups: Array<() => Promise<void>>, opts: { webhookEndpoints?: WebhookEndpoint[] } = {}) {
  const clock = manualClock(Date.now());
  const p = await startProviders(clock);
  cleanups.push(p.close);
  const s = await openStack(p, clock, opts);
  cleanups.push(s.close);
  return { clock, p, s };
}
