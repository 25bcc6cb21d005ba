/**
 * integrations/MODEL.md, generated from the zod unified models (src/unified/models.ts) and the
 * tool table (src/mcp/tools/index.ts): every resource and field with its type, presence,
 * nullability, description, and which tools read and write it. `npm run model` rewrites the file;
 * test/integrations/model-doc.test.ts fails when it is stale.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { TOOLS } from '../src/mcp/tools/index.js';
import { EmailSchema, PhoneSchema, RECORD_SCHEMAS, UNIFIED_RESOURCES, WRITE_SCHEMAS, type UnifiedResource } from '../src/unified/models.js';

interface Json {
  type?: string | string[];
  anyOf?: Json[];
  items?: Json;
  properties?: Record<string, Json>;
  required?: string[];
  description?: string;
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  pattern?: string;
  additionalProperties?: unknown;
  default?: unknown;
}

const SUB_OBJECTS: Array<[string, z.ZodObject]> = [
  ['email', EmailSchema],
  ['phone', PhoneSchema],
];

const subSchema = (sch: z.ZodObject): Json => {
  const { $schema: _s, ...j } = z.toJSONSchema(sch, { io: 'output' }) as Json & { $schema?: string };
  return { ...j, required: j.required ?? [] };
};

function types(s: Json): string[] {
  if (s.anyOf) return s.anyOf.flatMap(types);
  const t = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ['any'];
  return t.map((x) => {
    if (x === 'array') {
      const item = s.items;
      const sub = item && SUB_OBJECTS.find(([, sch]) => isDeepStrictEqual(subSchema(sch), { ...item, required: item.required ?? [] }));
      return `list of ${sub ? `${sub[0]} objects` : types(item ?? {}).join(' | ') + 's'}`;
    }
    if (x === 'object') return s.additionalProperties !== undefined && !s.properties ? 'object (any keys)' : 'object';
    return x;
  });
}

function typeCell(s: Json): { type: string; nullable: boolean } {
  const all = types(s);
  return { type: all.filter((t) => t !== 'null').join(' | '), nullable: all.includes('null') };
}

function constraints(s: Json): string {
  const c: string[] = [];
  if (s.minLength !== undefined && s.minLength === s.maxLength) c.push(`exactly ${s.minLength} characters`);
  else {
    if (s.minLength !== undefined) c.push(`at least ${s.minLength} character${s.minLength === 1 ? '' : 's'}`);
    if (s.maxLength !== undefined) c.push(`at most ${s.maxLength} characters`);
  }
  if (s.pattern === '^\\d{4}-\\d{2}-\\d{2}$') c.push('YYYY-MM-DD');
  else if (s.pattern) c.push(`matches \`${s.pattern}\``);
  if (s.maxItems !== undefined) c.push(`at most ${s.maxItems} items`);
  if (s.items?.maxLength !== undefined) c.push(`each at most ${s.items.maxLength} characters`);
  return c.join(', ');
}

const toolsFor = (resource: UnifiedResource, methods: string[]) => TOOLS.filter((t) => t.resource === resource && methods.includes(t.method)).map((t) => `\`${t.name}\``);

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function resourceSection(r: UnifiedResource): string[] {
  const read = z.toJSONSchema(RECORD_SCHEMAS[r], { io: 'output' }) as Json;
  const write = z.toJSONSchema(WRITE_SCHEMAS[r], { io: 'input' }) as Json;
  const readers = toolsFor(r, ['list', 'get', 'search']);
  const writers = toolsFor(r, ['create', 'update']);
  const out = [
    `## ${r}`,
    '',
    `Read by ${readers.join(', ')}${writers.length ? `; the record ${writers.join(' and ')} return${writers.length === 1 ? 's' : ''}` : ''}. Written by ${writers.length ? writers.join(', ') : 'no tool'}.`,
    '',
    '| field | type | always present | null allowed | written by | description |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, s] of Object.entries(read.properties ?? {})) {
    const { type, nullable } = typeCell(s);
    const w = write.properties?.[name];
    const writtenBy = name === 'remote_data' || !w || writers.length === 0 ? '—' : `${writers.join(', ')}${constraints(w) ? ` (${constraints(w)})` : ''}`;
    const present = (read.required ?? []).includes(name) ? 'yes' : 'no';
    out.push(`| \`${name}\` | ${cell(type)} | ${present} | ${nullable ? 'yes' : 'no'} | ${cell(writtenBy)} | ${cell(s.description ?? '')} |`);
  }
  const writeOnly = Object.keys(write.properties ?? {}).filter((k) => !(k in (read.properties ?? {})));
  if (writeOnly.length) out.push('', `Write-only fields: ${writeOnly.map((k) => `\`${k}\``).join(', ')}.`);
  const required = (write.required ?? []).filter((k) => k !== 'custom_fields');
  if (required.length) out.push('', `Required on every write: ${required.map((k) => `\`${k}\``).join(', ')}.`);
  out.push('');
  return out;
}

function subObjectSection(): string[] {
  const out = ['## email and phone objects', '', '| object | field | type | always present | description |', '|---|---|---|---|---|'];
  for (const [name, sch] of SUB_OBJECTS) {
    const j = z.toJSONSchema(sch, { io: 'output' }) as Json;
    for (const [f, s] of Object.entries(j.properties ?? {})) out.push(`| ${name} | \`${f}\` | ${typeCell(s).type} | ${(j.required ?? []).includes(f) ? 'yes' : 'no'} | ${cell(s.description ?? '')} |`);
  }
  return [...out, ''];
}

export function modelMarkdown(): string {
  return [
    '# The unified model',
    '',
    '<!-- Generated by scripts/write-model.ts from src/unified/models.ts and src/mcp/tools/index.ts; do not edit. `npm run model` rewrites it. -->',
    '',
    'Every integration maps its CRM onto these four resources; every tool reads or writes them. A definition maps a',
    "provider record to the *read* shape (`resources.<name>.mapping`) and the *write* shape to the provider's request",
    '(`resources.<name>.<create|update>.body`); `crm-mcp integrations validate <file>` checks that every read field is',
    'mapped or explicitly `null`.',
    '',
    'Conventions:',
    '- Ids are strings, whatever the CRM uses. Timestamps are ISO-8601 strings; `close_date` is `YYYY-MM-DD`.',
    '- A field the CRM has no value for is `null` (or absent when "always present" is no); lists are always present and',
    '  empty when there is nothing (`emails`, `phones`, `contact_ids`, …); a list never holds `null`.',
    '- Amounts are numbers in the major unit of `currency` (a CRM that stores minor units converts in its mapping).',
    '- `custom_fields` on **read** holds the entries an environment or account override declares',
    '  (`resources.<name>.custom_fields.<key>: {field, expr}`), by key, `null` when the record has no value. On **write**',
    "  its keys are the CRM's own field names, passed through unchanged (HubSpot property names, Salesforce API names).",
    '- `remote_data` is the provider\'s raw record, present only when the call passed `include_remote_data: true`.',
    '- `fields` on list/get/search restricts the returned fields (`id` always comes back).',
    '- create: give at least one field; update: fields you omit keep their value, a list you give replaces the stored one.',
    "- The CRM may require more than the model does (e.g. a deal's name, stage and close date); a tool description names",
    "  what this CRM requires (the definition's `required`) and a missing field comes back as a `validation` error naming it.",
    '',
    ...UNIFIED_RESOURCES.flatMap(resourceSection),
    ...subObjectSection(),
    '## tools',
    '',
    '| tool | resource | method |',
    '|---|---|---|',
    ...TOOLS.map((t) => `| \`${t.name}\` | ${t.resource} | ${t.method} |`),
    '',
    'A tool is offered only when the account\'s integration defines its resource and method.',
    '',
  ].join('\n');
}
