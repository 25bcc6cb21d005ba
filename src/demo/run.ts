/**
 * `crm-mcp demo`: the whole product on the embedded default, with nothing of the user's own.
 * Starts the HubSpot and Salesforce sandboxes on loopback, opens a fresh encrypted embedded
 * store (key generated into its own 0600 file), seeds a tenant with one linked account on each,
 * serves MCP over Streamable HTTP with bearer access tokens and the refresh scheduler running,
 * then drives the example agent through both accounts over real HTTP.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccessTokenStore } from '../access-tokens/store.js';
import { loadConfig } from '../app/config.js';
import { composeCore } from '../app/core.js';
import { openStore } from '../app/open-store.js';
import { cryptoRandom, systemClock, type Logger } from '../core/deps.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import { loadRegistry, secretContextKeys } from '../integrations/index.js';
import { buildMcpRuntime } from '../mcp/compose.js';
import { startSandboxes } from '../sandbox/index.js';
import { runDemoAgent, type AgentStep } from './agent.js';
import { sandboxWiring } from './sandbox-env.js';
import { seedDemoTenant, type SeededAccount } from './seed.js';

export interface DemoOptions {
  port: number;
  /** When `port` is taken, serve on any free port instead of failing (the default port's case). */
  fallbackToFreePort?: boolean;
  /** Where the demo's store and key file go; default a fresh temporary directory, removed on close. */
  dataDir?: string;
  logger: Logger;
  print(line: string): void;
}

export interface DemoRun {
  url: string;
  accounts: SeededAccount[];
  results: Array<{ account_id: string; crm: string; steps: AgentStep[] }>;
  ok: boolean;
  close(): Promise<void>;
}

export async function runDemo(opts: DemoOptions): Promise<DemoRun> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'crm-mcp-demo-'));
    if (!opts.dataDir) closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const deps = { clock: systemClock, random: cryptoRandom, logger: opts.logger };

    const sb = await startSandboxes();
    closers.push(() => sb.close());
    opts.print(`sandboxes: HubSpot ${sb.hubspot.url}, Salesforce ${sb.salesforce.url} (fake providers on loopback)`);

    const wiring = sandboxWiring(sb);
    const registry = loadRegistry();
    const config = loadConfig({ env: {}, flags: { dataDir } });
    const store = await openStore(config, {
      notice: (l) => opts.logger.info(l),
      secretContextFields: (i) => (registry.has(i) ? secretContextKeys(registry.get(i)) : []),
    });
    closers.push(() => store.close());
    const core = composeCore({ deps, registry, store, env: {}, oauthClients: wiring.oauthClients, envOverrides: wiring.envOverrides, extraAllowedHosts: wiring.extraAllowedHosts, webhookEndpoints: [] });
    const rt = buildMcpRuntime({ kv: store.kv, accounts: store.accounts, deps, registry, tokens: core.tokens, scheduler: core.scheduler, envOverrides: wiring.envOverrides, extraAllowedHosts: wiring.extraAllowedHosts, close: async () => {} });
    closers.push(() => rt.close());
    const accessTokens = createAccessTokenStore({ kv: store.kv, clock: deps.clock, random: deps.random });
    const seeded = await seedDemoTenant({ sb, accounts: store.accounts, core, tokens: accessTokens, clock: deps.clock });
    opts.print(`store: encrypted embedded SQLite at ${config.store.kind === 'sqlite' ? config.store.path : '?'}; tenant "${seeded[0]?.account.tenant_id}" with ${seeded.map((s) => s.account.id).join(', ')}`);
    core.scheduler.start();

    const serve = (port: number) =>
      startHttpServer({ port, host: '127.0.0.1', engine: rt.engine, deps, accounts: store.accounts, auth: { mode: 'tokens', tokens: accessTokens }, crmName: (i) => rt.crmName(i) });
    let srv: RunningHttpServer;
    try {
      srv = await serve(opts.port);
    } catch (err) {
      if (!opts.fallbackToFreePort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      opts.print(`port ${opts.port} is in use; serving on a free port instead`);
      srv = await serve(0);
    }
    closers.push(() => srv.close());
    const url = `${srv.url}/mcp`;
    opts.print(`MCP server (Streamable HTTP, stateless, bearer tokens): ${url}`);

    const results: DemoRun['results'] = [];
    for (const s of seeded) {
      const crm = rt.crmName(s.account.integration) ?? s.account.integration;
      opts.print('');
      opts.print(`agent on ${crm} (${s.account.id}): find a contact → update their deal's stage → log a note on the deal`);
      const client = new Client({ name: 'crm-mcp-demo-agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${s.mcpToken}` } } }));
      try {
        const steps = await runDemoAgent(client, crm, opts.print);
        for (const st of steps) opts.print(`  ${st.ok ? '✓' : '✗'} ${st.step}: ${st.detail}`);
        results.push({ account_id: s.account.id, crm, steps });
      } finally {
        await client.close();
      }
    }
    const ok = results.length === seeded.length && results.every((r) => r.steps.length === 3 && r.steps.every((st) => st.ok));
    return { url, accounts: seeded, results, ok, close };
  } catch (err) {
    await close();
    throw err;
  }
}
