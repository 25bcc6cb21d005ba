/**
 * Regular expressions in definitions and overrides run on RE2 (re2js, pure JavaScript): matching
 * takes time linear in the input, so no pattern (`/^([A-Za-z]+ ?)*$/`) and no CRM value can make a
 * mapping backtrack for seconds. RE2 has no backreferences or lookaround; a pattern using them is
 * refused when the definition or override is loaded (`regexProblem`), never at a tool call.
 *
 * `Re2Engine` is the `RegexEngine` jsonata is given: it receives the RegExp jsonata parsed from the
 * literal (flags i/m, always g) and is used only through `lastIndex` and `exec`.
 */
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS>();

function flagsOf(flags: string): number {
  let f = 0;
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) f |= RE2JS.MULTILINE;
  if (flags.includes('s')) f |= RE2JS.DOTALL;
  return f;
}

/** Compiles (cached by source and flags); throws the re2js syntax error. */
export function compileRe2(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  let re = cache.get(key);
  if (!re) {
    re = RE2JS.compile(RE2JS.translateRegExp(source), flagsOf(flags));
    if (cache.size > 5000) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/** Why RE2 cannot run this pattern (a backreference, a lookahead…), or undefined when it can. */
export function regexProblem(source: string, flags: string): string | undefined {
  try {
    compileRe2(source, flags);
    return undefined;
  } catch (e) {
    return `regular expression /${source}/ is not supported by the linear-time engine (${(e as Error).message}); backreferences and lookaround are not available`;
  }
}

export interface Re2Match {
  0: string;
  index: number;
  length: number;
  [group: number]: string | undefined;
}

/** The slice of the RegExp interface jsonata uses: global search from `lastIndex`. */
export class Re2Engine {
  lastIndex = 0;
  private readonly re: RE2JS;

  constructor(pattern: RegExp | string, flags = '') {
    this.re = typeof pattern === 'string' ? compileRe2(pattern, flags) : compileRe2(pattern.source, pattern.flags);
  }

  exec(str: string): Re2Match | null {
    if (this.lastIndex > str.length) {
      this.lastIndex = 0;
      return null;
    }
    const m = this.re.matcher(str);
    if (!m.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups = m.groupCount();
    const out: Re2Match = { 0: m.group(0) ?? '', index: m.start(0), length: groups + 1 };
    for (let g = 1; g <= groups; g++) out[g] = m.group(g) ?? undefined;
    this.lastIndex = m.end(0);
    return out;
  }
}
