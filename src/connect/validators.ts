/**
 * The "one lightweight call" as an AccountValidator over the execution engine: a list with
 * limit 1 on the first listable resource (contacts preferred). Engine results are data; this
 * maps them to the connect/verify outcome. `storedTokenProvider` hands out the account's own
 * token, never refreshing — for validating a grant that was minted a moment ago.
 */
import type { Engine, EngineResult } from '../engine/types.js';
import { CrmMcpError } from '../core/errors.js';
import type { TokenProvider } from '../tokens/types.js';
import type { AccountValidator, ValidationOutcome } from '../accounts/validation.js';

export function outcomeOf(result: EngineResult): ValidationOutcome {
  if (result.ok) return { ok: true };
  const e = result.error;
  const reason = `${e.message}${e.status ? ` (HTTP ${e.status}${e.provider_code ? ` ${e.provider_code}` : ''})` : ''}`;
  return { ok: false, kind: e.code === 'needs_reauth' ? 'needs_reauth' : 'failed', code: e.provider_code ?? e.code, reason };
}

export function engineValidator(engine: Engine): AccountValidator {
  return {
    async validate(account) {
      const caps = await engine.capabilities(account);
      const lists = caps.filter((c) => c.method === 'list');
      const pick = lists.find((c) => c.resource === 'contacts') ?? lists[0];
      if (!pick) return { ok: false, kind: 'failed', code: 'unsupported', reason: `integration '${account.integration}' declares no list operation to validate with` };
      return outcomeOf(await engine.execute({ account, resource: pick.resource, method: 'list', limit: 1 }));
    },
  };
}

export function storedTokenProvider(): TokenProvider {
  return {
    async getAccessToken(account, opts) {
      const token = account.context.oauth?.token.access_token;
      if (!token || opts?.forceRefresh) throw new CrmMcpError('needs_reauth', 'the provider rejected the token it just issued');
      return { accessToken: token, account };
    },
  };
}
