/**
 * The slice of SOQL the fake needs: SELECT fields (incl. one-level relationship fields such as
 * Account.Name, and parent-to-child subqueries such as (SELECT ContactId FROM OpportunityContactRoles))
 * FROM object [WHERE conditions with AND/OR/NOT/parentheses, = != <> < <= > >=, LIKE, IN, NOT IN,
 * semi-joins `Id IN (SELECT OpportunityId FROM OpportunityContactRole WHERE ...)`]
 * [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n].
 * Errors carry Salesforce's error code and a caret-style message.
 */
export type SoqlValue = string | number | boolean | null;

export type Cond =
  | { kind: 'cmp'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE'; value: SoqlValue; col: number }
  | { kind: 'in'; field: string; not: boolean; values: SoqlValue[]; col: number; sub?: SoqlQuery }
  | { kind: 'and' | 'or'; items: Cond[] }
  | { kind: 'not'; item: Cond };

export interface SoqlQuery {
  fields: Array<{ path: string; col: number }>;
  /** Parent-to-child relationship subqueries in the SELECT list. */
  subqueries: Array<{ query: SoqlQuery; col: number }>;
  from: string;
  fromCol: number;
  where?: Cond;
  orderBy: Array<{ field: string; desc: boolean; nullsLast: boolean; col: number }>;
  limit?: number;
  offset?: number;
}

export class SoqlError extends Error {
  constructor(readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE', message: string) {
    super(message);
  }
}

interface Tok {
  t: 'id' | 'str' | 'num' | 'sym';
  v: string;
  col: number;
}

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (; j < q.length && q.charAt(j) !== "'"; j++) {
        if (q.charAt(j) === '\\') {
          const n = q.charAt(++j);
          // Keep \% and \_ escaped so LIKE can tell literal wildcards apart.
          v += n === '%' || n === '_' ? `\\${n}` : n === 'n' ? '\n' : n === 't' ? '\t' : n;
        } else v += q.charAt(j);
      }
      if (j >= q.length) throw malformed(q, i, 'unterminated string');
      out.push({ t: 'str', v, col: i });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(q.slice(i));
    if (num && (c !== '-' || /\d/.test(q.charAt(i + 1)))) {
      // Date/datetime literals (2026-03-31, 2026-03-31T00:00:00Z) are read as one token.
      const dt = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))?/.exec(q.slice(i));
      const v = dt ? dt[0] : num[0];
      out.push({ t: dt ? 'str' : 'num', v, col: i });
      i += v.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(q.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0], col: i });
      i += id[0].length;
      continue;
    }
    const sym = /^(?:!=|<>|<=|>=|[=<>(),])/.exec(q.slice(i));
    if (!sym) throw malformed(q, i, `unexpected token: '${c}'`);
    out.push({ t: 'sym', v: sym[0], col: i });
    i += sym[0].length;
  }
  return out;
}

export function caret(q: string, col: number, msg: string): string {
  return `\n${q}\n${' '.repeat(col)}^\nERROR at Row:1:Column:${col + 1}\n${msg}`;
}

function malformed(q: string, col: number, msg: string): SoqlError {
  return new SoqlError('MALFORMED_QUERY', caret(q, col, msg));
}

