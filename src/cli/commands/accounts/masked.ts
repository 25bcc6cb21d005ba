import type { LinkedAccount } from '../../../accounts/model.js';
import { maskContext } from '../../../transfer/export.js';

/** The masked, display-safe view of an account (see maskContext). */
export function maskedAccount(a: LinkedAccount, secretContextFields: readonly string[] = []): Record<string, unknown> {
  return { ...a, context: maskContext(a.context, secretContextFields) };
}
