/**
 * Where definitions and environment overrides come from: `--integrations <dir>` (repeatable),
 * CRM_MCP_INTEGRATIONS_DIR, the config key `integrationsDir` (flags > environment > file), loaded
 * after the shipped ones, a same-named definition replacing the shipped one (logged once);
 * `environments.<env>.overrides.<integration>` checked when the app opens, naming the file and path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { openApp } from '../../src/app/open-app.js';
import { CrmMcpError } from '../../src/core/errors.js';
import { DEFAULT_INTEGRATIONS_DIR } from '../../src/integrations/index.js';
import { configEnvironments, writeConfigFile } from '../helpers/dist.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const KEY = `k1:${Buffer.alloc(32, 3).toString('base64')}`;

function hubspotVariant(displayName: string): string {
  const dir = tmp('defs-');
  const raw = JSON.parse(readFileSync(join(DEFAULT_INTEGRATIONS_DIR, 'hubspot.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'hubspot.json'), JSON.stringify({ ...raw, $schema: undefined, display_name: displayName }));
  return dir;
}

async function opening(config: Record<string, unknown>, extra: { flags?: { integrations?: string[] }; env?: Record<string, string> } = {}) {
  const lines: string[] = [];
  const file = writeConfigFile({ logLevel: 'info', ...config });
  const env = { CRM_MCP_CONFIG: file, CRM_MCP_DATA_DIR: tmp('data-'), CRM_MCP_ENCRYPTION_KEY: KEY, ...extra.env };
  try {
    const app = await openApp({ env, stderr: (l) => lines.push(l), create: true, ...(extra.flags ? { flags: extra.flags } : {}) });
    await app.close();
    return { app, lines, file };
  } catch (e) {
    return { error: e as CrmMcpError, lines, file };
  }
}

describe('definition directories', () => {
  it('flags win over CRM_MCP_INTEGRATIONS_DIR, which wins over integrationsDir (a string or a list, relative to the config file)', () => {
    const cfgDir = tmp('cfg-');
    const file = join(cfgDir, 'config.json');
    writeFileSync(file, JSON.stringify({ integrationsDir: ['defs', '/abs/defs'] }));
    expect(loadConfig({ env: { CRM_MCP_CONFIG: file } }).integrationsDirs).toEqual([join(cfgDir, 'defs'), '/abs/defs']);
    writeFileSync(file, JSON.stringify({ integrationsDir: 'one' }));
    expect(loadConfig({ env: { CRM_MCP_CONFIG: file } }).integrationsDirs).toEqual([join(cfgDir, 'one')]);
    const env = { CRM_MCP_CONFIG: file, CRM_MCP_INTEGRATIONS_DIR: ['/e1', '/e2'].join(delimiter) };
    expect(loadConfig({ env }).integrationsDirs).toEqual(['/e1', '/e2']);
    expect(loadConfig({ env, flags: { integrations: ['/f1', '/f2'] }, cwd: '/w' }).integrationsDirs).toEqual(['/f1', '/f2']);
    expect(loadConfig({ env: {}, flags: { integrations: ['rel'] }, cwd: '/w' }).integrationsDirs).toEqual(['/w/rel']);
    expect(loadConfig({ env: {} }).integrationsDirs).toEqual([]);
  });

  it('a config file with the old keys is refused with where they live now', () => {
    const old = writeConfigFile({ definitionDirs: ['x'] });
    expect(() => loadConfig({ env: { CRM_MCP_CONFIG: old } })).toThrow(/definitionDirs: renamed integrationsDir/);
    const oldEnv = writeConfigFile({ environments: { sandbox: { hubspot: { base_url: 'https://x' } } } });
    expect(() => loadConfig({ env: { CRM_MCP_CONFIG: oldEnv } })).toThrow(/environments\.sandbox\.hubspot: integration overrides live under environments\.sandbox\.overrides\.hubspot/);
  });

  it('a same-named definition from --integrations replaces the shipped one, and the replacement is logged once', async () => {
    const dir = hubspotVariant('HubSpot (ours)');
    const { app, lines } = await opening({}, { flags: { integrations: [dir] } });
    expect(app!.registry.get('hubspot').display_name).toBe('HubSpot (ours)');
    const logged = lines.filter((l) => l.includes('integration definition replaced'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ integration: 'hubspot', file: join(dir, 'hubspot.json'), replaces: join(DEFAULT_INTEGRATIONS_DIR, 'hubspot.json') });
    const viaEnv = await opening({}, { env: { CRM_MCP_INTEGRATIONS_DIR: hubspotVariant('HubSpot (env)') } });
    expect(viaEnv.app!.registry.get('hubspot').display_name).toBe('HubSpot (env)');
  });

  it('a broken definition in an operator directory stops the app with the file and the field', async () => {
    const dir = tmp('defs-');
    const raw = JSON.parse(readFileSync(join(DEFAULT_INTEGRATIONS_DIR, 'salesforce.json'), 'utf8')) as { resources: { deals: { mapping: string } } };
    raw.resources.deals.mapping = "{ 'id': Id ";
    writeFileSync(join(dir, 'mine.json'), JSON.stringify(raw));
    const { error } = await opening({ integrationsDir: dir });
    expect(error).toMatchObject({ code: 'definition_invalid', message: expect.stringContaining(`${join(dir, 'mine.json')}: resources.deals.mapping: JSONata syntax error`) });
  });
});

describe('environment overrides in the config file', () => {
  it('apply to accounts of that environment (the resolved definition)', async () => {
    const { app } = await opening({ environments: configEnvironments({ staging: { hubspot: { vars: { api_version: '2026-09' } } } }) });
    expect(app!.core.definition('hubspot', 'staging').vars.api_version).toBe('2026-09');
    expect(app!.core.definition('hubspot', 'production').vars.api_version).toBe('2026-03');
  });

  it('bad JSONata, a schema error, an unknown integration or a bound-breaking expression is refused when the app opens, naming the file and the path', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ hubspot: { resources: { contacts: { mapping: "{ 'id': id " } } } }, /environments\.staging\.overrides\.hubspot\.resources\.contacts\.mapping: JSONata syntax error/],
      [{ hubspot: { resources: { deals: { list: { method: 'FETCH' } } } } }, /environments\.staging\.overrides\.hubspot\.resources\.deals\.list\.method/],
      [{ hubspots: { base_url: 'https://x' } }, /environments\.staging\.overrides\.hubspots: unknown integration "hubspots"/],
      [{ hubspot: { resources: { contacts: { custom_fields: { x: { expr: '$pad(properties.firstname, 200000000)' } } } } } }, /environments\.staging\.overrides\.hubspot\.resources\.contacts\.custom_fields\.x\.expr: expression exceeded its evaluation bound/],
      [{ hubspot: { resources: { contacts: { mapping: "$replace(id, /(a)\\1/, '')" } } } }, /overrides\.hubspot\.resources\.contacts\.mapping: regular expression .* not supported by the linear-time engine/],
    ];
    for (const [overrides, message] of cases) {
      const { error, file } = await opening({ environments: configEnvironments({ staging: overrides }) });
      expect(error, JSON.stringify(overrides)).toBeInstanceOf(CrmMcpError);
      expect(error!.code).toBe('config_invalid');
      expect(error!.message).toContain(`config file ${file}: `);
      expect(error!.message).toMatch(message);
    }
  });
});
