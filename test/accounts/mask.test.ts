import { describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { maskContext } from '../../src/transfer/export.js';
import { makeAccount } from '../helpers/accounts.js';

/** What listings and `show` print of an account (src/connect/cli/accounts.ts maskedAccount). */
const maskAccount = (a: LinkedAccount, fields: readonly string[] = []) => ({ ...a, context: maskContext(a.context, fields) as LinkedAccount['context'] });

describe('masking an account for a listing', () => {
  it('masks every secret as **** + last 4, leaves the rest and the input untouched', () => {
    const a = makeAccount('m1', {
      context: { oauth: { token: { access_token: 'AT-abcdefgh1234', refresh_token: 'RT-zyxwvuts9876', scope: 'crm.read' } }, instance_url: 'https://x' },
    });
    const m = maskAccount(a);
    expect(m.context.oauth?.token).toMatchObject({ access_token: '****1234', refresh_token: '****9876', scope: 'crm.read' });
    expect(m.context.instance_url).toBe('https://x');
    expect(a.context.oauth?.token.access_token).toBe('AT-abcdefgh1234');
    expect(JSON.stringify(m)).not.toMatch(/AT-abcdefgh|RT-zyxwvuts/);
  });

  it('fully masks short values, API keys and definition-marked fields of any type', () => {
    const a = makeAccount('m2', { authentication_method: 'api_key', context: { api_key: 'short', signing: { k: 'SIGNSECRET-1' }, pin: '12345678abcd' } });
    const m = maskAccount(a, ['signing', 'pin']);
    expect(m.context.api_key).toBe('****');
    expect(m.context.signing).toBe('****');
    expect(m.context.pin).toBe('****abcd');
    expect(JSON.stringify(m)).not.toContain('SIGNSECRET');
  });
});
