/**
 * Golden tests: raw provider responses (test/fixtures/golden/<integration>/<case>.input.json)
 * are replayed over loopback HTTP to the real engine; the requests it sent and the unified
 * result must equal <case>.expected.json. UPDATE_GOLDEN=1 rewrites the expected files (review
 * the diff before committing).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineRequest } from '../../src/engine/types.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { UNIFIED_RESOURCES } from '../../src/unified/models.js';
import { account, FIXED_NOW, silentLogger, staticTokens } from '../engine/helpers/accounts.js';
import { manualClock } from '../helpers/manual-clock.js';
import { startReplayServer, type ReplayResponse, type ReplayServer } from '../engine/helpers/replay.js';

const ROOT = new URL('../fixtures/golden/', import.meta.url).pathname;
const registry = loadRegistry();
let server: ReplayServer;
const dispatcher = new Agent();

beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(async () => {
  await server.close();
  await dispatcher.close();
});

interface GoldenInput {
  request: Omit<EngineRequest, 'account'>;
  responses: ReplayResponse[];
}

/** The pagination state a sealed cursor (`c1.<kid>.<payload>.<mac>`, src/engine/cursor.ts) carries, in the fixtures' shape. */
function cursorState(cursor: string): Record<string, unknown> {
  const p = JSON.parse(Buffer.from(cursor.split('.')[2] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { v: 1, i: p.i, r: p.r, m: p.m, ...(p.s !== undefined ? { s: p.s } : {}), ...(p.k !== undefined ? { k: p.k } : {}) };
}

function engineFor(integration: string) {
  const acct =
    integration === 'salesforce'
      ? account('salesforce', { context: { oauth: { token: { access_token: 'at-static-0001' } }, instance_url: server.url } })
      : account(integration);
  const tokens = staticTokens([acct]);
  const engine = createEngine({
    registry,
    tokens,
    deps: { clock: manualClock(FIXED_NOW), logger: silentLogger(), dispatcher },
    envOverrides: { test: { hubspot: { base_url: server.url } } },
    insecureHosts: [server.host],
  });
  return { engine, acct };
}

for (const integration of ['hubspot', 'salesforce']) {
  describe(`golden: ${integration}`, () => {
    const cases = readdirSync(join(ROOT, integration)).filter((f) => f.endsWith('.input.json')).sort();

    it('covers every resource and method the definition declares', () => {
      const def = registry.get(integration);
      const declared = UNIFIED_RESOURCES.flatMap((r) =>
        (['list', 'get', 'create', 'update', 'search'] as const).filter((m) => def.resources[r]?.[m]).map((m) => `${r}.${m}`),
      );
      const covered = new Set(cases.map((c) => c.split('.').slice(0, 2).join('.').replace(/-.*$/, '')));
      expect(declared.filter((d) => !covered.has(d))).toEqual([]);
    });

    for (const file of cases) {
      it(file.replace('.input.json', ''), async () => {
        const input = JSON.parse(readFileSync(join(ROOT, integration, file), 'utf8')) as GoldenInput;
        const { engine, acct } = engineFor(integration);
        server.requests.length = 0;
        server.queue(...input.responses);
        const result = await engine.execute({ ...input.request, account: acct } as EngineRequest);
        const cursor = result.ok && result.next_cursor ? cursorState(result.next_cursor) : null;
        const actual = {
          requests: server.requests.map((r) => ({
            method: r.method,
            path: r.path,
            query: r.query,
            ...(r.body !== undefined ? { body: r.body } : {}),
            authorization: r.headers.authorization,
          })),
          result: { ...result, next_cursor: cursor },
        };
        const expectedPath = join(ROOT, integration, file.replace('.input.json', '.expected.json'));
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
        expect(actual).toEqual(JSON.parse(readFileSync(expectedPath, 'utf8')));
        expect(result.ok).toBe(true);
      });
    }
  });
}
