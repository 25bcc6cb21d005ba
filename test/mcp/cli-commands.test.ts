/** The tokens and serve commands in-process, with an in-memory runtime injected. */
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { serve, tokens } from '../cli/helpers/cli.js';
import { mcpPost, LIST_CALL } from '../http/helpers.js';
import { captureIo, memoryRuntime } from './helpers/memory-runtime.js';

describe('crm-mcp tokens', () => {
  it('create shows the token once, list hides it, revoke revokes; --json parses', async () => {
    const rt = await memoryRuntime();
    const open = async () => rt;
    const io = captureIo();
    expect(await tokens(['create', '--tenant', 'tenant-a', '--account', 'a-acct', '--expires-in', '30d', '--json'], io, open)).toBe(0);
    const created = JSON.parse(io.out.join('')) as { token: string; id: string; expires_at: string };
    expect(created.token).toMatch(/^cmcp_/);
    expect(created.expires_at).toBe(new Date(rt.clock.now() + 30 * 86_400_000).toISOString());

    const list = captureIo();
    expect(await tokens(['list', '--json'], list, open)).toBe(0);
    expect(list.out.join('')).not.toContain(created.token.split('_').slice(2).join('_'));
    expect(JSON.parse(list.out.join(''))).toEqual([expect.objectContaining({ id: created.id, state: 'active', tenant_id: 'tenant-a' })]);

    const rev = captureIo();
    expect(await tokens(['revoke', created.id], rev, open)).toBe(0);
    const after = captureIo();
    await tokens(['list'], after, open);
    expect(after.out.join('')).toMatch(new RegExp(`${created.id}\\s+revoked`));
    expect(rt.closed).toBe(4);
  });

  it('fails with a one-line reason and non-zero exit on bad input', async () => {
    const rt = await memoryRuntime();
    const open = async () => rt;
    const cases: Array<[string[], number, RegExp]> = [
      // Another tenant's account is "not found", exactly like a missing one: nothing is learned about other tenants.
      [['create', '--tenant', 'tenant-b', '--account', 'a-acct'], 3, /tenant 'tenant-b' has no account 'a-acct'/],
      [['create', '--tenant', 'tenant-b', '--account', 'nope'], 3, /tenant 'tenant-b' has no account 'nope'/],
      [['create', '--tenant', 'tenant-a'], 2, /--tenant and --account are required/],
      [['create', '--tenant', 'tenant-a', '--account', 'a-acct', '--expires-in', '3 weeks'], 2, /invalid duration/],
      [['revoke', 'nope'], 3, /no token 'nope'/],
      [['frobnicate'], 2, /unknown subcommand/],
      [['list', '--bogus'], 2, /unknown option '--bogus'/i],
    ];
    for (const [argv, code, msg] of cases) {
      const io = captureIo();
      expect(await tokens(argv, io, open), argv.join(' ')).toBe(code);
      expect(io.err.join(''), argv.join(' ')).toMatch(msg);
    }
  });
});

describe('crm-mcp serve', () => {
  it('refuses --no-auth unless bound to loopback, and --no-auth without --account', async () => {
    const rt = await memoryRuntime();
    for (const [argv, msg] of [
      [['--account', 'a-acct', '--no-auth', '--host', '0.0.0.0'], /refusing --no-auth on non-loopback address '0.0.0.0'/],
      [['--account', 'a-acct', '--no-auth', '--host', '192.168.1.10'], /refusing --no-auth/],
      [['--no-auth'], /--no-auth needs --account/],
      [['--port', '70000'], /--port must be/],
    ] as const) {
      const io = captureIo();
      expect(await serve([...argv], io, async () => rt)).toBe(2);
      expect(io.err.join('')).toMatch(msg);
    }
  });

  it('serves with tokens until stopped; a token created by the tokens command works', async () => {
    const rt = await memoryRuntime();
    const open = async () => rt;
    const mk = captureIo();
    await tokens(['create', '--tenant', 'tenant-b', '--account', 'b-acct', '--json'], mk, open);
    const { token } = JSON.parse(mk.out.join('')) as { token: string };

    const stop = new AbortController();
    const io = captureIo();
    const done = serve(['--port', '0'], io, open, { stop: stop.signal });
    await expect.poll(() => io.out.join('')).toContain('listening');
    const { listening } = JSON.parse(io.out.join('')) as { listening: string };
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(listening), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const { tools } = await client.listTools();
    expect(tools[0]?.description).toContain('Salesforce');
    await client.close();
    expect((await mcpPost(listening, LIST_CALL)).status).toBe(401);
    stop.abort();
    expect(await done).toBe(0);
  });
});
