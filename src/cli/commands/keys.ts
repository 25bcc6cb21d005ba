/**
 * crm-mcp keys: encryption key management.
 *   keys generate [--kid <id>]                 print a new key as `kid:base64` (for CRM_MCP_ENCRYPTION_KEY)
 *   keys rotate [--new-key]                    re-encrypt every account and sealed secret under the current key
 *   keys remove <kid>                          drop an old key from the key file once nothing uses it
 * Rotation is safe while a server runs: each account is rewritten through AccountStore.update.
 * Exit codes: 0 ok, 1 failure (incl. accounts that could not be re-encrypted), 2 usage error.
 */
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type ConfigFlags } from '../../app/config.js';
import { openStore } from '../../app/open-store.js';
import { createAuditTrail } from '../../audit/log.js';
import { cryptoRandom, systemClock } from '../../core/deps.js';
import { CrmMcpError, isCrmMcpError } from '../../core/errors.js';
import { addCurrentKey, removeKey } from '../../crypto/key-file.js';
import { generateKey, KID_PATTERN } from '../../crypto/keyring.js';
import { rotate } from '../../crypto/rotate.js';
import { createSealer } from '../../crypto/sealer.js';
import { createOAuthClientStore } from '../../oauth-clients/store.js';
import { keys as storeKeys } from '../../store/keys.js';
import type { CliIo } from '../io.js';

interface StoreOpts {
  store?: string;
  redisUrl?: string;
  config?: string;
  dataDir?: string;
  keysFile?: string;
  logLevel?: string;
  json?: boolean;
}

const withStoreOptions = (c: Command) =>
  c
    .option('--store <path>', 'embedded store file (default <data-dir>/store.sqlite or CRM_MCP_STORE)')
    .option('--redis-url <url>', 'Redis store URL')
    .option('--config <file>', 'JSON config file')
    .option('--data-dir <dir>', 'data directory (default ./.crm-mcp or CRM_MCP_DATA_DIR)')
    .option('--keys-file <file>', 'key file (default <data-dir>/keys.json or CRM_MCP_KEYS_FILE)')
    .option('--log-level <level>', 'debug | info | warn | error')
    .option('--json', 'machine-readable output on stdout', false);

const flagsOf = (o: StoreOpts): ConfigFlags => ({
  store: o.store,
  redisUrl: o.redisUrl,
  config: o.config,
  dataDir: o.dataDir,
  keysFile: o.keysFile,
  logLevel: o.logLevel,
});

export async function run(argv: string[], io: CliIo): Promise<number> {
  let exit = 0;
  const program = new Command('crm-mcp keys')
    .description('Encryption keys for credentials at rest')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  program
    .command('generate')
    .description('print a new random 32-byte key as kid:base64 (use as CRM_MCP_ENCRYPTION_KEY)')
    .addOption(new Option('--kid <id>', 'key id (letters, digits, _ and -)'))
    .option('--json', 'machine-readable output', false)
    .action((o: { kid?: string; json?: boolean }) => {
      if (o.kid !== undefined && !KID_PATTERN.test(o.kid)) throw new CrmMcpError('invalid_input', 'key id may contain only letters, digits, _ and - (max 64)');
      const k = generateKey(o.kid);
      io.stdout(o.json ? JSON.stringify({ ok: true, kid: k.kid, key: k.material }) + '\n' : `${k.kid}:${k.material}\n`);
    });

  withStoreOptions(
    program
      .command('rotate')
      .description('re-encrypt every account under the current key (safe while a server runs)')
      .option('--new-key', 'first add a fresh key to the key file and make it current (key-file setups only)', false),
  ).action(async (o: StoreOpts & { newKey?: boolean }) => {
    const config = loadConfig({ env: io.env, flags: flagsOf(o) });
    if (o.newKey) {
      const { current, list } = config.envKeys();
      if (current || list) {
        throw new CrmMcpError('invalid_input', '--new-key edits the key file, but keys come from CRM_MCP_ENCRYPTION_KEY(S); set the new key there instead');
      }
      const kid = addCurrentKey(config.keysFile, new Date());
      if (!o.json) io.stderr(`crm-mcp keys: added key '${kid}' to ${config.keysFile} as the current key\n`);
    }
    const opened = await openStore(config, { notice: (l) => io.stderr(l + '\n') });
    try {
      const trail = createAuditTrail({ kv: opened.kv, clock: systemClock, random: cryptoRandom });
      const sealed = [createOAuthClientStore({ kv: opened.kv, sealer: createSealer(opened.keyring) })];
      const r = await rotate({ kv: opened.kv, accounts: opened.accounts, codec: opened.codec, keyring: opened.keyring, sealed, audit: { trail, actor: 'cli' } });
      const ok = r.failed.length === 0 && r.sealed.failed.length === 0;
      if (o.json) io.stdout(JSON.stringify({ ok, ...r }) + '\n');
      else {
        io.stdout(`rotated ${r.rotated}, already current ${r.unchanged}, failed ${r.failed.length} of ${r.total} accounts (current key '${r.kid}')\n`);
        if (r.sealed.total > 0) io.stdout(`re-sealed ${r.sealed.resealed}, already current ${r.sealed.unchanged}, failed ${r.sealed.failed.length} of ${r.sealed.total} sealed secrets\n`);
        for (const f of r.failed) io.stderr(`crm-mcp keys: account '${f.id}' skipped: ${f.code}\n`);
        for (const f of r.sealed.failed) io.stderr(`crm-mcp keys: sealed secret '${f.key}' skipped: ${f.code}\n`);
      }
      if (!ok) exit = 1;
    } finally {
      await opened.close();
    }
  });

  withStoreOptions(
    program.command('remove').description('remove an old key from the key file, refused while any account still uses it').argument('<kid>', 'key id to remove'),
  ).action(async (kid: string, o: StoreOpts) => {
    const config = loadConfig({ env: io.env, flags: flagsOf(o) });
    const opened = await openStore(config, { notice: (l) => io.stderr(l + '\n') });
    try {
      if (!opened.keyring.get(kid)) throw new CrmMcpError('invalid_input', `key '${kid}' is not in the keyring`);
      const users: string[] = [];
      for await (const [key, raw] of opened.kv.scan(storeKeys.accountPrefix)) {
        const id = storeKeys.idFromAccountKey(key);
        try {
          if (opened.codec.keyIdsOf(id, raw).has(kid)) users.push(id);
        } catch {
          users.push(id);
        }
      }
      if (users.length > 0) {
        throw new CrmMcpError('invalid_input', `key '${kid}' is still used by ${users.length} account(s) (e.g. '${users[0]}'); run 'crm-mcp keys rotate' first`);
      }
    } finally {
      await opened.close();
    }
    removeKey(config.keysFile, kid);
    io.stdout(o.json ? JSON.stringify({ ok: true, removed: kid }) + '\n' : `removed key '${kid}' from ${config.keysFile}\n`);
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const usage = isCrmMcpError(err, 'invalid_input') || isCrmMcpError(err, 'config_invalid');
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr(`crm-mcp keys: ${msg.replace(/[\r\n]+/g, ' ')}\n`);
    if (argv.includes('--json')) io.stdout(JSON.stringify({ ok: false, error: { code: isCrmMcpError(err) ? err.code : 'error', message: msg } }) + '\n');
    return usage ? 2 : 1;
  }
}
