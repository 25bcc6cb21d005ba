/**
 * The operator's own OAuth clients ("bring your own client"), per integration and optionally
 * per environment. Sources, most specific first, each tried for the environment and then the
 * integration default; a client id and its secret always come from the same source:
 *   1. env vars   CRM_MCP_<INTEGRATION>_<ENVIRONMENT>_CLIENT_ID / _CLIENT_SECRET,
 *                 then CRM_MCP_<INTEGRATION>_CLIENT_ID / _CLIENT_SECRET
 *   2. the store  (secrets sealed, see store.ts)
 *   3. the config file's `oauthClients` section (this schema)
 */
import { z } from 'zod';

export const OAuthClientEntrySchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
  /** Overrides the integration's default scopes. */
  scopes: z.array(z.string().min(1)).optional(),
});
export type OAuthClientEntry = z.infer<typeof OAuthClientEntrySchema>;

export const OAuthClientsConfigSchema = z.record(
  z.string().min(1),
  OAuthClientEntrySchema.partial().extend({
    environments: z.record(z.string().min(1), OAuthClientEntrySchema).optional(),
  }),
);
export type OAuthClientsConfig = z.infer<typeof OAuthClientsConfigSchema>;

/** `hubspot` → `HUBSPOT`, `my-crm` → `MY_CRM`. */
export function envName(part: string): string {
  return part.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export function envVarNames(integration: string, environment?: string): { id: string; secret: string } {
  const base = `CRM_MCP_${envName(integration)}${environment ? '_' + envName(environment) : ''}`;
  return { id: `${base}_CLIENT_ID`, secret: `${base}_CLIENT_SECRET` };
}
