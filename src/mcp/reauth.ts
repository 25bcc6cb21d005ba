/**
 * Re-authorization as a protocol flow (2026-07-28 multi-round-trip). A tool call on a
 * needs_reauth account from a 2026-07-28 client that declares URL-mode elicitation is answered with
 * an InputRequiredResult: a URL elicitation carrying the reconnect link, and a `requestState`
 * that is HMAC-SHA256-signed (the SDK's codec), expires after 10 minutes, names the account and
 * the tool, and is accepted once (its nonce is consumed on verification). The client opens the
 * link for its user and retries the call with the state; the retry then runs against the account
 * as it is by then (reconnected: the tool runs; still needs_reauth: today's isError result).
 * Every other client gets today's isError result with `reconnect_url`.
 *
 * The signing key is per process unless the composition root passes one (`key`), so a stateless
 * deployment with several replicas needs one key shared by all of them for a retry to land
 * anywhere; a retry refused by another replica is answered -32602 and the client starts over.
 */
import { createRequestStateCodec, inputRequired, type CallToolResult, type ServerContext } from '@modelcontextprotocol/server';
import type { Deps } from '../core/deps.js';

export interface ReauthState {
  /** Account id. */
  a: string;
  /** Tool name. */
  t: string;
  /** One-time nonce. */
  n: string;
}

export interface ReauthFlow {
  /** The reconnect round: a URL elicitation and the signed, one-time state. */
  ask(ctx: ServerContext, accountId: string, tool: string, url: string, crm: string): Promise<CallToolResult>;
  /** The SDK's requestState hook for one account's server: rejects foreign, expired, forged or replayed state. */
  verifierFor(accountId: string): (state: string, ctx: ServerContext) => Promise<ReauthState>;
}

const TTL_SECONDS = 600;
const MAX_OUTSTANDING = 10_000;

/** True when this request is 2026-07-28 and its client declared URL-mode elicitation. */
export function wantsUrlElicitation(ctx: ServerContext): boolean {
  const caps = ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities' as never] as { elicitation?: { url?: unknown } } | undefined;
  return caps?.elicitation?.url !== undefined;
}

export function createReauthFlow(deps: Deps, key: Uint8Array = deps.random.bytes(32)): ReauthFlow {
  const codec = createRequestStateCodec<ReauthState>({ key, ttlSeconds: TTL_SECONDS, bind: (ctx) => ctx.mcpReq.method });
  /** Nonces minted and not yet used, with their expiry (ms): a state is accepted once. */
  const outstanding = new Map<string, number>();
  const prune = () => {
    const now = deps.clock.now();
    for (const [n, exp] of outstanding) if (exp <= now || outstanding.size > MAX_OUTSTANDING) outstanding.delete(n);
  };
  return {
    async ask(ctx, accountId, tool, url, crm) {
      prune();
      const n = deps.random.bytes(16).toString('base64url');
      outstanding.set(n, deps.clock.now() + TTL_SECONDS * 1000);
      return inputRequired({
        inputRequests: { reconnect: inputRequired.elicitUrl({ message: `The ${crm} connection must be re-authorized. Open the link, reconnect, then continue.`, url }) },
        requestState: await codec.mint({ a: accountId, t: tool, n }, ctx),
      }) as unknown as CallToolResult;
    },
    verifierFor(accountId) {
      return async (state, ctx) => {
        const p = await codec.verify(state, ctx);
        if (p.a !== accountId) throw new Error('account');
        if (!outstanding.delete(p.n)) throw new Error('replayed');
        return p;
      };
    },
  };
}
