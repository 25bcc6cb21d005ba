/**
 * `POST /services/data/vXX.X/composite` (PROVIDERS.md §2): up to 25 subrequests run in order, each
 * able to reference an earlier one's result as `@{referenceId.path}`; one API call. The answer is 200
 * with `compositeResponse[]` ({body, httpHeaders, httpStatusCode, referenceId}) even when a subrequest
 * fails; with `allOrNone` a failure rolls back everything and every other subrequest reports
 * PROCESSING_HALTED.
 */
import type { Reply } from '../http.js';
import { sfError } from './errors.js';
import { SF_TYPES } from './schema.js';
import type { SalesforceStore, SfRecord } from './store.js';

export type Dispatch = (method: string, url: string, body: string) => Reply;

interface Sub {
  method?: unknown;
  url?: unknown;
  referenceId?: unknown;
  body?: unknown;
}

const HALTED = { errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' };

function resolvePath(v: unknown, path: string): unknown {
  let cur = v;
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m || typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[m[1] ?? ''];
    if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  return cur;
}

export function runComposite(store: SalesforceStore, rawBody: string, dispatch: Dispatch): Reply {
  let req: { allOrNone?: unknown; compositeRequest?: unknown };
  try {
    req = JSON.parse(rawBody) as typeof req;
  } catch {
    return sfError(400, 'JSON_PARSER_ERROR', 'Unexpected character: was expecting JSON at [line:1, column:1]');
  }
  const subs = Array.isArray(req.compositeRequest) ? (req.compositeRequest as Sub[]) : undefined;
  if (!subs || subs.length === 0) return sfError(400, 'INVALID_INPUT', 'compositeRequest must contain at least one subrequest');
  if (subs.length > 25) return sfError(400, 'LIMIT_EXCEEDED', `The composite request exceeds the limit of 25 subrequests: ${subs.length}`);
  const allOrNone = req.allOrNone === true;
  const snapshot = SF_TYPES.map((t) => [t, [...store.records[t]].map(([k, v]) => [k, { ...v }] as [string, SfRecord])] as const);
  const results = new Map<string, unknown>();
  const out: Array<{ body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }> = [];
  let failed = -1;
  const substitute = (s: string): string => s.replace(/@\{([A-Za-z0-9_]+)\.([^}]+)\}/g, (m, ref: string, path: string) => {
    const v = resolvePath(results.get(ref), path);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : m;
  });
  for (const [i, sub] of subs.entries()) {
    const referenceId = typeof sub.referenceId === 'string' ? sub.referenceId : `ref${i}`;
    if (allOrNone && failed >= 0) {
      out.push({ body: [HALTED], httpHeaders: {}, httpStatusCode: 400, referenceId });
      continue;
    }
    const url = substitute(String(sub.url ?? ''));
    const body = sub.body === undefined ? '' : substitute(JSON.stringify(sub.body));
    const reply = /^\/services\/data\/v\d+\.0\//.test(url)
      ? dispatch(String(sub.method ?? 'GET').toUpperCase(), url, body)
      : sfError(400, 'INVALID_INPUT', `invalid subrequest url: ${url}`);
    const json = reply.json ?? null;
    const location = reply.headers?.location;
    out.push({ body: json, httpHeaders: location ? { Location: location } : {}, httpStatusCode: reply.status, referenceId });
    if (reply.status >= 400) failed = failed < 0 ? i : failed;
    else results.set(referenceId, json);
  }
  if (allOrNone && failed >= 0) {
    for (const [t, rows] of snapshot) {
      store.records[t].clear();
      for (const [k, v] of rows) store.records[t].set(k, v);
    }
    for (const [i, r] of out.entries()) if (i < failed) Object.assign(r, { body: [HALTED], httpHeaders: {}, httpStatusCode: 400 });
  }
  return { status: 200, json: { compositeResponse: out } };
}
