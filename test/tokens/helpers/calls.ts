/** A token request the way a tool call makes one: load the account, then ask for its token. */
import type { AccountStore } from '../../../src/store/account-store.js';
import type { AccessTokenResult, TokenProvider } from '../../../src/tokens/types.js';

export async function tokenFor(tokens: TokenProvider, store: Pick<AccountStore, 'get'>, id: string, opts?: Parameters<TokenProvider['getAccessToken']>[1]): Promise<AccessTokenResult> {
  const account = await store.get(id);
  if (!account) throw new Error(`test account ${id} is not in the store`);
  return tokens.getAccessToken(account, opts);
}
