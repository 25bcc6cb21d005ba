/**
 * The part of panva's oidc-provider (a JavaScript package without bundled types) that the test
 * peer uses, typed by hand rather than adding @types/oidc-provider for a handful of members.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface OidcContext {
    oidc: { params?: Record<string, unknown> };
  }
  interface ClientLike {
    grantTypeAllowed(type: string): boolean;
  }
  interface TokenLike {
    readonly isExpired: boolean;
    readonly consumed?: unknown;
    readonly grantId: string;
  }
  interface GrantLike {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(indicator: string, scope: string): void;
    save(): Promise<string>;
  }
  interface InteractionDetails {
    uid: string;
    prompt: { name: string; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId: string };
    grantId?: string;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: 'grant.success', listener: (ctx: OidcContext) => void): this;
    on(event: 'grant.error', listener: (ctx: OidcContext, err: { error_description?: string }) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    readonly AccessToken: { find(token: string): Promise<TokenLike | undefined> };
    readonly RefreshToken: { find(token: string): Promise<TokenLike | undefined> };
    readonly Grant: {
      new (init: { accountId: string; clientId: string }): GrantLike;
      find(id: string): Promise<GrantLike | undefined>;
    };
  }
  export type { ClientLike };
}
