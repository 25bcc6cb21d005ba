/**
 * `crm-mcp init`: creates what every other command only opens — the embedded store (0600, in a
 * 0700 data directory) and, unless the keys come from CRM_MCP_ENCRYPTION_KEY(S), the key file
 * (0600) — or confirms an existing setup. It never replaces a key, and refuses a store that holds
 * sealed data when its key is missing (src/app/open-store.ts). On Redis it checks the connection
 * and the configured key; nothing is created there.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { out } from '../kit.js';

export function define(init: Command, ctx: CommandContext): void {
  const { io } = ctx;
  init.action(
    ctx.action(async () => {
      const { loadConfig } = await import('../../app/config.js');
      const config = loadConfig({ env: io.env, flags: ctx.flags('warn') });
      const { current, list } = config.envKeys();
      const keysFromEnv = Boolean(current || list);
      const storeExisted = config.store.kind === 'redis' || existsSync(config.store.path);
      const keyExisted = keysFromEnv || existsSync(config.keysFile);
      const rt = await ctx.operator({ create: true });
      const total = Object.values(await rt.accounts.countByStatus()).reduce((s, n) => s + n, 0);
      const store = config.store.kind === 'redis' ? { kind: 'redis' as const, created: false } : { kind: 'sqlite' as const, path: config.store.path, created: !storeExisted };
      const key = keysFromEnv ? { source: 'env' as const, created: false } : { source: 'file' as const, path: config.keysFile, created: !keyExisted };
      const text = [
        `store: ${store.kind === 'sqlite' ? store.path : 'Redis'} (${store.created ? 'created' : 'exists'}; ${total} account(s))`,
        `key:   ${key.source === 'env' ? 'from CRM_MCP_ENCRYPTION_KEY(S)' : `${key.path} (${key.created ? 'created, mode 0600: back it up' : 'exists'})`}`,
      ].join('\n');
      out(io, ctx.globals().json, { ok: true, store, key, accounts: total }, text);
      return EXIT.ok;
    }),
  );
}
