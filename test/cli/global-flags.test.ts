/**
 * The global flags over the real openers (src/cli/open.ts → openApp) on temp data dirs: each
 * command reads the store, key file and config the flags name, and the exit-code table holds
 * over a real encrypted SQLite store.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from './helpers/operator-runtime.js';

let a: string;
let b: string;

async function run(...argv: string[]) {
  const io = captureIo({ stdin: Readable.from([]) });
  const code = await runCli(argv, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText(), json: () => JSON.parse(io.stdoutText()) as Record<string, unknown> };
}

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'crm-cli-flags-'));
  a = join(root, 'a');
  b = join(root, 'b');
  const file = join(root, 'in.ndjson');
  await writeFile(file, JSON.stringify({ id: 'real-1', integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'at-1', refresh_token: 'rt-1', expires_at: '2099-01-01T00:30:00Z' } } } }) + '\n');
  const imp = await run('accounts', 'import', file, '--data-dir', a);
  expect(imp.code, imp.stderr).toBe(0);
  expect((await run('--data-dir', b, 'init')).code).toBe(0);
  expect((await run('--data-dir', b, 'status')).code).toBe(0);
});

describe('global flags over the real store', () => {
  it('--data-dir, --store with --keys-file, and --config pick the store, before or after the command', async () => {
    const ids = async (...argv: string[]) => {
      const r = await run(...argv, '--json');
      expect(r.code, r.stderr).toBe(0);
      return (r.json().accounts as Array<{ id: string }>).map((x) => x.id);
    };
    expect(await ids('accounts', 'list', '--data-dir', a)).toEqual(['real-1']);
    expect(await ids('--data-dir', a, 'accounts', 'list')).toEqual(['real-1']);
    expect(await ids('accounts', 'list', '--data-dir', b)).toEqual([]);
    expect(await ids('accounts', 'list', '--store', join(a, 'store.sqlite'), '--keys-file', join(a, 'keys.json'))).toEqual(['real-1']);
    const config = join(b, 'config.json');
    await writeFile(config, JSON.stringify({ dataDir: a }));
    expect(await ids('accounts', 'list', '--config', config)).toEqual(['real-1']);
  });

  it('--keys-file is the key the store is read with: another key leaves the account unreadable (exit 1)', async () => {
    const r = await run('accounts', 'list', '--store', join(a, 'store.sqlite'), '--keys-file', join(b, 'keys.json'), '--json');
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ accounts: [], corrupt: ['real-1'] });
  });

  it('status, audit, tokens and keys accept the flags and read the same store', async () => {
    const st = await run('status', '--keys-file', join(a, 'keys.json'), '--data-dir', a, '--json');
    expect(st.code, st.stderr).toBe(0);
    expect(st.json()).toMatchObject({ total: 1 });
    const audit = await run('audit', '--data-dir', a, '--operation', 'import_account', '--json');
    expect(audit.json().entries).toEqual([expect.objectContaining({ account_id: 'real-1' })]);
    expect((await run('tokens', 'create', '--tenant', 't', '--account', 'real-1', '--data-dir', a, '--log-level', 'error', '--json')).code).toBe(0);
    expect((await run('tokens', 'list', '--data-dir', a, '--json')).json()).toEqual([expect.objectContaining({ account_id: 'real-1', state: 'active' })]);
    const rotated = await run('keys', 'rotate', '--new-key', '--data-dir', a, '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.json()).toMatchObject({ ok: true, total: 1, rotated: 1 });
    expect(await run('accounts', 'show', 'real-1', '--data-dir', a)).toMatchObject({ code: 0 });
  });

  it('unknown account → 3, bad values → 2, over the real store', async () => {
    for (const argv of [
      ['accounts', 'show', 'nope'],
      ['accounts', 'refresh', 'nope'],
      ['accounts', 'delete', 'nope'],
      ['stdio', '--account', 'nope'],
      ['serve', '--no-auth', '--account', 'nope', '--port', '0'],
      ['tokens', 'create', '--tenant', 't', '--account', 'nope'],
    ]) {
      const r = await run(...argv, '--data-dir', a);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
    }
    for (const argv of [
      ['status', '--log-level', 'loud'],
      ['status', '--store', join(a, 'store.sqlite'), '--redis-url', 'redis://127.0.0.1:1'],
      ['status', '--redis-url', 'http://127.0.0.1:1'],
      ['status', '--config', join(b, 'missing.json')],
    ]) {
      const r = await run(...argv, '--data-dir', a);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});
