/**
 * How to start a sibling bench script in a child process: the compiled `.js` with node, or
 * the `.ts` source through tsx when the bench itself runs from source (the vitest smoke test).
 */
import { fileURLToPath } from 'node:url';

export function selfScript(fromUrl: string, name: string, nodeFlags: string[] = []): { command: string; args: string[] } {
  const fromSource = fromUrl.endsWith('.ts');
  const file = fileURLToPath(new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, fromUrl));
  return { command: process.execPath, args: [...nodeFlags, ...(fromSource ? ['--import', 'tsx'] : []), file] };
}
