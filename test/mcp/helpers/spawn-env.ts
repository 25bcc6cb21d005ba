import type { FakeCrms } from './fake-crms.js';

/** The command and environment that run real-cli.ts (real engine) against the fake CRMs. */
export function realCliCommand(crms: FakeCrms, args: string[]): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', 'test/mcp/helpers/real-cli.ts', ...args],
    env: {
      ...(process.env as Record<string, string>),
      CRM_MCP_TEST_ACCOUNTS: JSON.stringify(crms.accounts),
      CRM_MCP_TEST_ALLOWED_HOSTS: crms.extraAllowedHosts.join(','),
      CRM_MCP_TEST_ENV_OVERRIDES: JSON.stringify(crms.envOverrides),
    },
  };
}
