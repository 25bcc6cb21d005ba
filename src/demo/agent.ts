/**
 * The demo's example agent: a plain MCP client (the SDK's v2 `Client`, pinned to protocol
 * 2026-07-28 by its caller) that does what an LLM agent would — search for a contact by name, find
 * that contact's open deal, move the deal to the next stage of its pipeline, log a note on the deal —
 * printing every tool call, the server's text summary, the provider's rate-limit figures from
 * `_meta`, and the server's `info`-and-above log notices for the call (asked for per request with
 * the 2026-07-28 `logLevel` envelope key; a server sends none without it).
 * "That contact's deal" is a deal linked to the contact when the CRM links deals to contacts
 * (HubSpot), else a deal of the contact's company (Salesforce opportunities belong to accounts).
 * Beyond the tools, it knows only each CRM's stage names, in pipeline order — the ones the
 * sandboxes accept, which are also the real CRMs' defaults.
 */
import { LOG_LEVEL_META_KEY, type CallToolResult, type Client } from '@modelcontextprotocol/client';
import { DEAL_STAGES, OPPORTUNITY_STAGES } from '../sandbox/index.js';

/** A result's structuredContent, as a record (the SDK types it as an opaque object). */
const structured = (r: CallToolResult): Record<string, unknown> => (r.structuredContent ?? {}) as Record<string, unknown>;


export interface AgentStep {
  step: 'search_contact' | 'find_deal' | 'update_deal_stage' | 'log_note';
  ok: boolean;
  detail: string;
}

interface Contact { id: string; first_name?: string | null; last_name?: string | null; company_id?: string | null }
interface Deal { id: string; name?: string | null; stage?: string | null; company_id?: string | null; contact_ids?: string[] }

/** Each CRM's deal stages in pipeline order (by the server's display name); the last two close a deal. */
const PIPELINES: Record<string, readonly string[]> = { HubSpot: DEAL_STAGES, Salesforce: OPPORTUNITY_STAGES };
/** Who the agent looks for: a name, as a user would ask for it. */
export const DEFAULT_QUERY = 'Hopper';
const DEAL_PAGES = 5;
/** What the agent does, as the demo announces it. */
export const AGENT_PLAN = `search contacts for "${DEFAULT_QUERY}" → that contact's open deal → move it to the next stage → log a note on the deal`;
export const AGENT_STEPS = 4;
/** The protocol revision the demo's client speaks. */
export const AGENT_PROTOCOL = '2026-07-28';

export async function runDemoAgent(client: Client, crmName: string, print: (line: string) => void, query = DEFAULT_QUERY): Promise<AgentStep[]> {
  const steps: AgentStep[] = [];
  client.setNotificationHandler('notifications/message', (n) => print(`    log ${n.params.level}: ${JSON.stringify(n.params.data)}`));
  const call = async (name: string, args: Record<string, unknown>) => {
    print(`  → ${name} ${JSON.stringify(args)}`);
    const res = (await client.callTool({ name, arguments: args, _meta: { [LOG_LEVEL_META_KEY]: 'info' } })) as CallToolResult;
    const text = res.content.find((c) => c.type === 'text');
    print(`  ← ${res.isError ? 'ERROR ' : ''}${text && 'text' in text ? firstLine(text.text) : '(no text)'}`);
    print(`    rate limit: ${rateLimitLine(res._meta ?? {})}`);
    return res;
  };
  const fail = (step: AgentStep['step'], detail: string) => {
    steps.push({ step, ok: false, detail });
    return steps;
  };
  const pipeline = PIPELINES[crmName];
  if (!pipeline) return fail('search_contact', `no stage list for ${crmName}`);
  const isOpen = (d: Deal) => d.stage != null && pipeline.indexOf(d.stage) >= 0 && pipeline.indexOf(d.stage) < pipeline.length - 2;

  const found = await call('search_contacts', { query, limit: 20, fields: ['first_name', 'last_name', 'company_id'] });
  const contacts = (structured(found).contacts ?? []) as Contact[];
  if (found.isError || contacts.length === 0) return fail('search_contact', `no contact matches "${query}"`);
  steps.push({ step: 'search_contact', ok: true, detail: `${contacts.length} contact(s) match "${query}"` });

  const deals: Deal[] = [];
  let pick: { contact: Contact; deal: Deal; via: 'contact' | 'company' } | undefined;
  let cursor: string | undefined;
  for (let page = 0; page < DEAL_PAGES && !pick; page++) {
    const res = await call('list_deals', { limit: 100, ...(cursor ? { cursor } : {}) });
    if (res.isError) return fail('find_deal', 'list_deals failed');
    deals.push(...((structured(res).deals ?? []) as Deal[]).filter(isOpen));
    pick = dealOf(contacts, deals);
    cursor = (structured(res).next_cursor as string | null | undefined) ?? undefined;
    if (!cursor) break;
  }
  if (!pick) return fail('find_deal', `none of the contacts matching "${query}" has an open deal`);
  const who = [pick.contact.first_name, pick.contact.last_name].filter(Boolean).join(' ') || pick.contact.id;
  const link = pick.via === 'contact' ? `linked to ${who}` : `of ${who}'s company ${pick.contact.company_id}`;
  steps.push({ step: 'find_deal', ok: true, detail: `"${pick.deal.name ?? pick.deal.id}" (${pick.deal.id}) ${link}, at stage ${pick.deal.stage}` });

  const stage = pipeline[pipeline.indexOf(pick.deal.stage!) + 1]!;
  const updated = await call('update_deal', { id: pick.deal.id, stage });
  const newStage = (structured(updated).deal as Deal | undefined)?.stage;
  if (updated.isError || newStage !== stage) return fail('update_deal_stage', `stage is ${String(newStage)}, wanted ${stage}`);
  steps.push({ step: 'update_deal_stage', ok: true, detail: `${pick.deal.stage} → ${stage}` });

  const note = await call('log_note', { body: `Moved to ${stage} after a call with ${who}.`, deal_ids: [pick.deal.id] });
  const noteId = (structured(note).note as { id?: string } | undefined)?.id;
  if (note.isError || !noteId) return fail('log_note', 'log_note failed');
  steps.push({ step: 'log_note', ok: true, detail: `note ${noteId} on deal ${pick.deal.id}` });
  return steps;
}

/** The first matching contact's open deal: linked to the contact if any is, else one of the contact's company. */
function dealOf(contacts: Contact[], deals: Deal[]): { contact: Contact; deal: Deal; via: 'contact' | 'company' } | undefined {
  for (const contact of contacts) {
    const deal = deals.find((d) => d.contact_ids?.includes(contact.id));
    if (deal) return { contact, deal, via: 'contact' };
  }
  for (const contact of contacts) {
    const deal = contact.company_id ? deals.find((d) => d.company_id === contact.company_id) : undefined;
    if (deal) return { contact, deal, via: 'company' };
  }
  return undefined;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function rateLimitLine(meta: Record<string, unknown>): string {
  const get = (k: string) => (meta[k] === undefined ? undefined : String(meta[k]));
  const limit = get('ratelimit-limit');
  if (limit === undefined) return 'not reported by the provider';
  const retry = get('retry-after');
  return `${get('ratelimit-remaining') ?? '?'}/${limit} remaining, window resets in ${get('ratelimit-reset') ?? '?'} s${retry ? `, retry after ${retry} s` : ''}`;
}
