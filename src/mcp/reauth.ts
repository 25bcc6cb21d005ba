/**
 * Re-authorization as a protocol flow (2026-07-28 multi-round-trip). A tool call on a
 * needs_reauth account from a 2026-07-28 client that declares URL-mode elicitation is answered with
 * an InputRequiredResult: a URL elicitation carrying the reconnect link, and a `requestState`
 * that is HMAC-SHA256-signed (the SDK's codec), expires after 10 minutes, names the account and
 * the tool, and is accepted once. The client opens the link for its user and retries the call with
 * the state; the retry then runs against the account as it is by then (reconnected: the tool runs;
 * still needs_reauth: today's isError result). Every other client gets today's isError result
 * with `reconnect_url`.
 *
 * Any replica of a deployment accepts the retry (stateless HTTP behind a load balancer):
 * - The signing key is derived with HKDF-SHA256 (info `crm-mcp/mcp-reauth-request-state/v1`) from
 *   the deployment's keyring, the store encryption keys every replica shares; an encryption key is
 *   never used as an HMAC key itself. The wire state is `<kid>.<codec state>`: the key id it was
 *   signed under (outside the MAC: a changed kid selects another key and fails the MAC).
 * - "Accepted once" is a set-if-absent of the nonce in the KvStore (`reauth-nonce:<nonce>`, TTL the
 *   state's lifetime), atomic across processes on Redis and on the embedded file. It is claimed only
 *   after the MAC, expiry and account checks, so forged states write nothing.
 * Key rotation: a state verifies under any key the keyring still holds, so states minted before a
 * rotation keep working until they expire. Once their key is removed they are refused like any
 * invalid state: the client gets -32602 "Invalid or expired requestState", the server log names
 * the key id, and a new call starts a new round under the current key.
 */
import { hkdfSync } from 'node:crypto';
import type * as Sdk from '@modelcontextprotocol/server';
import type { CallToolResult, RequestStateCodec, ServerContext } from '@modelcontextprotocol/server';
import type { Random } from '../core/deps.js';
import { KID_PATTERN, type Keyring } from '../crypto/keyring.js';
import type { KvStore } from '../store/kv.js';

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

export interface ReauthFlowOptions {
  random: Pick<Random, 'bytes'>;
  /** Where used nonces are recorded: the deployment's store, shared by its replicas. */
  kv: Pick<KvStore, 'setIfAbsent'>;
  /** The store's encryption keyring: signs under `current`, verifies under any key it holds. */
  keyring: Pick<Keyring, 'current' | 'get'>;
}

/** Key prefix of used nonces (src/store/STORAGE.md). */
export const NONCE_PREFIX = 'reauth-nonce:';
const TTL_SECONDS = 600;
const HKDF_INFO = 'crm-mcp/mcp-reauth-request-state/v1';

/** True when this request is 2026-07-28 and its client declared URL-mode elicitation. */
export function wantsUrlElicitation(ctx: ServerContext): boolean {
  const caps = ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities' as never] as { elicitation?: { url?: unknown } } | undefined;
  return caps?.elicitation?.url !== undefined;
}

export function createReauthFlow(opts: ReauthFlowOptions): ReauthFlow {
  // Imported on first use: every command opens the app, few of them serve MCP.
  let sdk: Promise<typeof Sdk> | undefined;
  const load = () => (sdk ??= import('@modelcontextprotocol/server'));
  const codecs = new Map<string, RequestStateCodec<ReauthState>>();
  const codecFor = async (kid: string, key: Buffer): Promise<RequestStateCodec<ReauthState>> => {
    let codec = codecs.get(kid);
    if (!codec) {
      const derived = new Uint8Array(hkdfSync('sha256', key, new Uint8Array(0), HKDF_INFO, 32));
      codec = (await load()).createRequestStateCodec<ReauthState>({ key: derived, ttlSeconds: TTL_SECONDS, bind: (ctx) => ctx.mcpReq.method });
      codecs.set(kid, codec);
    }
    return codec;
  };
  return {
    async ask(ctx, accountId, tool, url, crm) {
      const { kid, key } = opts.keyring.current;
      const n = opts.random.bytes(16).toString('base64url');
      const state = `${kid}.${await (await codecFor(kid, key)).mint({ a: accountId, t: tool, n }, ctx)}`;
      const { inputRequired } = await load();
      return inputRequired({
        inputRequests: { reconnect: inputRequired.elicitUrl({ message: `The ${crm} connection must be re-authorized. Open the link, reconnect, then continue.`, url }) },
        requestState: state,
      }) as unknown as CallToolResult;
    },
    verifierFor(accountId) {
      return async (state, ctx) => {
        const dot = state.indexOf('.');
        const kid = state.slice(0, Math.max(dot, 0));
        if (!KID_PATTERN.test(kid)) throw new Error('malformed: no key id');
        const key = opts.keyring.get(kid);
        if (!key) throw new Error(`signed under key id '${kid}', which this server does not hold (removed after a rotation, or another deployment's)`);
        const p = await (await codecFor(kid, key)).verify(state.slice(dot + 1), ctx);
        if (p.a !== accountId) throw new Error('minted for another account');
        if (!(await opts.kv.setIfAbsent(NONCE_PREFIX + p.n, p.a, TTL_SECONDS * 1000))) throw new Error('already used');
        return p;
      };
    },
  };
}
