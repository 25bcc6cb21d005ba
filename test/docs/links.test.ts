/**
 * Every relative link in every Markdown file of the repository resolves: `[text](path)`,
 * `[text](path#anchor)` and reference definitions `[id]: path` name a file or directory that
 * exists, and an anchor into a Markdown file names one of its headings (GitHub's slugs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/dist.js';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.tools', 'coverage', 'bench']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : markdownFiles(join(dir, e.name));
    return e.name.endsWith('.md') ? [join(dir, e.name)] : [];
  });
}

/** Link targets outside fenced code blocks and inline code. */
function links(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const refs = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...refs];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(text: string): Set<string> {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')));
}

const files = markdownFiles(ROOT);

describe('relative links in Markdown', () => {
  it('finds the documentation (README, integrations, storage docs, the sandbox README)', () => {
    const rel = files.map((f) => relative(ROOT, f));
    for (const f of ['README.md', 'integrations/README.md', 'src/store/STORAGE.md', 'src/sandbox/README.md']) expect(rel).toContain(f);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s: every relative link resolves', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const broken: string[] = [];
    for (const target of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const abs = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(abs)) {
        broken.push(`${target} (no such file)`);
        continue;
      }
      if (anchor && abs.endsWith('.md') && statSync(abs).isFile() && !anchors(readFileSync(abs, 'utf8')).has(anchor.toLowerCase())) broken.push(`${target} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });
});
