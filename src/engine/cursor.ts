/**
 * Opaque list cursors: base64url JSON naming the integration, resource, method and the
 * pagination state. Decoding validates every part, so a forged or stale cursor is a clear
 * validation error, never a request to an arbitrary place.
 */
import { z } from 'zod';

const CursorSchema = z
  .object({
    v: z.literal(1),
    i: z.string(),
    r: z.string(),
    m: z.string(),
    /** cursor/page_token value, next_url relative path, or offset; absent = the first page. */
    s: z.union([z.string().min(1).max(4096), z.number().int().nonnegative()]).optional(),
    /**
     * Records of that provider page already returned. A provider may answer with more than the
     * caller's `limit` (Salesforce batches are at least 200), so the rest of the page is served
     * by the next call instead of being dropped or flooding the caller.
     */
    k: z.number().int().positive().optional(),
  })
  .strict();
export type CursorState = z.infer<typeof CursorSchema>;

export function encodeCursor(state: Omit<CursorState, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...state })).toString('base64url');
}

/** Returns the state, or an error message safe to show. */
export function decodeCursor(cursor: string, expect: { i: string; r: string; m: string }): CursorState | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return { error: 'cursor is not one this server issued (not decodable)' };
  }
  const r = CursorSchema.safeParse(parsed);
  if (!r.success) return { error: 'cursor is not one this server issued (bad shape)' };
  if (r.data.i !== expect.i || r.data.r !== expect.r || r.data.m !== expect.m) {
    return { error: `cursor belongs to ${r.data.i} ${r.data.r}.${r.data.m}, not ${expect.i} ${expect.r}.${expect.m}` };
  }
  return r.data;
}
