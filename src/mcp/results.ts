/**
 * The one place where engine outcomes become MCP tool results. Provider failures are tool
 * results (`isError: true`, `structuredContent.error.code`), never protocol errors, so an
 * LLM can read them and act. The server never waits or retries: a throttled call returns
 * `rate_limited` with `retry_after_seconds` at once.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { LinkedAccount } from '../accounts/model.js';
import { errorOutcome } from '../core/error-table.js';
import { isCrmMcpError } from '../core/errors.js';
import { redactString } from '../core/redact.js';
import { ietfFields } from '../engine/rate-limit.js';
import type { EngineError, EngineErrorCode, EngineResult, RateLimitHeaders, RateLimitInfo } from '../engine/types.js';

export type ToolErrorCode = EngineErrorCode | 'account_unavailable';

export interface ToolError {
  code: ToolErrorCode;
  message: string;
  retry_after_seconds?: number;
  reconnect_url?: string;
  fields?: string[];
  provider_code?: string;
  status?: number;
}

export interface RateLimitOut {
  limit: number | null;
  remaining: number | null;
  reset_seconds: number | null;
}

/** How a tool's records are named in its result. */
export interface ResultShape {
  /** 'list' results carry an array under `plural`; others one record under `singular`. */
  kind: 'list' | 'record';
  singular: string;
  plural: string;
  crmName: string;
}

export function rateLimitOut(info: RateLimitInfo | null | undefined): RateLimitOut {
  return { limit: info?.limit ?? null, remaining: info?.remaining ?? null, reset_seconds: info?.reset_seconds ?? null };
}

// A call's result `_meta` and its HTTP response headers are the same fields of the same figures.
const headersOf = new WeakMap<RateLimitInfo, Readonly<RateLimitHeaders>>();

/** IETF draft names, as strings, for tool `_meta` and HTTP headers. Shared and frozen: spread it to add to it. */
export function rateLimitHeaders(info: RateLimitInfo | null | undefined, retryAfter?: number | null): Readonly<RateLimitHeaders> {
  if (!info || retryAfter != null) return buildHeaders(info, retryAfter);
  let h = headersOf.get(info);
  if (!h) headersOf.set(info, (h = Object.freeze(buildHeaders(info))));
  return h;
}

function buildHeaders(info: RateLimitInfo | null | undefined, retryAfter?: number | null): RateLimitHeaders {
  const h: RateLimitHeaders = { ...ietfFields(info) };
  if (info?.limit != null) h['ratelimit-limit'] = String(info.limit);
  if (info?.remaining != null) h['ratelimit-remaining'] = String(info.remaining);
  if (info?.reset_seconds != null) h['ratelimit-reset'] = String(Math.max(0, Math.ceil(info.reset_seconds)));
  const retry = retryAfter ?? info?.retry_after_seconds;
  if (retry != null) h['retry-after'] = String(Math.max(0, Math.ceil(retry)));
  return h;
}

function rateLimitSentence(info: RateLimitInfo | null | undefined): string {
  if (!info || (info.limit == null && info.remaining == null)) return 'Rate limit: not reported by the CRM.';
  const left = info.remaining != null && info.limit != null ? `${info.remaining}/${info.limit} remaining` : `${info.remaining ?? '?'} remaining`;
  const reset = info.reset_seconds != null ? `, resets in ${Math.ceil(info.reset_seconds)}s` : '';
  return `Rate limit: ${left}${reset}.`;
}

/** How much a read result's text carries: one line per record, or also the records as JSON. */
export type ResponseFormat = 'concise' | 'detailed';

// Only a run of spaces or another whitespace character changes under the collapse.
const COLLAPSES = /[^\S ]| {2}/;

const clip = (v: unknown, max: number): string | undefined => {
  if (typeof v !== 'string' || v === '') return undefined;
  const trimmed = v.trim();
  if (!trimmed) return undefined;
  const t = COLLAPSES.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
};

