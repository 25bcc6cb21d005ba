/**
 * `crm-mcp demo`: the whole product on the embedded default, with nothing of the user's own.
 * Starts the HubSpot and Salesforce sandboxes on loopback, opens a fresh encrypted embedded
 * store (key generated into its own 0600 file), seeds a tenant with one linked account on each,
 * serves MCP over Streamable HTTP with bearer access tokens and the refresh scheduler running,
 * then drives the example agent (src/demo/agent.ts) through both accounts over real HTTP, as a
 * client of the current protocol revision (2026-07-28: no handshake, a `_meta` envelope on every
 * request), pinned so that a server answering only the 2025 era fails the demo loudly.
 */
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../app/open-app.js';
import { serveHttp, type Serving } from '../app/serve-http.js';
import { startSandboxes } from '../sandbox/index.js';
import { AGENT_PLAN, AGENT_PROTOCOL, AGENT_STEPS, runDemoAgent, type AgentStep } from './agent.js';
import { sandboxConfig } from './sandbox-env.js';
import { seedDemoTenant, type SeededAccount } from './seed.js';

export interface DemoOptions {
  port: number;
  /** When `port` is taken, serve on any free port instead of failing (the default port's case). */
  fallbackToFreePort?: boolean;
  /** Where the demo's store and key file go; default a fresh temporary directory, removed on close. */
  dataDir?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Where log lines go. */
  stderr(text: string): void;
  print(line: string): void;
}

export interface DemoRun {
  url: string;
  accounts: SeededAccount[];
  /** `protocol`: the MCP revision the agent's client spoke. */
  results: Array<{ account_id: string; crm: string; protocol: string; steps: AgentStep[] }>;
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
    const sb = await startSandboxes();
    closers.push(() => sb.close());
    opts.print(`sandboxes: HubSpot ${sb.hubspot.url}, Salesforce ${sb.salesforce.url} (fake providers on loopback)`);

    // The demo's own environment only: the user's CRM_MCP_* settings must not leak into it.
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify(sandboxConfig(sb), null, 2) + '\n', { mode: 0o600 });
    // Its store and key are created in its own temporary data directory, which nobody needs to back up;
    // its insecure hosts are its own loopback sandboxes, so the operator warning would only be noise.
    const app = await openApp({ flags: { config: configFile, dataDir, logLevel: opts.logLevel }, env: {}, stderr: opts.stderr, notice: () => {}, create: true, warnInsecureHosts: false });
    closers.push(() => app.close());
    const seeded = await seedDemoTenant({ sb, accounts: app.store.accounts, core: app.core, tokens: app.accessTokens, clock: app.deps.clock });
    opts.print(`store: encrypted embedded SQLite at ${app.config.store.kind === 'sqlite' ? app.config.store.path : '?'}; tenant "${seeded[0]?.account.tenant_id}" with ${seeded.map((s) => s.account.id).join(', ')}`);

    const serve = (port: number) => serveHttp(app.mcp, { port, host: '127.0.0.1' });
    let serving: Serving;
    try {
      serving = await serve(opts.port);
    } catch (err) {
      if (!opts.fallbackToFreePort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      opts.print(`port ${opts.port} is in use; serving on a free port instead`);
      serving = await serve(0);
    }
    closers.push(() => serving.close());
    const url = `${serving.http.url}/mcp`;
    opts.print(`MCP server (Streamable HTTP, stateless, bearer tokens): ${url}`);

    const results: DemoRun['results'] = [];
    for (const s of seeded) {
      const crm = app.mcp.crmName(s.account.integration) ?? s.account.integration;
      opts.print('');
      const client = new Client({ name: 'crm-mcp-demo-agent', version: '1.0.0' }, { versionNegotiation: { mode: { pin: AGENT_PROTOCOL } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${s.mcpToken}` } } }));
      const protocol = client.getNegotiatedProtocolVersion() ?? 'unknown';
      opts.print(`agent on ${crm} (${s.account.id}, MCP ${protocol}): ${AGENT_PLAN}`);
      try {
        const steps = await runDemoAgent(client, crm, opts.print);
        for (const st of steps) opts.print(`  ${st.ok ? '✓' : '✗'} ${st.step}: ${st.detail}`);
        results.push({ account_id: s.account.id, crm, protocol, steps });
      } finally {
        await client.close();
      }
    }
    const ok = results.length === seeded.length && results.every((r) => r.steps.length === AGENT_STEPS && r.steps.every((st) => st.ok));
    return { url, accounts: seeded, results, ok, close };
  } catch (err) {
    await close();
    throw err;
  }
}
