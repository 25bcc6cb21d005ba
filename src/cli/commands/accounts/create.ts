/**
 * `accounts create` for accounts that need no consent screen: API-key accounts (the key read
 * from an env var or stdin — never from argv, which other users can see) and OAuth
 * client-credentials accounts (the operator's client). The account starts `connecting`; one
 * lightweight call decides `active` or `validation_error` (through the lifecycle service).
 */
import { AuthMethodSchema, type LinkedAccount } from '../../../accounts/model.js';
import { newAccountId } from '../../../connect/complete.js';
import type { OperatorRuntime } from '../../../connect/runtime.js';
import { changeStatus } from '../../../tokens/lifecycle.js';
import { EXIT, failure, notFound, usageError } from '../../exit.js';
import type { CliIo } from '../../io.js';
import { out } from '../../kit.js';
import type { AccountsValues } from './manage.js';
import { maskedAccount } from './masked.js';

async function readStdin(io: CliIo): Promise<string> {
  if (!io.stdin) throw usageError('--api-key-stdin needs a stdin');
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8').trim();
}

export async function runCreate(io: CliIo, v: AccountsValues, runtime: () => Promise<OperatorRuntime>): Promise<number> {
  if (!v.tenant || !v.integration || !v.authMethod) throw usageError('--tenant, --integration and --auth-method are required');
  const method = AuthMethodSchema.safeParse(v.authMethod);
  if (!method.success || method.data === 'oauth2') throw usageError(`--auth-method must be api_key or oauth2_client_credentials (OAuth consent accounts come from 'crm-mcp links create' or 'crm-mcp connect')`);
  let apiKey: string | undefined;
  if (method.data === 'api_key') {
    if (Boolean(v.apiKeyEnv) === Boolean(v.apiKeyStdin)) throw usageError('an api_key account needs exactly one of --api-key-env <VAR> or --api-key-stdin');
    apiKey = v.apiKeyEnv ? io.env[v.apiKeyEnv] : await readStdin(io);
    if (!apiKey) throw usageError(v.apiKeyEnv ? `environment variable ${v.apiKeyEnv} is empty or unset` : 'no API key on stdin');
  }

  const rt = await runtime();
  const info = rt.integration(v.integration);
  if (!info) throw notFound(`unknown integration '${v.integration}'`);
  if (!info.authMethods.includes(method.data)) throw usageError(`integration '${v.integration}' does not support ${method.data} (it supports ${info.authMethods.join(', ')})`);
  const environment = v.environment ?? 'production';
  if (method.data === 'oauth2_client_credentials') await rt.oauthClients.resolveOAuthClient(v.integration, environment);
  const id = v.id ?? newAccountId(rt.deps.random);
  if (await rt.accounts.get(id)) throw failure('exists', `account '${id}' already exists`);

  const now = new Date(rt.deps.clock.now()).toISOString();
  const account: LinkedAccount = await rt.accounts.put({
    id,
    tenant_id: v.tenant,
    integration: v.integration,
    environment,
    status: 'connecting',
    authentication_method: method.data,
    context: apiKey ? { api_key: apiKey } : {},
    created_at: now,
    updated_at: now,
    last_error: null,
    version: 0,
  });
  const verdict = await rt.verifier.validate(account).catch((err: unknown) => ({ ok: false as const, kind: 'failed' as const, code: 'error', reason: (err as Error).message }));
  const { account: final } = await changeStatus({ accounts: rt.accounts, clock: rt.deps.clock, logger: rt.deps.logger, audit: rt.audit, webhooks: rt.webhooks }, id, {
    actor: 'cli',
    decide: () => ({ event: verdict.ok ? { type: 'validated' } : { type: 'validation_failed', reason: verdict.reason } }),
    error: verdict.ok ? null : { code: verdict.code, message: verdict.reason },
    audit: {
      operation: 'create',
      outcome: verdict.ok ? 'success' : 'failure',
      details: (a) => ({ integration: a.integration, authentication_method: method.data, status: a.status, ...(verdict.ok ? {} : { reason: verdict.reason }) }),
    },
  });
  if (!verdict.ok) {
    if (v.json) out(io, true, { ok: false, account: maskedAccount(final, rt.integration(final.integration)?.secretContextFields), error: { code: verdict.code, message: verdict.reason } }, '');
    io.stderr(`crm-mcp accounts create: account ${id} stored as validation_error: ${verdict.reason}\n`);
    return EXIT.failure;
  }
  out(io, v.json, { ok: true, account: maskedAccount(final, rt.integration(final.integration)?.secretContextFields) }, `created ${id} (${final.integration}, ${method.data}) — active`);
  return EXIT.ok;
}
