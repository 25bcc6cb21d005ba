/**
 * The demo's example agent: a plain MCP client (the SDK's `Client`) that does what an LLM agent
 * would — find a contact, move their deal to the next stage, log a note on the deal — printing
 * every tool call, the server's text summary and the provider's rate-limit figures from `_meta`.
 * It knows nothing of the CRM behind the server beyond the stage names it picks.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface AgentStep {
  step: 'find_contact' | 'update_deal_stage' | 'log_note';
  ok: boolean;
  detail: string;
}

interface Contact { id: string; first_name?: string | null; last_name?: string | null; company_id?: string | null }
interface Deal { id: string; name?: string | null; stage?: string | null; company_id?: string | null; contact_ids?: string[] }

/** Stages the agent moves a deal to, by the CRM's display name (each CRM has its own vocabulary). */
const NEXT_STAGE: Record<string, [string, string]> = {
  HubSpot: ['contractsent', 'closedwon'],
  Salesforce: ['Negotiation/Review', 'Closed Won'],
};

export async function runDemoAgent(client: Client, crmName: string, print: (line: string) => void): Promise<AgentStep[]> {
  const steps: AgentStep[] = [];
  const call = async (name: string, args: Record<string, unknown>) => {
    print(`  → ${name} ${JSON.stringify(args)}`);
    const res = (await client.callTool({ name, arguments: args }, CallToolResultSchema)) as CallToolResult;
    const text = res.content.find((c) => c.type === 'text');
    print(`  ← ${res.isError ? 'ERROR ' : ''}${text && 'text' in text ? firstLine(text.text) : '(no text)'}`);
    print(`    rate limit: ${rateLimitLine(res._meta ?? {})}`);
    return res;
  };
  const fail = (step: AgentStep['step'], detail: string) => {
    steps.push({ step, ok: false, detail });
    return steps;
  };

  const contacts = await call('list_contacts', { limit: 20, fields: ['first_name', 'last_name', 'company_id'] });
  if (contacts.isError) return fail('find_contact', 'list_contacts failed');
  const deals = await call('list_deals', { limit: 100 });
  if (deals.isError) return fail('find_contact', 'list_deals failed');
  const dealList = (deals.structuredContent?.deals ?? []) as Deal[];
  const contactList = (contacts.structuredContent?.contacts ?? []) as Contact[];
  let pick: { contact: Contact; deal: Deal } | undefined;
  for (const contact of contactList) {
    const deal = dealList.find((d) => d.contact_ids?.includes(contact.id)) ?? dealList.find((d) => contact.company_id && d.company_id === contact.company_id);
    if (deal) {
      pick = { contact, deal };
      break;
    }
  }
  if (!pick) return fail('find_contact', 'no contact with a deal among the first page');
  const who = [pick.contact.first_name, pick.contact.last_name].filter(Boolean).join(' ') || pick.contact.id;
  steps.push({ step: 'find_contact', ok: true, detail: `${who} (${pick.contact.id}), deal "${pick.deal.name ?? pick.deal.id}" at stage ${pick.deal.stage ?? '?'}` });

  const [next, alt] = NEXT_STAGE[crmName] ?? ['closedwon', 'closedwon'];
  const stage = pick.deal.stage === next ? alt : next;
  const updated = await call('update_deal', { id: pick.deal.id, stage });
  const newStage = (updated.structuredContent?.deal as Deal | undefined)?.stage;
  if (updated.isError || newStage !== stage) return fail('update_deal_stage', `stage is ${String(newStage)}, wanted ${stage}`);
  steps.push({ step: 'update_deal_stage', ok: true, detail: `${pick.deal.stage ?? '?'} → ${stage}` });

  const note = await call('log_note', { body: `Moved to ${stage} after a call with ${who}. Next: send the contract.`, deal_ids: [pick.deal.id] });
  const noteId = (note.structuredContent?.note as { id?: string } | undefined)?.id;
  if (note.isError || !noteId) return fail('log_note', 'log_note failed');
  steps.push({ step: 'log_note', ok: true, detail: `note ${noteId} on deal ${pick.deal.id}` });
  return steps;
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
