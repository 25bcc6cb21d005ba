/**
 * Reads an import file as a JSON array or NDJSON and yields each record with the line it starts
 * on. A syntax error inside one record becomes that record's error; the others still parse.
 *
 * Limits, each reported as that record's error (the others still import): a record is at most
 * IMPORT_LIMITS.recordChars characters of JSON (checked before it is parsed), any string in it
 * (a token, a key, a context value) at most IMPORT_LIMITS.fieldChars, and it nests at most
 * IMPORT_LIMITS.depth levels. Real accounts are a few KiB; the limits keep one hostile or broken
 * record from taking the process's memory (a 100 MB access token once cost 1.19 GB).
 */
export type ParsedItem = { line: number; ok: true; value: unknown } | { line: number; ok: false; error: string };

export const IMPORT_LIMITS = { recordChars: 1024 * 1024, fieldChars: 64 * 1024, depth: 32 } as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/** The first limit `value` breaks, as a message naming the field; null when within them. Iterative: depth cannot overflow the stack. */
function limitProblem(value: unknown): string | null {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.length > IMPORT_LIMITS.fieldChars) return `${path || 'the record'} is ${fmt(v.length)} characters long; the limit is ${fmt(IMPORT_LIMITS.fieldChars)}`;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= IMPORT_LIMITS.depth) return `${path || 'the record'} nests deeper than ${IMPORT_LIMITS.depth} levels`;
    const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as Record<string, unknown>);
    for (const [k, x] of entries) {
      if (k.length > IMPORT_LIMITS.fieldChars) return `a field name under ${path || 'the record'} is ${fmt(k.length)} characters long; the limit is ${fmt(IMPORT_LIMITS.fieldChars)}`;
      stack.push({ v: x, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  return null;
}

export function parseImportText(text: string): ParsedItem[] {
  const start = text.search(/\S/);
  if (start === -1) return [];
  return text[start] === '[' ? parseJsonArray(text, start) : parseNdjson(text);
}

function parseNdjson(text: string): ParsedItem[] {
  const out: ParsedItem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) return;
    out.push(parseOne(line, i + 1));
  });
  return out;
}

function parseOne(slice: string, line: number): ParsedItem {
  if (slice.length > IMPORT_LIMITS.recordChars) {
    return { line, ok: false, error: `record is ${fmt(slice.length)} characters of JSON; the limit is ${fmt(IMPORT_LIMITS.recordChars)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(slice);
  } catch (err) {
    return { line, ok: false, error: `not valid JSON (${(err as Error).message.replace(/\s+/g, ' ').slice(0, 120)})` };
  }
  const problem = limitProblem(value);
  return problem ? { line, ok: false, error: problem } : { line, ok: true, value };
}

/** Splits the top-level array at depth-0 commas, tracking strings, so each element parses alone. */
function parseJsonArray(text: string, open: number): ParsedItem[] {
  const out: ParsedItem[] = [];
  let line = 1;
  for (let i = 0; i < open; i++) if (text[i] === '\n') line++;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let elemStart = -1;
  let elemLine = line;
  let closed = false;
  const flush = (end: number) => {
    if (elemStart === -1) return;
    const slice = text.slice(elemStart, end).trim();
    if (slice !== '') out.push(parseOne(slice, elemLine));
    elemStart = -1;
  };
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (elemStart === -1 && !/\s|,|\]/.test(c)) {
      elemStart = i;
      elemLine = line;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || (c === ']' && depth > 0)) depth--;
    else if (c === ',' && depth === 0) flush(i);
    else if (c === ']' && depth === 0) {
      flush(i);
      closed = true;
      break;
    }
  }
  if (!closed) {
    flush(text.length);
    out.push({ line, ok: false, error: 'the JSON array is not closed (file truncated?)' });
  }
  return out;
}
