/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3.1)
 * as one strategy value that every request builder applies, so the three kinds of call cannot
 * authenticate differently. The credentials go into the request only, never into a message.
 */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

export interface ClientCredentials {
  clientId: string;
  /** Absent (or empty) for a client without a secret. */
  clientSecret?: string;
}

/** Adds the client's credentials to a form-encoded request. */
export type ClientAuth = (form: URLSearchParams, headers: Record<string, string>) => void;

export function clientAuth(method: ClientAuthMethod, client: ClientCredentials): ClientAuth {
  if (method === 'client_secret_basic') {
    const enc = (s: string) => encodeURIComponent(s);
    const basic = 'Basic ' + Buffer.from(`${enc(client.clientId)}:${enc(client.clientSecret ?? '')}`).toString('base64');
    return (_form, headers) => {
      headers.authorization = basic;
    };
  }
  return (form) => {
    form.set('client_id', client.clientId);
    if (client.clientSecret) form.set('client_secret', client.clientSecret);
  };
}
