/**
 * The jsonata library, required as the CommonJS module it is. `import jsonata from 'jsonata'`
 * makes Node's ESM loader scan its ~300 KB bundle for named exports first, which costs every
 * process tens of milliseconds at startup (measured: 50–80 ms vs 7–10 ms on a loaded machine).
 */
import { createRequire } from 'node:module';
import type Jsonata from 'jsonata';

export const jsonata = createRequire(import.meta.url)('jsonata') as typeof Jsonata;
