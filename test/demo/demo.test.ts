/**
 * The quickstart's main job as a process: `crm-mcp demo --once` starts the sandboxes, seeds the
 * tenant in a fresh encrypted store, serves MCP over HTTP and runs the example agent through
 * both CRMs, from the built dist/ as `.ci/run` does in the fresh clone.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DIST_CLI } from '../helpers/dist.js';

function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST_CLI, 'demo', '--once', '--port', '0', ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('crm-mcp demo --once', () => {
  it('runs search a contact → that contact\'s open deal → next stage → note on HubSpot and Salesforce, and says so in JSON', async () => {
    const r = await demo(['--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { ok: boolean; url: string; results: Array<{ account_id: string; crm: string; protocol: string; steps: Array<{ step: string; ok: boolean; detail: string }> }> };
    expect(summary.ok).toBe(true);
    expect(summary.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(summary.results.map((x) => x.crm)).toEqual(['HubSpot', 'Salesforce']);
    // The agent is a client of the current revision (pinned: no fallback to the 2025 handshake).
    expect(summary.results.map((x) => x.protocol)).toEqual(['2026-07-28', '2026-07-28']);
    for (const res of summary.results) {
      expect(res.steps.map((s) => [s.step, s.ok])).toEqual([
        ['search_contact', true],
        ['find_deal', true],
        ['update_deal_stage', true],
        ['log_note', true],
      ]);
      // Both link deals to contacts (HubSpot associations, Salesforce contact roles); else the contact's company's deal.
      expect(res.steps[1]?.detail).toMatch(/ (linked to \S+ Hopper|of \S+ Hopper's company \w+), at stage /);
    }
    // Each moves an open deal one stage along its CRM's pipeline.
    expect(summary.results.map((x) => x.steps[2]?.detail)).toEqual([
      expect.stringMatching(/^(appointmentscheduled → qualifiedtobuy|qualifiedtobuy → presentationscheduled|presentationscheduled → decisionmakerboughtin|decisionmakerboughtin → contractsent|contractsent → closedwon)$/),
      expect.stringMatching(/^(Prospecting → Qualification|Qualification → Needs Analysis|Needs Analysis → Proposal\/Price Quote|Proposal\/Price Quote → Negotiation\/Review|Negotiation\/Review → Closed Won)$/),
    ]);
    expect(r.stdout).not.toMatch(/bearer/i);
  });

  it('narrates every tool call with its summary and the provider rate-limit figures', async () => {
    const r = await demo([]);
    expect(r.code).toBe(0);
    const calls = r.stdout.split('\n').filter((l) => l.trimStart().startsWith('→ '));
    expect(calls.map((l) => l.trim().split(' ')[1])).toEqual(['search_contacts', 'list_deals', 'update_deal', 'log_note', 'search_contacts', 'list_deals', 'update_deal', 'log_note']);
    expect(calls[0]).toContain('"query":"Hopper"');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('agent on '))).toEqual([
      expect.stringMatching(/^agent on HubSpot \(\S+, MCP 2026-07-28\): /),
      expect.stringMatching(/^agent on Salesforce \(\S+, MCP 2026-07-28\): /),
    ]);
    const limits = r.stdout.split('\n').filter((l) => l.includes('rate limit:'));
    expect(limits).toHaveLength(8);
    // HubSpot's search API sends no rate-limit headers; its CRM object calls and every Salesforce call do.
    expect(limits.slice(0, 4).map((l) => /\d+\/100 remaining, window resets in \d+ s/.test(l))).toEqual([false, true, true, true]);
    expect(limits.slice(4).every((l) => /\d+\/15000 remaining, window resets in \d+ s/.test(l))).toBe(true);
    expect(r.stdout).toContain('demo: all agent steps succeeded');
  });
});
