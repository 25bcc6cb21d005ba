import { describe, expect, it } from 'vitest';
import { ACCOUNT_STATUSES } from '../../src/accounts/model.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { makeAccount } from '../helpers/accounts.js';
import { manualClock } from '../helpers/manual-clock.js';
import type { AccountEvent, AccountEventType } from '../../src/accounts/state-machine.js';
import { IllegalTransitionError, canTransition, transition } from '../../src/accounts/state-machine.js';

const EVENTS: Record<AccountEventType, AccountEvent> = {
  validated: { type: 'validated' },
  post_install_failed: { type: 'post_install_failed', reason: 'x' },
  validation_failed: { type: 'validation_failed', reason: 'x' },
  auth_revoked: { type: 'auth_revoked', reason: 'x' },
  reauthorized: { type: 'reauthorized' },
  retry_succeeded: { type: 'retry_succeeded' },
};

// The lifecycle as the product brief states it, written out independently of the implementation's table.
const EXPECTED = new Set([
  'connecting|validated|active',
  'connecting|post_install_failed|post_install_error',
  'connecting|validation_failed|validation_error',
  'active|auth_revoked|needs_reauth',
  'needs_reauth|reauthorized|active',
  'post_install_error|retry_succeeded|active',
  'validation_error|retry_succeeded|active',
]);

describe('account state machine', () => {
  it('lists exactly the legal transitions of the brief', () => {
    const listed = new Set(ACCOUNT_STATUSES.flatMap((from) => Object.values(EVENTS).filter((e) => canTransition(from, e.type)).map((e) => `${from}|${e.type}|${transition(from, e)}`)));
    expect(listed).toEqual(EXPECTED);
  });

  for (const from of ACCOUNT_STATUSES) {
    for (const event of Object.values(EVENTS)) {
      const legal = [...EXPECTED].find((k) => k.startsWith(`${from}|${event.type}|`));
      if (legal) {
        it(`${from} --${event.type}--> ${legal.split('|')[2]}`, () => {
          expect(transition(from, event)).toBe(legal.split('|')[2]);
          expect(canTransition(from, event.type)).toBe(true);
        });
      } else {
        it(`${from} --${event.type}--> rejected`, () => {
          expect(canTransition(from, event.type)).toBe(false);
          let caught: unknown;
          try {
            transition(from, event);
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(IllegalTransitionError);
          expect((caught as IllegalTransitionError).code).toBe('illegal_transition');
          expect((caught as IllegalTransitionError).from).toBe(from);
          expect((caught as IllegalTransitionError).event).toBe(event.type);
        });
      }
    }
  }

  it('an illegal transition inside a store update throws and writes nothing', async () => {
    const clock = manualClock();
    const store = createAccountStore({ kv: createMemoryKv(clock), codec: plainCodec, clock });
    const saved = await store.put(makeAccount('sm1', { status: 'connecting' }));
    await expect(store.update('sm1', (a) => ({ ...a, status: transition(a.status, { type: 'auth_revoked', reason: 'x' }) }))).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await store.get('sm1')).toEqual(saved);
  });
});
