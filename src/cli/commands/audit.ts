/** `crm-mcp audit`: the credential-operation trail, filtered. Entries never hold secrets. */
import type { CliIo } from '../../cli/io.js';
import type { OpenOperatorRuntime } from '../../cli/open.js';
import { EXIT, EXIT_CODES_DOC, flagsOf, out, parse, parseTimeFlag, runCommand, STORE_FLAGS_DOC, usageError } from './kit.js';

export const AUDIT_USAGE = `Usage:
  crm-mcp audit [--account <id>] [--tenant <t>] [--operation <op>] [--since <ISO|7d>] [--until <ISO|1h>]
                [--limit 100] [--json]
${STORE_FLAGS_DOC}
${EXIT_CODES_DOC}
`;

const OPTIONS = {
  account: { type: 'string' },
  tenant: { type: 'string' },
  operation: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
} as const;

export async function runAudit(argv: string[], io: CliIo, open: OpenOperatorRuntime): Promise<number> {
  let values: ReturnType<typeof parse<typeof OPTIONS>>['values'] | undefined;
  return runCommand(
    'audit',
    io,
    () => Boolean(values?.json) || argv.includes('--json'),
    AUDIT_USAGE,
    async ({ runtime }) => {
      const parsed = parse(argv, OPTIONS);
      values = parsed.values;
      const v = values;
      if (v.help) {
        io.stdout(AUDIT_USAGE);
        return EXIT.ok;
      }
      if (parsed.positionals.length > 0) throw usageError('audit takes no positional arguments');
      const limit = v.limit === undefined ? 100 : Number(v.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw usageError('--limit must be an integer from 1 to 100000');
      const rt = await runtime();
      const now = rt.deps.clock.now();
      const entries = await rt.audit.query({
        ...(v.account ? { accountId: v.account } : {}),
        ...(v.tenant ? { tenantId: v.tenant } : {}),
        ...(v.operation ? { operation: v.operation } : {}),
        ...(v.since ? { since: parseTimeFlag(v.since, '--since', now) } : {}),
        ...(v.until ? { until: parseTimeFlag(v.until, '--until', now) } : {}),
        limit,
      });
      out(
        io,
        v.json,
        { entries },
        entries.length === 0
          ? 'no audit entries'
          : entries.map((e) => `${e.time}  ${e.operation.padEnd(16)} ${e.outcome.padEnd(7)} actor=${e.actor}${e.tenant_id ? ` tenant=${e.tenant_id}` : ''}${e.account_id ? ` account=${e.account_id}` : ''}${e.details ? ' ' + JSON.stringify(e.details) : ''}`).join('\n'),
      );
      return EXIT.ok;
    },
    open,
    () => flagsOf(values ?? {}),
  );
}
