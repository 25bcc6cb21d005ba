/**
 * `crm-mcp sandbox`: the sandbox HubSpot and Salesforce as long-running local services that real
 * MCP clients can use. Everything lives in one data directory — the encrypted store and its key
 * file, the config file that points crm-mcp at the fakes, and `sandbox.json` with the ports — so a
 * client's `crm-mcp stdio --account sandbox-hubspot --data-dir <dir> --config <dir>/config.json`
 * (with the OAuth client variables in its `env`) works from any working directory for as long
 * as this runs, and again after a restart: the fakes come back on the recorded ports and learn
 * the stored tokens again. The CRM records themselves are the fakes' deterministic seed, the
 * same on every start; changes made through the tools last until the sandbox stops.
 * It also serves MCP over Streamable HTTP with one fresh bearer token per account.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkedAccount } from '../accounts/model.js';
import { openApp, type App } from '../app/open-app.js';
import { serveHttp, type Serving } from '../app/serve-http.js';
import { envVarNames } from '../oauth-clients/config.js';
import { startFakeHubSpot, startFakeSalesforce } from '../sandbox/index.js';
import type { ServerLaunch } from './client-configs.js';
import { ensureSandboxAccounts, SANDBOX_TENANT, type SandboxAccount, type SandboxFakes } from './sandbox-accounts.js';
import { DEMO_ENVIRONMENT, sandboxClientEnv, sandboxEndpointConfig, sandboxOAuthClients, type SandboxIntegration } from './sandbox-env.js';
import { CONFIG_FILE, readSandboxState, runningSandboxPid, writeSandboxState, type SandboxPorts } from './sandbox-state.js';

const TOKEN_LABEL = 'sandbox';

export interface SandboxOptions {
  dataDir: string;
  /** Ports asked for on the command line; the others are the recorded ones, else any free port. */
  ports: Partial<SandboxPorts>;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  stderr(text: string): void;
  /** How a client starts this crm-mcp: an absolute node binary and the absolute CLI entry. */
  launcher: { command: string; args: string[] };
}

export interface SandboxRunAccount {
  integration: SandboxIntegration;
  crm: string;
  account: LinkedAccount;
  origin: SandboxAccount['origin'];
  /** Bearer token for the MCP HTTP server, minted at this start (earlier ones are revoked). */
  mcpToken: string;
  /** The stdio server a client starts for this account: exactly what the printed configs say. */
  launch: ServerLaunch;
}

export interface SandboxRun {
  dataDir: string;
  configFile: string;
  hubspotUrl: string;
  salesforceUrl: string;
  mcpUrl: string;
  ports: SandboxPorts;
  accounts: SandboxRunAccount[];
  close(): Promise<void>;
}

export async function runSandbox(opts: SandboxOptions): Promise<SandboxRun> {
  const dir = opts.dataDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const state = readSandboxState(dir);
  const other = runningSandboxPid(state, process.pid);
  if (other !== undefined) throw new Error(`a sandbox already runs on ${dir} (pid ${other}); stop it first, or give another --data-dir`);

  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const hubspot = await listen(opts.ports.hubspot, state.ports.hubspot, (port) => startFakeHubSpot({ port }));
    closers.push(() => hubspot.close());
    const salesforce = await listen(opts.ports.salesforce, state.ports.salesforce, (port) => startFakeSalesforce({ port }));
    closers.push(() => salesforce.close());
    const fakes: SandboxFakes = { hubspot, salesforce };

    const configFile = join(dir, CONFIG_FILE);
    writeFileSync(configFile, JSON.stringify(sandboxEndpointConfig(fakes), null, 2) + '\n', { mode: 0o600 });
    // The OAuth clients reach crm-mcp the way they reach a client's server: as environment variables.
    const clientEnv = sandboxClientEnv(sandboxOAuthClients(fakes));
    const app = await openApp({ flags: { config: configFile, dataDir: dir, logLevel: opts.logLevel }, env: clientEnv, stderr: opts.stderr, notice: () => {}, create: true, warnInsecureHosts: false });
    closers.push(() => app.close());
    const seeded = await ensureSandboxAccounts({ fakes, accounts: app.store.accounts, core: app.core, clock: app.deps.clock });
    const tokens = await mintTokens(app, seeded);

    const serving: Serving = await listen(opts.ports.mcp, state.ports.mcp, (port) => serveHttp(app.mcp, { port, host: '127.0.0.1' }));
    closers.push(() => serving.close());
    const ports: SandboxPorts = { hubspot: hubspot.port, salesforce: salesforce.port, mcp: serving.http.port };
    writeSandboxState(dir, { pid: process.pid, ports });
    closers.unshift(async () => writeSandboxState(dir, { ports }));

    const accounts = seeded.map((s, i): SandboxRunAccount => {
      const names = envVarNames(s.integration, DEMO_ENVIRONMENT);
      const env = Object.fromEntries(Object.entries(clientEnv).filter(([k]) => k === names.id || k === names.secret));
      return {
        ...s,
        crm: app.mcp.crmName(s.integration) ?? s.integration,
        mcpToken: tokens[i]!,
        launch: {
          name: `crm-${s.account.id}`,
          command: opts.launcher.command,
          args: [...opts.launcher.args, 'stdio', '--account', s.account.id, '--data-dir', dir, '--config', configFile],
          env,
        },
      };
    });
    return { dataDir: dir, configFile, hubspotUrl: hubspot.url, salesforceUrl: salesforce.url, mcpUrl: `${serving.http.url}/mcp`, ports, accounts, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** One bearer token per account for this run; the tokens of earlier runs stop working. */
async function mintTokens(app: App, seeded: SandboxAccount[]): Promise<string[]> {
  for (const t of await app.accessTokens.list({ tenantId: SANDBOX_TENANT })) {
    if (t.label === TOKEN_LABEL && !t.revoked_at) await app.accessTokens.revoke(t.id);
  }
  const out: string[] = [];
  for (const s of seeded) out.push((await app.accessTokens.create({ tenantId: SANDBOX_TENANT, accountId: s.account.id, label: TOKEN_LABEL })).token);
  return out;
}

/**
 * Listens on the port asked for (failing if it is taken), else on the recorded one, else — or
 * when the recorded one is taken now — on any free port.
 */
async function listen<T>(asked: number | undefined, recorded: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  if (asked !== undefined) return start(asked);
  if (recorded !== undefined) {
    try {
      return await start(recorded);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  return start(0);
}
