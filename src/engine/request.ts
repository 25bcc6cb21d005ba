/**
 * Pure request building: definition operation + account + unified input → method, URL,
 * headers and body. No I/O; JSONata is evaluated with bounds. The outbound host check runs
 * here, so a URL that fails it is never handed to the sender.
 */
import type { LinkedAccount } from '../accounts/model.js';
import { CrmMcpError } from '../core/errors.js';
import type { ExpressionCompiler } from '../integrations/expressions.js';
import { apiKeyAuth } from '../integrations/accessors.js';
import { checkOutboundUrl } from '../integrations/hosts.js';
import { continuationProblem } from './cursor.js';
import type { Definition, Operation, Resource } from '../integrations/schema.js';

export interface BuiltRequest {
  method: Operation['method'];
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface BuildArgs {
  def: Definition;
  compiler: ExpressionCompiler;
  /** The operator's loopback `insecureHosts` (src/integrations/hosts.ts). */
  insecureHosts: readonly string[];
  resourceName: string;
  methodName: string;
  resource: Resource;
  op: Operation;
  account: LinkedAccount;
  /** OAuth access token or API key. */
  credential: string;
  id?: string;
  input?: Record<string, unknown>;
  limit?: number;
  /** Decoded pagination state of the requested page. */
  page?: string | number;
  /** Injected clock reading, bound as $nowIso / $nowMs (expressions must not read the wall clock). */
  nowMs: number;
  /** Further bindings of this call (an `includes` call's `$ids`). */
  extra?: Record<string, unknown>;
}

/** Account context without secrets: what templates and expressions may read. */
export function publicContext(account: LinkedAccount): Record<string, unknown> {
  const { oauth: _oauth, api_key: _key, ...rest } = account.context;
  return rest;
}

function lookup(root: Record<string, unknown>, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** `{{id}}` is URL-encoded; `{{vars.x}}`/`{{context.x}}` are inserted as-is and must exist. */
export function renderTemplate(tpl: string, scope: { id?: string; vars: Record<string, unknown>; context: Record<string, unknown> }, where: string): string {
  return tpl.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_m, name: string) => {
    if (name === 'id') {
      if (scope.id === undefined || scope.id === '') throw new CrmMcpError('invalid_input', 'this method needs a record id');
      return encodeURIComponent(scope.id);
    }
    const v = lookup({ vars: scope.vars, context: scope.context }, name);
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new CrmMcpError('mapping_failed', `${where}: template variable {{${name}}} is not set for this account`);
    }
    return String(v);
  });
}

export function requestedFields(resource: Resource): string[] {
  const extra = Object.values(resource.custom_fields ?? {}).flatMap((c) => (c.field ? [c.field] : []));
  return [...new Set([...resource.fields, ...extra])];
}

function stringRecord(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new CrmMcpError('mapping_failed', `${where}: must evaluate to an object`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val === undefined || val === null) continue;
    out[k] = typeof val === 'string' ? val : typeof val === 'number' || typeof val === 'boolean' ? String(val) : JSON.stringify(val);
  }
  return out;
}

/** The path of an operation's URL for an account (where its `next_url` continuations must stay). */
export function operationPath(def: Definition, op: Operation, account: LinkedAccount, methodPath: string): string {
  const scope = { vars: def.vars, context: publicContext(account) };
  const base = renderTemplate(def.base_url, scope, `${def.name} base_url`);
  try {
    return new URL(base.replace(/\/$/, '') + renderTemplate(op.path, scope, `${methodPath}.path`)).pathname;
  } catch (e) {
    throw new CrmMcpError('host_not_allowed', `${def.name}: base URL for this account is not a valid URL`, { cause: e });
  }
}

export async function buildRequest(a: BuildArgs): Promise<BuiltRequest> {
  const where = `${a.def.name} resources.${a.resourceName}.${a.methodName}`;
  const context = publicContext(a.account);
  const scope = { ...(a.id !== undefined ? { id: a.id } : {}), vars: a.def.vars, context };
  const base = renderTemplate(a.def.base_url, scope, `${a.def.name} base_url`);
  const bindings = {
    input: a.input ?? {},
    id: a.id,
    limit: a.limit,
    page: a.page,
    nowMs: a.nowMs,
    nowIso: new Date(a.nowMs).toISOString(),
    fields: requestedFields(a.resource),
    vars: a.def.vars,
    context,
    ...a.extra,
  };

  let url: URL;
  const pag = a.op.pagination;
  const nextUrl = pag?.type === 'next_url' && typeof a.page === 'string' ? a.page : undefined;
  try {
    if (nextUrl !== undefined) {
      // A next-page URL must stay under the list operation's own path on the account's base URL.
      const opPath = new URL(base.replace(/\/$/, '') + renderTemplate(a.op.path, scope, `${where}.path`)).pathname;
      const problem = continuationProblem(nextUrl, opPath);
      if (problem) throw new CrmMcpError('invalid_input', `the cursor's next-page path ${problem}; restart the listing by calling without a cursor`);
      url = new URL(nextUrl, base);
      if (url.pathname !== nextUrl || url.search !== '') throw new CrmMcpError('invalid_input', 'the cursor\'s next-page path does not resolve to itself; restart the listing by calling without a cursor');
    } else {
      url = new URL(base.replace(/\/$/, '') + renderTemplate(a.op.path, scope, `${where}.path`));
    }
  } catch (e) {
    if (e instanceof CrmMcpError) throw e;
    throw new CrmMcpError('host_not_allowed', `${a.def.name}: base URL for this account is not a valid URL`, { cause: e });
  }
  const denied = checkOutboundUrl(url, a.def.allowed_hosts, a.insecureHosts);
  if (denied) throw new CrmMcpError('host_not_allowed', `${a.def.name}: ${denied}; no request was sent`);

  const headers: Record<string, string> = { accept: 'application/json' };
  if (nextUrl === undefined) {
    const q = a.op.query ? stringRecord(await a.compiler.evaluate(a.op.query, bindings.input, bindings, `${where}.query`, a.def.functions), `${where}.query`) : {};
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
    if (pag && pag.type !== 'next_url' && pag.param && a.page !== undefined) url.searchParams.set(pag.param, String(a.page));
  }
  Object.assign(headers, a.op.headers ? stringRecord(await a.compiler.evaluate(a.op.headers, bindings.input, bindings, `${where}.headers`, a.def.functions), `${where}.headers`) : {});

  // The account's own method decides: an integration may accept OAuth and an API key (HubSpot private apps).
  const key = a.account.authentication_method === 'api_key' ? apiKeyAuth(a.def) : undefined;
  if (a.account.authentication_method === 'api_key' && !key) throw new CrmMcpError('needs_reauth', `${a.def.display_name} does not accept API keys; reconnect the account with OAuth`);
  if (key) {
    if (key.in === 'header') headers[key.name.toLowerCase()] = `${key.prefix ?? ''}${a.credential}`;
    else url.searchParams.set(key.name, a.credential);
  } else {
    headers.authorization = `Bearer ${a.credential}`;
  }

  let body: string | undefined;
  if (a.op.body && nextUrl === undefined) {
    const b = await a.compiler.evaluate(a.op.body, bindings.input, bindings, `${where}.body`, a.def.functions);
    body = JSON.stringify(b ?? {});
    headers['content-type'] = 'application/json';
  }
  return { method: a.op.method, url, headers, ...(body !== undefined ? { body } : {}) };
}