/** The first ten characters of a timestamp-like string (its date). */
const day = (v: unknown): string | undefined => (typeof v === 'string' && v.length >= 10 ? v.slice(0, 10) : undefined);

/**
 * The fields that identify a record, as one line. Only fields the record carries are shown (a
 * caller's `fields` may have left the name out): a record with none of them is just its id.
 * Built by concatenation: it runs once per record of every list answer.
 */
export function recordLine(rec: Record<string, unknown>): string {
  const first = clip(rec.first_name, 40);
  const last = clip(rec.last_name, 40);
  let line = first && last ? `${first} ${last}` : (first ?? last ?? clip(rec.name, 60) ?? '');
  const emails = rec.emails;
  const email = Array.isArray(emails) ? clip((emails[0] as { value?: unknown } | undefined)?.value, 60) : undefined;
  if (email) line = line ? `${line} <${email}>` : `<${email}>`;
  const add = (part: string) => (line = line ? `${line}, ${part}` : part);
  const body = clip(rec.body, 60);
  if (body) add(`"${body}"`);
  const domain = clip(rec.domain, 40);
  if (domain) add(domain);
  const stage = clip(rec.stage, 30);
  if (stage) add(`stage ${stage}`);
  if (typeof rec.amount === 'number') add(typeof rec.currency === 'string' ? `${rec.amount} ${rec.currency}` : `${rec.amount}`);
  const close = day(rec.close_date);
  if (close) add(`closes ${close}`);
  if (body) {
    const at = day(rec.created_at);
    if (at) add(at);
  }
  return `${line ? line + ' ' : ''}(id ${String(rec.id)})`;
}

function summary(shape: ResultShape, data: EngineResult & { ok: true }): string {
  const rl = rateLimitSentence(data.rate_limit);
  if (shape.kind === 'list') {
    const rows = Array.isArray(data.data) ? data.data : [];
    const noun = rows.length === 1 ? shape.singular : shape.plural;
    const more = data.next_cursor ? `More available: pass next_cursor "${data.next_cursor}" as cursor.` : 'This is the last page.';
    return [`${rows.length} ${noun} from ${shape.crmName}. ${more} ${rl}`, ...rows.map((r) => `- ${recordLine(r)}`)].join('\n');
  }
  const rec = data.data && !Array.isArray(data.data) ? data.data : undefined;
  const title = shape.singular.charAt(0).toUpperCase() + shape.singular.slice(1);
  const replayed = data.replayed ? ' Replayed the stored result for this idempotency_key; nothing was sent to the CRM.' : '';
  return `${title} ${rec ? recordLine(rec) : '(none)'} in ${shape.crmName}.${replayed} ${rl}`;
}

/**
 * `concise` text is the summary lines only; `detailed` adds the records as JSON. The records are
 * always in structuredContent, so a client that reads it loses nothing with concise text.
 */
export function successResult(shape: ResultShape, res: EngineResult & { ok: true }, format: ResponseFormat = shape.kind === 'list' ? 'concise' : 'detailed'): CallToolResult {
  const rate_limit = rateLimitOut(res.rate_limit);
  if (res.dry_run) {
    const structured = { dry_run: res.dry_run, rate_limit };
    return {
      content: [{ type: 'text', text: `Dry run: nothing was sent to ${shape.crmName}. The ${shape.singular} write would send:\n${JSON.stringify(res.dry_run)}` }],
      structuredContent: structured,
    };
  }
  const records = shape.kind === 'list' ? (Array.isArray(res.data) ? res.data : []) : res.data && !Array.isArray(res.data) ? res.data : {};
  const structured: Record<string, unknown> =
    shape.kind === 'list' ? { [shape.plural]: records, next_cursor: res.next_cursor ?? null, rate_limit } : { [shape.singular]: records, rate_limit };
  const content: CallToolResult['content'] = [{ type: 'text', text: summary(shape, res) }];
  if (format === 'detailed') content.push({ type: 'text', text: JSON.stringify(records) });
  return { content, structuredContent: structured, _meta: { ...rateLimitHeaders(res.rate_limit) } };
}

