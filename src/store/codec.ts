/**
 * How an account becomes the string a KvStore holds, and back. The encrypting codec
 * (src/crypto) encrypts every secret field. `decode` throws CrmMcpError('account_corrupt') naming
 * the account for anything undecodable, and lets crypto errors ('crypto_*') through.
 */
import { LinkedAccountSchema, type LinkedAccount } from '../accounts/model.js';
import { CrmMcpError } from '../core/errors.js';

export interface AccountCodec {
  encode(account: LinkedAccount): string;
  decode(id: string, raw: string): LinkedAccount;
}

export function parseStoredAccount(id: string, json: unknown): LinkedAccount {
  const parsed = LinkedAccountSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrmMcpError('account_corrupt', `stored account '${id}' is corrupt: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, {
      details: { accountId: id },
    });
  }
  return parsed.data;
}

export function parseJson(id: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new CrmMcpError('account_corrupt', `stored account '${id}' is not valid JSON`, { cause, details: { accountId: id } });
  }
}
