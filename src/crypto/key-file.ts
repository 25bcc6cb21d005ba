/**
 * The embedded default's key file `<dataDir>/keys.json` (mode 0600):
 *   { "version": 1, "current": "<kid>", "keys": [{ "kid", "key": "<base64>", "created_at" }] }
 * Created once, atomically (exclusive create), when no key is configured; the caller says so
 * on stderr exactly then. Key material never leaves this module except inside a Keyring.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CrmMcpError } from '../core/errors.js';
import { createKeyring, generateKey, KID_PATTERN, parseKeyMaterial, type KeyEntry, type Keyring } from './keyring.js';

const KeyFileSchema = z.object({
  version: z.literal(1),
  current: z.string().regex(KID_PATTERN),
  keys: z.array(z.object({ kid: z.string().regex(KID_PATTERN), key: z.string(), created_at: z.string().optional() })).min(1),
});
export type KeyFile = z.infer<typeof KeyFileSchema>;

export function readKeyFile(path: string): KeyFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CrmMcpError('config_invalid', `cannot read key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CrmMcpError('crypto_bad_key', `key file ${path} is not valid JSON`, { cause });
  }
  const parsed = KeyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrmMcpError('crypto_bad_key', `key file ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function keyringFromFile(path: string, file: KeyFile): Keyring {
  const entries: KeyEntry[] = file.keys.map((k) => ({ kid: k.kid, key: parseKeyMaterial(k.key, `key '${k.kid}' in ${path}`) }));
  const current = entries.find((e) => e.kid === file.current);
  if (!current) throw new CrmMcpError('crypto_bad_key', `key file ${path}: current key '${file.current}' is not among its keys`);
  return createKeyring(current, entries.filter((e) => e !== current));
}

function serialize(file: KeyFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}

/** Creates the key file with one fresh key unless it exists. Returns whether this call created it. */
export function createKeyFileIfAbsent(path: string, now: Date): { created: boolean; file: KeyFile } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const k = generateKey();
  const file: KeyFile = { version: 1, current: k.kid, keys: [{ kid: k.kid, key: k.material, created_at: now.toISOString() }] };
  try {
    writeFileSync(path, serialize(file), { flag: 'wx', mode: 0o600 });
    chmodSync(path, 0o600);
    return { created: true, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new CrmMcpError('config_invalid', `cannot create key file ${path}: ${(err as Error).message}`, { cause: err });
    }
    const existing = readKeyFile(path);
    if (!existing) throw new CrmMcpError('config_invalid', `key file ${path} vanished while being created`);
    return { created: false, file: existing };
  }
}

/** Rewrites the key file atomically (temp file + rename), keeping mode 0600. */
export function writeKeyFile(path: string, file: KeyFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, serialize(file), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Adds a fresh key and makes it current; old keys stay for decryption. Returns the new kid. */
export function addCurrentKey(path: string, now: Date): string {
  const file = readKeyFile(path);
  if (!file) throw new CrmMcpError('config_invalid', `no key file at ${path}`);
  const k = generateKey();
  writeKeyFile(path, { ...file, current: k.kid, keys: [...file.keys, { kid: k.kid, key: k.material, created_at: now.toISOString() }] });
  return k.kid;
}

/** Removes a non-current key (after a rotation moved everything off it). */
export function removeKey(path: string, kid: string): void {
  const file = readKeyFile(path);
  if (!file) throw new CrmMcpError('config_invalid', `no key file at ${path}`);
  if (file.current === kid) throw new CrmMcpError('invalid_input', `key '${kid}' is the current key and cannot be removed`);
  if (!file.keys.some((k) => k.kid === kid)) throw new CrmMcpError('invalid_input', `key '${kid}' is not in ${path}`);
  writeKeyFile(path, { ...file, keys: file.keys.filter((k) => k.kid !== kid) });
}