const HINTS: Partial<Record<ToolErrorCode, string>> = {
  rate_limited: 'Do not retry immediately: wait retry_after_seconds, then call again.',
  needs_reauth: 'The CRM connection must be re-authorized by a person; retrying will not help.',
  validation: 'Fix the named field(s) and call again.',
  not_found: 'Check the id (list or search first); the record may have been deleted.',
  provider_unavailable: 'The CRM is temporarily unavailable; try again later.',
  transient_auth: 'Authentication with the CRM failed temporarily; try again shortly.',
};

export function errorResult(error: ToolError, info?: RateLimitInfo | null): CallToolResult {
  const message = redactString(error.message);
  const clean: ToolError = { ...error, message };
  const retry = error.retry_after_seconds;
  const lines = [`Error (${error.code}): ${message}`];
  if (retry != null) lines.push(`retry_after_seconds: ${retry}`);
  if (error.fields?.length) lines.push(`fields: ${error.fields.join(', ')}`);
  if (error.reconnect_url) lines.push(`Reconnect at: ${error.reconnect_url}`);
  const hint = HINTS[error.code];
  if (hint) lines.push(hint);
  return {
    content: [{ type: 'text', text: lines.join('\n') }],
    structuredContent: { error: clean, rate_limit: rateLimitOut(info) },
    isError: true,
    _meta: { ...rateLimitHeaders(info, retry) },
  };
}

export function engineErrorResult(res: EngineResult & { ok: false }, reconnectUrl?: string): CallToolResult {
  const e: EngineError = res.error;
  const out: ToolError = { code: e.code, message: e.message };
  if (e.code === 'rate_limited') out.retry_after_seconds = e.retry_after_seconds ?? res.rate_limit?.retry_after_seconds ?? 1;
  if (e.fields?.length) out.fields = e.fields;
  if (e.provider_code) out.provider_code = e.provider_code;
  if (e.status !== undefined) out.status = e.status;
  if (e.code === 'needs_reauth' && reconnectUrl) out.reconnect_url = reconnectUrl;
  return errorResult(out, res.rate_limit);
}

export function reconnectLink(template: string | undefined, accountId: string): string | undefined {
  return template?.replaceAll('{account}', encodeURIComponent(accountId));
}

/** Result for an account that is not usable right now; the provider is not touched. */
export function accountStateResult(account: LinkedAccount | undefined, accountId: string, reconnectUrl?: string): CallToolResult | undefined {
  if (!account) return errorResult({ code: 'account_unavailable', message: `linked account '${accountId}' no longer exists` });
  if (account.status === 'active') return undefined;
  if (account.status === 'needs_reauth') {
    const link = reconnectLink(reconnectUrl, account.id);
    return errorResult({
      code: 'needs_reauth',
      message: `the ${account.integration} connection for account '${account.id}' needs to be re-authorized`,
      ...(link ? { reconnect_url: link } : {}),
    });
  }
  return errorResult({ code: 'account_unavailable', message: `linked account '${account.id}' is ${account.status}, not active` });
}

/**
 * An exception escaped the engine. Known local errors take their category from the error
 * table; 'internal' ones and anything else get a generic message (the details go to the log,
 * never to the client).
 */
export function thrownResult(err: unknown, reconnectUrl?: string, accountId?: string): CallToolResult {
  const { tool } = errorOutcome(err);
  if (tool === 'internal' || !isCrmMcpError(err)) return errorResult({ code: 'internal', message: 'internal error while calling the CRM; see server logs' });
  const link = tool === 'needs_reauth' && accountId ? reconnectLink(reconnectUrl, accountId) : undefined;
  return errorResult({ code: tool, message: err.message, ...(link ? { reconnect_url: link } : {}) });
}
