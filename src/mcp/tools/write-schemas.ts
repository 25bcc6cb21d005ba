/** Input schemas for create/update tools, built from the unified write schemas (one source of truth). */
import { z } from 'zod';
import { WRITE_SCHEMAS, type UnifiedResource } from '../../unified/models.js';
import { idInput, includeRemoteDataInput, once } from '../schemas.js';

const hasChange = (o: Record<string, unknown>) => Object.keys(o).some((k) => k !== 'id' && k !== 'include_remote_data' && o[k] !== undefined);

export function createInput(resource: UnifiedResource) {
  return once(`create:${resource}`, () =>
    z.strictObject({ ...WRITE_SCHEMAS[resource].shape, include_remote_data: includeRemoteDataInput }).refine(hasChange, { message: 'give at least one field to set' }),
  );
}

export function updateInput(resource: UnifiedResource, noun: string) {
  return once(`update:${resource}:${noun}`, () =>
    z
      .strictObject({ id: idInput.describe(`The ${noun} id to update`), ...WRITE_SCHEMAS[resource].partial().shape, include_remote_data: includeRemoteDataInput })
      .refine(hasChange, { message: 'give at least one field to change besides id' }),
  );
}
