/**
 * Input schemas for the write tools (create/update/log_note), built from the unified write
 * schemas (one source of truth) with what the tools add: ids that also accept whole numbers,
 * typed custom_fields, `idempotency_key` and `dry_run`.
 */
import { z } from 'zod';
import { WRITE_SCHEMAS, type UnifiedResource } from '../../unified/models.js';
import { customFieldsInput, dryRunInput, idempotencyKeyInput, idInput, idRef, includeRemoteDataInput, once } from '../schemas.js';

/** Tool arguments that steer the call rather than carry data for the record. */
export const CONTROL_ARGS = ['id', 'include_remote_data', 'idempotency_key', 'dry_run'] as const;

const hasChange = (o: Record<string, unknown>) => Object.keys(o).some((k) => !(CONTROL_ARGS as readonly string[]).includes(k) && o[k] !== undefined);

/** Email and phone entries without the read-side descriptions (the field names say it). */
const entry = () => z.strictObject({ value: z.string().max(255), type: z.string().max(64).optional(), primary: z.boolean().optional() });

const ID_FIELDS = new Set(['owner_id', 'company_id']);
const ID_LISTS = new Set(['contact_ids', 'company_ids', 'deal_ids']);

/** The unified write fields of `resource`, with id fields coercing numbers and custom_fields typed. */
export function writeShape(resource: UnifiedResource): Record<string, z.ZodType> {
  return once(`write-shape:${resource}`, () => {
    const base = WRITE_SCHEMAS[resource].shape as Record<string, z.ZodType>;
    const out: Record<string, z.ZodType> = {};
    for (const [k, v] of Object.entries(base)) {
      if (ID_FIELDS.has(k)) out[k] = idRef().optional();
      else if (ID_LISTS.has(k)) out[k] = z.array(idRef()).max(50).optional();
      else if (k === 'custom_fields') out[k] = customFieldsInput;
      else if (k === 'emails' || k === 'phones') out[k] = z.array(entry()).max(10).optional();
      else out[k] = v;
    }
    return z.object(out);
  }).shape as Record<string, z.ZodType>;
}

const controls = { include_remote_data: includeRemoteDataInput, idempotency_key: idempotencyKeyInput, dry_run: dryRunInput };

/** Fields for a create-style write (create_*, log_note), before the tool's own refinements. */
export function createShape(resource: UnifiedResource) {
  return { ...writeShape(resource), ...controls };
}

export function createInput(resource: UnifiedResource) {
  return once(`create:${resource}`, () => z.strictObject(createShape(resource)).refine(hasChange, { message: 'give at least one field to set' }));
}

export function updateInput(resource: UnifiedResource, noun: string) {
  return once(`update:${resource}:${noun}`, () => {
    const partial = Object.fromEntries(Object.entries(writeShape(resource)).map(([k, v]) => [k, v instanceof z.ZodOptional ? v : v.optional()]));
    return z
      .strictObject({ id: idInput.describe(`The ${noun} id to update`), ...partial, ...controls })
      .refine(hasChange, { message: 'give at least one field to change besides id' });
  });
}
