/**
 * The parts of a zod v4 schema's definition that the quick checks compiled from schemas read
 * (src/unified/same-after-parse.ts, src/mcp/output-accept.ts): its kind, checks and children.
 */
import type { z } from 'zod';

export interface ZodDef {
  type: string;
  checks?: Array<{ _zod: { def: { check: string; minimum?: number } } }>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
}

export const zodDef = (s: z.ZodType): ZodDef => (s as unknown as { _zod: { def: ZodDef } })._zod.def;
