/**
 * Reads an import file as a JSON array or NDJSON and yields each record with the line it starts
 * on. A syntax error inside one record becomes that record's error; the others still parse.
 */
export type ParsedItem = { line: number; ok: true; value: unknown } | { line: number; ok: false; error: string };

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
  try {
    return { line, ok: true, value: JSON.parse(slice) };
  } catch (err) {
    return { line, ok: false, error: `not valid JSON (${(err as Error).message.replace(/\s+/g, ' ').slice(0, 120)})` };
  }
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
