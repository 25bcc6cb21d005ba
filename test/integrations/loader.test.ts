import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrmMcpError } from '../../src/core/errors.js';
import {
  DEFAULT_INTEGRATIONS_DIR,
  DefinitionSchema,
  classifyTokenErrorBody,
  connectSpec,
  loadDefinitionDirs,
  loadDefinitionFile,
  loadRegistry,
  parseDefinition,
  tokenEndpointSpec,
} from '../../src/integrations/index.js';

const FIX = new URL('../fixtures/integrations/', import.meta.url).pathname;

function loadError(fn: () => unknown): CrmMcpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CrmMcpError) return e;
    throw e;
  }
  throw new Error('expected a load error');
}

describe('definition loader', () => {
  it('loads every file in integrations/ against the schema', () => {
    const files = readdirSync(DEFAULT_INTEGRATIONS_DIR).filter((f) => f.endsWith('.json') && f !== 'schema.json');
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const def = loadDefinitionFile(join(DEFAULT_INTEGRATIONS_DIR, f));
      expect(DefinitionSchema.safeParse(def).success).toBe(true);
    }
    expect(loadRegistry().list().map((d) => d.name).sort()).toEqual(expect.arrayContaining(['hubspot', 'salesforce']));
  });

  it('a schema error names the file and the field path', () => {
    const file = join(FIX, 'broken-schema/bad-method.json');
    const e = loadError(() => loadDefinitionFile(file));
    expect(e.code).toBe('definition_invalid');
    expect(e.message).toContain(file);
    expect(e.message).toContain('resources.contacts.list.method');
    expect(e.details).toMatchObject({ file, field: 'resources.contacts.list.method' });
  });

  it('a JSONata syntax error names the file and the expression field', () => {
    const e = loadError(() => loadDefinitionDirs([join(FIX, 'broken-jsonata')]));
    expect(e.code).toBe('definition_invalid');
    expect(e.message).toContain('bad-mapping.json');
    expect(e.message).toContain('resources.deals.mapping');
    expect(e.message).toMatch(/JSONata syntax error/);
  });

  it('rejects non-JSON files and two files of one directory defining the same name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'defs-'));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    expect(loadError(() => loadDefinitionDirs([dir])).message).toMatch(/broken\.json: not valid JSON/);
    const twin = mkdtempSync(join(tmpdir(), 'defs-'));
    const hs = readFileSync(join(DEFAULT_INTEGRATIONS_DIR, 'hubspot.json'), 'utf8').replace('"./schema.json"', '"x"');
    writeFileSync(join(twin, 'a.json'), hs);
    writeFileSync(join(twin, 'b.json'), hs);
    expect(loadError(() => loadDefinitionDirs([twin])).message).toMatch(/b\.json: name: integration "hubspot" already defined in .*a\.json/);
  });

  it('a later directory replaces a same-named shipped definition, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'defs-'));
    const mine = JSON.parse(readFileSync(join(DEFAULT_INTEGRATIONS_DIR, 'hubspot.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'my-hubspot.json'), JSON.stringify({ ...mine, display_name: 'HubSpot (ours)' }));
    const reg = loadRegistry({ extraDirs: [dir] });
    expect(reg.get('hubspot').display_name).toBe('HubSpot (ours)');
    expect(reg.get('salesforce').display_name).toBe('Salesforce');
    expect(reg.source('hubspot')).toBe(join(dir, 'my-hubspot.json'));
    expect(reg.replaced()).toEqual([{ name: 'hubspot', file: join(dir, 'my-hubspot.json'), replaces: join(DEFAULT_INTEGRATIONS_DIR, 'hubspot.json') }]);
    expect(loadRegistry().replaced()).toEqual([]);
  });

  it('checks what the schema cannot: function names and bodies, alternate auth types, regexes the linear-time engine cannot run', () => {
    const base = JSON.parse(readFileSync(join(FIX, 'tinycrm.json'), 'utf8')) as Record<string, unknown>;
    const fail = (patch: Record<string, unknown>) => loadError(() => parseDefinition({ ...base, ...patch }, 'x.json')).message;
    expect(fail({ functions: { input: 'function($x){ $x }' } })).toMatch(/x\.json: functions\.input: "\$input" is bound by the engine/);
    expect(fail({ functions: { string: 'function($x){ $x }' } })).toMatch(/functions\.string: "\$string" is a JSONata built-in/);
    expect(fail({ functions: { twice: '$x * 2' } })).toMatch(/functions\.twice: must be a function/);
    expect(fail({ functions: { twice: 'function($x){ $x * }' } })).toMatch(/functions\.twice: JSONata syntax error/);
    expect(fail({ alternate_auth: [{ type: 'api_key', in: 'header', name: 'x' }] })).toMatch(/alternate_auth\.0\.type: api_key is already an authentication method/);
    const people = (base.resources as Record<string, Record<string, unknown>>).contacts!;
    expect(fail({ resources: { contacts: { ...people, mapping: "{'id': $string(id), 'first_name': $replace(name.first, /(a)\\1/, 'b')}" } } })).toMatch(
      /resources\.contacts\.mapping: regular expression \/\(a\)\\1\/ is not supported by the linear-time engine/,
    );
  });

  it('unknown integration is a typed error', () => {
    const e = loadError(() => loadRegistry().get('nope'));
    expect(e.code).toBe('integration_unknown');
  });
});

describe('definition accessors for the token manager and connect flow', () => {
  const reg = loadRegistry();

  it('salesforce: token URL, client auth, introspection expiry, instance_url capture with host patterns, PKCE', () => {
    const sf = reg.get('salesforce');
    expect(tokenEndpointSpec(sf)).toMatchObject({
      tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
      clientAuth: 'client_secret_post',
      expiry: 'introspection',
      revokeUrl: 'https://login.salesforce.com/services/oauth2/revoke',
      introspectUrl: 'https://login.salesforce.com/services/oauth2/introspect',
    });
    const c = connectSpec(sf);
    expect(c.pkce).toBe(true);
    expect(c.contextCapture).toEqual([{ from: 'instance_url', hostPatterns: ['*.my.salesforce.com', '*.salesforce.com'], required: true }]);
  });

  it('classification hints: HubSpot invalid_grant / BAD_REFRESH_TOKEN, Salesforce invalid_grant, Zoho-style 200 invalid_code', () => {
    const hs = tokenEndpointSpec(reg.get('hubspot')).errorHints;
    expect(classifyTokenErrorBody(hs, 400, { error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' })).toBe('revoked');
    expect(classifyTokenErrorBody(hs, 400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' })).toBe('revoked');
    expect(classifyTokenErrorBody(hs, 400, { error: 'invalid_client' })).toBe('misconfigured');
    expect(classifyTokenErrorBody(hs, 502, 'gateway')).toBe('unknown');
    const sf = tokenEndpointSpec(reg.get('salesforce')).errorHints;
    expect(classifyTokenErrorBody(sf, 400, { error: 'invalid_grant', error_description: 'expired access/refresh token' })).toBe('revoked');
    const zoho = { revoked: [{ status: [200], error: ['invalid_code'] }], misconfigured: [] };
    expect(classifyTokenErrorBody(zoho, 200, { error: 'invalid_code' })).toBe('revoked');
    expect(classifyTokenErrorBody(zoho, 200, { access_token: 'x' })).toBe('unknown');
  });
});
