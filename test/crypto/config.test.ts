import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { findKeyring, generateKeyring } from '../../src/crypto/load-keyring.js';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-mcp-cfg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults under ./.crm-mcp of the working directory', () => {
    const c = loadConfig({ env: {}, cwd: dir });
    expect(c.dataDir).toBe(join(dir, '.crm-mcp'));
    expect(c.store).toEqual({ kind: 'sqlite', path: join(dir, '.crm-mcp', 'store.sqlite') });
    expect(c.keysFile).toBe(join(dir, '.crm-mcp', 'keys.json'));
    expect(c.logLevel).toBe('info');
  });

  it('flags beat env beat config file; redis URLs select Redis', () => {
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ store: 'file.sqlite', logLevel: 'debug', redisPrefix: 'p:' }));
    const env = { CRM_MCP_CONFIG: join(dir, 'c.json') };
    expect(loadConfig({ env, cwd: dir }).store).toEqual({ kind: 'sqlite', path: join(dir, 'file.sqlite') });
    expect(loadConfig({ env, cwd: dir }).logLevel).toBe('debug');
    expect(loadConfig({ env: { ...env, CRM_MCP_STORE: 'redis://h:6379' }, cwd: dir }).store).toEqual({ kind: 'redis', url: 'redis://h:6379', prefix: 'p:' });
    expect(loadConfig({ env: { ...env, CRM_MCP_STORE: 'redis://h:6379' }, flags: { store: 'x.sqlite' }, cwd: dir }).store.kind).toBe('sqlite');
    expect(loadConfig({ env, flags: { redisUrl: 'rediss://r:1', logLevel: 'warn' }, cwd: dir })).toMatchObject({ store: { kind: 'redis' }, logLevel: 'warn' });
  });

  it('bad input is a clear config_invalid', () => {
    expect(() => loadConfig({ env: { CRM_MCP_LOG_LEVEL: 'loud' } })).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('logLevel') }));
    expect(() => loadConfig({ flags: { store: 'a', redisUrl: 'redis://b' } })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ unknownThing: 1 }));
    expect(() => loadConfig({ flags: { config: join(dir, 'bad.json') } })).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('bad.json') }));
  });

  it('audit retention: defaults 90 days / 100,000 entries, the config file and CRM_MCP_AUDIT_* override them', () => {
    expect(loadConfig({ env: {}, cwd: dir }).auditRetention).toEqual({ maxAgeMs: 90 * 86_400_000, maxEntries: 100_000 });
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ auditRetention: { maxAgeDays: 7, maxEntries: 500 } }));
    expect(loadConfig({ env: { CRM_MCP_CONFIG: join(dir, 'r.json') }, cwd: dir }).auditRetention).toEqual({ maxAgeMs: 7 * 86_400_000, maxEntries: 500 });
    expect(loadConfig({ env: { CRM_MCP_CONFIG: join(dir, 'r.json'), CRM_MCP_AUDIT_MAX_ENTRIES: '20' }, cwd: dir }).auditRetention.maxEntries).toBe(20);
    expect(() => loadConfig({ env: { CRM_MCP_AUDIT_MAX_AGE_DAYS: '-1' } })).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('CRM_MCP_AUDIT_MAX_AGE_DAYS') }));
  });

  it('key material from env never shows when the config is printed', () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    const c = loadConfig({ env: { CRM_MCP_ENCRYPTION_KEY: `main:${key}`, CRM_MCP_ENCRYPTION_KEYS: `old:${key.replace('J', 'K')}` } });
    expect(JSON.stringify(c)).not.toContain(key);
    const { keyring, source } = findKeyring(c)!;
    expect(source).toBe('env');
    expect(keyring.current.kid).toBe('main');
    expect(keyring.kids).toEqual(['main', 'old']);
  });

  it('a bad env key is crypto_bad_key naming the variable, not the value', () => {
    const c = loadConfig({ env: { CRM_MCP_ENCRYPTION_KEY: 'c2hvcnQ=' } });
    expect(() => findKeyring(c)).toThrow(
      expect.objectContaining({ code: 'crypto_bad_key', message: expect.stringContaining('CRM_MCP_ENCRYPTION_KEY') }),
    );
  });

  it('a corrupt key file is a clear error, never overwritten', () => {
    writeFileSync(join(dir, 'keys.json'), '{"version":1');
    const c = loadConfig({ env: { CRM_MCP_DATA_DIR: dir } });
    expect(() => findKeyring(c)).toThrow(expect.objectContaining({ code: 'crypto_bad_key', message: expect.stringContaining('keys.json') }));
    expect(() => generateKeyring(c, { now: new Date(), notice: () => {} })).toThrow(
      expect.objectContaining({ code: 'crypto_bad_key', message: expect.stringContaining('keys.json') }),
    );
  });
});
