/**
 * Regressions for stores and keys created by accident (the report): with the key file missing any
 * command — even `accounts list` — generated a new key beside data sealed under another;
 * `accounts list --store /nonexistent/dir/store.sqlite` exited 0 "no accounts" after creating that
 * path and a key in ./.crm-mcp; `status` then said `accounts: 0`, exit 0, while the accounts
 * existed but could not be read. Now only `crm-mcp init` and the commands that write accounts
 * create a store or a key, never beside sealed data; status exits 1 naming how many are unreadable.
 * The built binary as a process, in temp directories.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArgs } from '../helpers/dist.js';

const KEY_A = `ka:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_B = `kb:${Buffer.alloc(32, 2).toString('base64')}`;
const RECORD = JSON.stringify({ id: 'k-1', integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'at-SECRET-1', refresh_token: 'rt-SECRET-1', expires_at: '2099-01-01T00:00:00Z' } } } });

/** Runs the binary in `cwd` with only the given CRM_MCP_* settings (none inherited), under umask 022. */
function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CRM_MCP_')));
  const r = spawnSync('/bin/sh', ['-c', 'umask 022; exec "$0" "$@"', process.execPath, ...cliArgs(...args)], { cwd, encoding: 'utf8', env: { ...clean, ...env, NO_COLOR: '1' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fresh = () => mkdtempSync(join(tmpdir(), 'crm-keys-'));
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('nothing is created by a read', () => {
  it('accounts list on a store path that does not exist: exit 1 "no store at …"; neither the path nor ./.crm-mcp nor a key appears', () => {
    const cwd = fresh();
    const store = join(cwd, 'nonexistent', 'dir', 'store.sqlite');
    const r = cli(cwd, ['accounts', 'list', '--store', store]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain(`no store at ${store}`);
    expect(r.stdout).not.toContain('no accounts');
    expect(existsSync(join(cwd, 'nonexistent'))).toBe(false);
    expect(existsSync(join(cwd, '.crm-mcp'))).toBe(false);
    for (const cmd of [['status'], ['audit'], ['tokens', 'list'], ['links', 'create', '--tenant', 't', '--integration', 'hubspot', '--base-url', 'https://x.example']]) {
      expect(cli(cwd, cmd).code, cmd.join(' ')).toBe(1);
    }
    expect(existsSync(join(cwd, '.crm-mcp'))).toBe(false);
  });

  it('a store holding sealed accounts whose key file went missing: reads and writes refuse (exit 1) naming the key file and variables; no key is generated', () => {
    const cwd = fresh();
    const file = join(cwd, 'in.ndjson');
    writeFileSync(file, RECORD + '\n');
    expect(cli(cwd, ['accounts', 'import', file]).code).toBe(0);
    const keys = join(cwd, '.crm-mcp', 'keys.json');
    expect(existsSync(keys)).toBe(true);
    rmSync(keys);
    for (const args of [['accounts', 'list'], ['status'], ['accounts', 'import', file], ['init'], ['accounts', 'create', '--tenant', 't', '--integration', 'hubspot', '--auth-method', 'api_key', '--api-key-env', 'K']]) {
      const r = cli(cwd, args, { K: 'x' });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr, args.join(' ')).toContain('holds encrypted credentials but no encryption key was found');
      expect(r.stderr).toContain(keys);
      expect(r.stderr).toContain('CRM_MCP_ENCRYPTION_KEY');
      expect(existsSync(keys), `${args.join(' ')} generated a key`).toBe(false);
    }
  });

  it('status exits 1 when accounts exist but cannot be read (another key), saying how many', () => {
    const cwd = fresh();
    const file = join(cwd, 'in.ndjson');
    writeFileSync(file, RECORD + '\n' + RECORD.replace('k-1', 'k-2') + '\n');
    expect(cli(cwd, ['accounts', 'import', file], { CRM_MCP_ENCRYPTION_KEY: KEY_A }).code).toBe(0);
    const ok = cli(cwd, ['status', '--json'], { CRM_MCP_ENCRYPTION_KEY: KEY_A });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ total: 2, unreadable: 0 });
    const wrong = cli(cwd, ['status', '--json'], { CRM_MCP_ENCRYPTION_KEY: KEY_B });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ total: 0, unreadable: 2 });
    expect(wrong.stderr).toMatch(/2 account\(s\) cannot be read \(crypto_unknown_key\)/);
    const text = cli(cwd, ['status'], { CRM_MCP_ENCRYPTION_KEY: KEY_B });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^accounts: 0; 2 more cannot be read/);
  });
});

describe('init and the account writes create what is missing', () => {
  it('init creates the store and the key (files 0600 in a 0700 directory, under umask 022); a second init changes nothing', () => {
    const cwd = fresh();
    const r = cli(cwd, ['init', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(cwd, '.crm-mcp');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, store: { kind: 'sqlite', path: join(dir, 'store.sqlite'), created: true }, key: { source: 'file', created: true }, accounts: 0 });
    expect([mode(dir), mode(join(dir, 'store.sqlite')), mode(join(dir, 'keys.json'))]).toEqual(['700', '600', '600']);
    const key = readFileSync(join(dir, 'keys.json'), 'utf8');
    const again = cli(cwd, ['init', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ store: { created: false }, key: { created: false } });
    expect(readFileSync(join(dir, 'keys.json'), 'utf8')).toBe(key);
    expect(cli(cwd, ['accounts', 'list']).stdout).toContain('no accounts');
  });

  it('with keys in the environment init creates only the store; accounts import on a fresh directory creates both', () => {
    const a = fresh();
    const r = cli(a, ['init', '--json'], { CRM_MCP_ENCRYPTION_KEY: KEY_A });
    expect(JSON.parse(r.stdout)).toMatchObject({ store: { created: true }, key: { source: 'env', created: false } });
    expect(existsSync(join(a, '.crm-mcp', 'keys.json'))).toBe(false);
    const b = fresh();
    writeFileSync(join(b, 'in.ndjson'), RECORD + '\n');
    const imp = cli(b, ['accounts', 'import', join(b, 'in.ndjson')]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toContain('generated an encryption key');
    expect([mode(join(b, '.crm-mcp')), mode(join(b, '.crm-mcp', 'store.sqlite')), mode(join(b, '.crm-mcp', 'keys.json'))]).toEqual(['700', '600', '600']);
  });
});
