import { readdirSync } from 'node:fs';
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

  it('rejects non-JSON files and duplicate names loudly', () => {
    expect(() => loadDefinitionDirs([DEFAULT_INTEGRATIONS_DIR, DEFAULT_INTEGRATIONS_DIR])).toThrow(/already defined/);
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