export function parseSoql(q: string): SoqlQuery {
  if (q.trim() === '') throw new SoqlError('MALFORMED_QUERY', 'A query string has to be specified');
  const toks = tokenize(q);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const kw = (w: string): boolean => {
    const t = peek();
    return t?.t === 'id' && t.v.toUpperCase() === w;
  };
  const fail = (): SoqlError => {
    const t = peek();
    return t ? malformed(q, t.col, `unexpected token: '${t.v}'`) : malformed(q, q.length, 'unexpected end of query');
  };
  const expectKw = (w: string): void => {
    if (!kw(w)) throw fail();
    p++;
  };
  const ident = (): Tok => {
    const t = peek();
    if (t?.t !== 'id') throw fail();
    p++;
    return t;
  };
  const sym = (s: string): boolean => {
    const t = peek();
    if (t?.t === 'sym' && t.v === s) {
      p++;
      return true;
    }
    return false;
  };

  const value = (): SoqlValue => {
    const t = peek();
    if (!t) throw fail();
    p++;
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'id') {
      const u = t.v.toUpperCase();
      if (u === 'NULL') return null;
      if (u === 'TRUE') return true;
      if (u === 'FALSE') return false;
    }
    p--;
    throw fail();
  };
  const cond = (): Cond => {
    if (kw('NOT')) {
      p++;
      return { kind: 'not', item: cond() };
    }
    if (sym('(')) {
      const e = expr();
      if (!sym(')')) throw fail();
      return e;
    }
    const f = ident();
    if (kw('LIKE')) {
      p++;
      return { kind: 'cmp', field: f.v, op: 'LIKE', value: value(), col: f.col };
    }
    let not = false;
    if (kw('NOT')) {
      p++;
      not = true;
      if (!kw('IN')) throw fail();
    }
    if (kw('IN')) {
      p++;
      if (!sym('(')) throw fail();
      if (kw('SELECT')) {
        const sub = select();
        if (!sym(')')) throw fail();
        return { kind: 'in', field: f.v, not, values: [], col: f.col, sub };
      }
      const values: SoqlValue[] = [];
      do values.push(value());
      while (sym(','));
      if (!sym(')')) throw fail();
      return { kind: 'in', field: f.v, not, values, col: f.col };
    }
    const t = peek();
    if (t?.t !== 'sym' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(t.v)) throw fail();
    p++;
    const op = (t.v === '<>' ? '!=' : t.v) as '=' | '!=' | '<' | '<=' | '>' | '>=';
    return { kind: 'cmp', field: f.v, op, value: value(), col: f.col };
  };
  const andExpr = (): Cond => {
    const items = [cond()];
    while (kw('AND')) {
      p++;
      items.push(cond());
    }
    return items.length === 1 ? (items[0] as Cond) : { kind: 'and', items };
  };
  const expr = (): Cond => {
    const items = [andExpr()];
    while (kw('OR')) {
      p++;
      items.push(andExpr());
    }
    return items.length === 1 ? (items[0] as Cond) : { kind: 'or', items };
  };
  function select(): SoqlQuery {
    expectKw('SELECT');
    const fields: SoqlQuery['fields'] = [];
    const subqueries: SoqlQuery['subqueries'] = [];
    do {
      const open = peek();
      if (sym('(')) {
        subqueries.push({ query: select(), col: open?.col ?? 0 });
        if (!sym(')')) throw fail();
        continue;
      }
      const f = ident();
      if (['FROM', 'WHERE'].includes(f.v.toUpperCase())) throw malformed(q, f.col, `unexpected token: '${f.v}'`);
      fields.push({ path: f.v, col: f.col });
    } while (sym(','));
    expectKw('FROM');
    const from = ident();
    return clauses({ fields, subqueries, from: from.v, fromCol: from.col, orderBy: [] });
  }
  const out = select();
  if (p < toks.length) throw fail();
  return out;

  function clauses(out: SoqlQuery): SoqlQuery {
    if (kw('WHERE')) {
      p++;
      out.where = expr();
    }
    if (kw('ORDER')) {
      p++;
      expectKw('BY');
      do {
        const f = ident();
        let desc = false;
        if (kw('ASC')) p++;
        else if (kw('DESC')) {
          p++;
          desc = true;
        }
        let nullsLast = desc;
        if (kw('NULLS')) {
          p++;
          if (kw('FIRST')) nullsLast = false;
          else if (kw('LAST')) nullsLast = true;
          else throw fail();
          p++;
        }
        out.orderBy.push({ field: f.v, desc, nullsLast, col: f.col });
      } while (sym(','));
    }
    for (const k of ['LIMIT', 'OFFSET'] as const) {
      if (kw(k)) {
        p++;
        const t = peek();
        if (t?.t !== 'num' || !/^\d+$/.test(t.v)) throw fail();
        p++;
        if (k === 'LIMIT') out.limit = Number(t.v);
        else out.offset = Number(t.v);
      }
    }
    return out;
  }
}

/** Compares a stored value with a literal the way SOQL does (strings case-insensitively). */
export function compare(a: SoqlValue, b: SoqlValue): number {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b);
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b) ? 0 : 1;
  const sa = String(a);
  const sb = String(b);
  const da = /^\d{4}-\d{2}-\d{2}/.test(sa) ? Date.parse(sa.replace(/\+0000$/, 'Z')) : NaN;
  const db = /^\d{4}-\d{2}-\d{2}/.test(sb) ? Date.parse(sb.replace(/\+0000$/, 'Z')) : NaN;
  if (!Number.isNaN(da) && !Number.isNaN(db)) return da - db;
  return sa.toLowerCase().localeCompare(sb.toLowerCase());
}

/** SOQL LIKE: case-insensitive, `%` any run, `_` one char, `\%`/`\_` literal. */
export function like(value: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) re += pattern.charAt(++i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i').test(value);
}

export function evaluate(c: Cond, get: (field: string) => SoqlValue): boolean {
  switch (c.kind) {
    case 'and': return c.items.every((x) => evaluate(x, get));
    case 'or': return c.items.some((x) => evaluate(x, get));
    case 'not': return !evaluate(c.item, get);
    case 'in': {
      const v = get(c.field);
      const hit = v !== null && c.values.some((x) => compare(v, x) === 0);
      return c.not ? !hit : hit;
    }
    case 'cmp': {
      const v = get(c.field);
      if (c.op === 'LIKE') return v !== null && like(String(v), String(c.value ?? ''));
      if (c.value === null) return c.op === '=' ? v === null : c.op === '!=' ? v !== null : false;
      if (v === null) return c.op === '!=';
      const d = compare(v, c.value);
      switch (c.op) {
        case '=': return d === 0;
        case '!=': return d !== 0;
        case '<': return d < 0;
        case '<=': return d <= 0;
        case '>': return d > 0;
        case '>=': return d >= 0;
      }
    }
  }
  return false;
}
