/**
 * Tool schemas as the SDK consumes them (Standard Schema + JSON Schema), converted once per
 * process. The SDK builds a server per HTTP request and converts every tool's zod schema to JSON
 * Schema for `tools/list` each time; this wrapper keeps the zod validator (zod compiles it on the
 * schema instance) and memoises the JSON Schema per conversion target, so the cost is paid once
 * per schema instance. Schema identity is the zod instance: a per-account schema (custom fields)
 * is a distinct instance, built once per account schema version by whoever builds it.
 *
 * The returned JSON Schema objects are shared between requests and frozen so no caller can
 * change another request's answer.
 */
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type { z } from 'zod';

type Io = 'input' | 'output';
type Std = StandardSchemaWithJSON['~standard'];
type Options = Parameters<Std['jsonSchema']['input']>[0];

const wrapped = new WeakMap<z.ZodType, StandardSchemaWithJSON>();

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function compiledSchema(schema: z.ZodType): StandardSchemaWithJSON {
  let w = wrapped.get(schema);
  if (w) return w;
  const std = (schema as unknown as StandardSchemaWithJSON)['~standard'];
  const memo = new Map<string, Record<string, unknown>>();
  const convert = (io: Io) => (opts: Options) => {
    const key = `${io}:${opts.target}`;
    let out = memo.get(key);
    if (!out) memo.set(key, (out = deepFreeze(std.jsonSchema[io](opts))));
    return out;
  };
  w = {
    '~standard': {
      version: 1,
      vendor: std.vendor,
      validate: (value, options) => std.validate(value, options),
      jsonSchema: { input: convert('input'), output: convert('output') },
    },
  };
  wrapped.set(schema, w);
  return w;
}
