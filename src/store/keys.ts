/** Every key the product writes. STORAGE.md beside this file documents each prefix. */
export const keys = {
  account: (id: string) => `acct:${id}`,
  accountPrefix: 'acct:',
  idFromAccountKey: (key: string) => key.slice('acct:'.length),
} as const;
