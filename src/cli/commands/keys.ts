/**
 * `crm-mcp keys generate|rotate|remove`: encryption keys for credentials at rest.
 * Rotation is safe while a server runs: each account is rewritten through AccountStore.update.
 */
import type { Command } from 'commander';
import { addCurrentKey, removeKey } from '../../crypto/key-file.js';
import { generateKey, KID_PATTERN } from '../../crypto/keyring.js';
import { rotate } from '../../crypto/rotate.js';
import { keys as storeKeys } from '../../store/keys.js';
import type { CommandContext } from '../context.js';
import { EXIT, notFound, usageError } from '../exit.js';

export function define(keys: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const json = () => ctx.globals().json;

  keys
    .command('generate')
    .description('print a new random 32-byte key as kid:base64 (for CRM_MCP_ENCRYPTION_KEY); opens nothing')
    .option('--kid <id>', 'key id (letters, digits, _ and -)')
    .action(
      ctx.action(async (cmd) => {
        const { kid } = cmd.opts<{ kid?: string }>();
        if (kid !== undefined && !KID_PATTERN.test(kid)) throw usageError('key id may contain only letters, digits, _ and - (max 64)');
        const k = generateKey(kid);
        io.stdout(json() ? JSON.stringify({ ok: true, kid: k.kid, key: k.material }) + '\n' : `${k.kid}:${k.material}\n`);
        return EXIT.ok;
      }),
    );

  keys
    .command('rotate')
    .description('re-encrypt every account and sealed secret under the current key (safe while a server runs)')
    .option('--new-key', 'first add a fresh key to the key file and make it current (key-file setups only)', false)
    .action(
      ctx.action(async (cmd) => {
        const { newKey } = cmd.opts<{ newKey: boolean }>();
        const setup = await ctx.keys();
        if (newKey) {
          if (setup.keysFromEnv) throw usageError('--new-key edits the key file, but keys come from CRM_MCP_ENCRYPTION_KEY(S); set the new key there instead');
          const kid = addCurrentKey(setup.keysFile, new Date());
          if (!json()) io.stderr(`crm-mcp keys: added key '${kid}' to ${setup.keysFile} as the current key\n`);
        }
        const store = await setup.open();
        const r = await rotate({ kv: store.kv, accounts: store.accounts, codec: store.codec, keyring: store.keyring, sealed: store.sealed, audit: { trail: store.audit, actor: 'cli' } });
        const ok = r.failed.length === 0 && r.sealed.failed.length === 0;
        if (json()) io.stdout(JSON.stringify({ ok, ...r }) + '\n');
        else {
          io.stdout(`rotated ${r.rotated}, already current ${r.unchanged}, failed ${r.failed.length} of ${r.total} accounts (current key '${r.kid}')\n`);
          if (r.sealed.total > 0) io.stdout(`re-sealed ${r.sealed.resealed}, already current ${r.sealed.unchanged}, failed ${r.sealed.failed.length} of ${r.sealed.total} sealed secrets\n`);
          for (const f of r.failed) io.stderr(`crm-mcp keys: account '${f.id}' skipped: ${f.code}\n`);
          for (const f of r.sealed.failed) io.stderr(`crm-mcp keys: sealed secret '${f.key}' skipped: ${f.code}\n`);
        }
        return ok ? EXIT.ok : EXIT.failure;
      }),
    );

  keys
    .command('remove')
    .description('remove an old key from the key file; refused while any account still uses it')
    .argument('<kid>', 'key id to remove')
    .action(
      ctx.action(async (cmd) => {
        const kid = cmd.args[0]!;
        const setup = await ctx.keys();
        const store = await setup.open();
        if (!store.keyring.get(kid)) throw notFound(`key '${kid}' is not in the keyring`);
        const users: string[] = [];
        for await (const [key, raw] of store.kv.scan(storeKeys.accountPrefix)) {
          const id = storeKeys.idFromAccountKey(key);
          try {
            if (store.codec.keyIdsOf(id, raw).has(kid)) users.push(id);
          } catch {
            users.push(id);
          }
        }
        if (users.length > 0) throw usageError(`key '${kid}' is still used by ${users.length} account(s) (e.g. '${users[0]}'); run 'crm-mcp keys rotate' first`);
        removeKey(setup.keysFile, kid);
        io.stdout(json() ? JSON.stringify({ ok: true, removed: kid }) + '\n' : `removed key '${kid}' from ${setup.keysFile}\n`);
        return EXIT.ok;
      }),
    );
}
