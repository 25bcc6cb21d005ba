import { describe, expect, it } from 'vitest';
import { runWith as accounts } from '../../src/cli/commands/accounts.js';
import { createMemoryDueQueue } from '../../src/tokens/due-queue.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { captureIo, memoryOperatorRuntime, oauthAccount } from '../cli/helpers/operator-runtime.js';

describe('export --hand-off with the real refresh scheduler', () => {
  it('handed-off accounts are never proactively refreshed; resume brings them back', async () => {
    const rt = memoryOperatorRuntime();
    const refreshed: string[] = [];
    const scheduler = createRefreshScheduler({
      clock: rt.clock,
      random: rt.deps.random,
      logger: rt.deps.logger,
      queue: createMemoryDueQueue(),
      refresh: async (id) => void refreshed.push(id),
      store: rt.accounts,
    });
    const real = { ...rt, scheduler };
    for (const id of ['keep', 'give-1', 'give-2']) {
      const a = await rt.accounts.put(oauthAccount({ id, tenant_id: id === 'keep' ? 'mine' : 'leaving' }));
      await scheduler.tokenStored(a);
    }
    expect((await scheduler.upcoming(10)).map((u) => u.account_id).sort()).toEqual(['give-1', 'give-2', 'keep']);

    const io = captureIo();
    expect(await accounts(['export', '--tenant', 'leaving', '--include-secrets', '--hand-off', '--json'], io, async () => real)).toBe(0);
    expect(JSON.parse(io.stdoutText()).map((r: { id: string }) => r.id)).toEqual(['give-1', 'give-2']);
    expect((await scheduler.upcoming(10)).map((u) => u.account_id)).toEqual(['keep']);

    rt.clock.advance(31 * 60_000);
    await scheduler.tick(rt.clock.now());
    expect(refreshed).toEqual(['keep']);

    expect(await accounts(['resume', 'give-1', '--json'], captureIo(), async () => real)).toBe(0);
    expect((await scheduler.upcoming(10)).map((u) => u.account_id)).toContain('give-1');
    expect(rt.auditLog.entries.filter((e) => e.operation === 'export_secrets').map((e) => e.account_id)).toEqual(['give-1', 'give-2']);
  });
});
