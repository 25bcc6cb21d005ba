/**
 * The provider fake's own CPU per request, alone (not part of `npm run bench`): the fake in its own
 * process (provider-child.ts, as the bench runs it), this process calling it in closed loops over
 * undici with the URLs the bench's 'direct' target uses, the fake's cpuUsage read by the probe.
 * Rounds of each scenario; prints the median and the spread of the fake's and this process's CPU
 * per call, and calls/s. With --profile, instead a CPU profile of the fake under the c=8 list load
 * (profile.ts's analysis), written to the given .cpuprofile file.
 *   node --import tsx test/bench/fake-cpu.ts [--rounds 7] [--ms 1500] [--profile <file>]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../helpers/dist.js';
import { closedLoop, httpCall, pool, type Call } from './load.js';
import { startProvider } from './provider.js';
import { profileServe, renderProfile } from './profile.js';
import { median, round } from './stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, ms: { type: 'string', default: '1500' }, profile: { type: 'string' } } });
const rounds = Number(values.rounds);
const loopMs = Number(values.ms);

const definition = JSON.parse(readFileSync(join(ROOT, 'integrations/hubspot.json'), 'utf8')) as { resources: { contacts: { fields: string[] } } };
const props = `properties=${encodeURIComponent(definition.resources.contacts.fields.join(','))}`;
const provider = await startProvider();
const dispatcher = pool();
try {
  const headers = { authorization: `Bearer ${provider.grant.accessToken}`, accept: 'application/json' };
  const count = (text: string) => ((JSON.parse(text) as { results?: unknown[]; id?: string }).results ?? [0]).length;
  const scenarios: Array<{ name: string; call: Call; concurrency: number; expect: number }> = [
    { name: 'list 100, c=1', call: httpCall(`${provider.url}/crm/v3/objects/contacts?limit=100&${props}`, { method: 'GET', headers, dispatcher, count }), concurrency: 1, expect: 100 },
    { name: 'list 100, c=8', call: httpCall(`${provider.url}/crm/v3/objects/contacts?limit=100&${props}`, { method: 'GET', headers, dispatcher, count }), concurrency: 8, expect: 100 },
    { name: 'get, c=1', call: httpCall(`${provider.url}/crm/v3/objects/contacts/100001?${props}`, { method: 'GET', headers, dispatcher, count }), concurrency: 1, expect: 1 },
  ];
  if (values.profile) {
    const target = { name: 'provider fake', role: 'direct' as const, probe: provider.proc.probe, calls: { list: scenarios[0]!.call, get: scenarios[2]!.call } };
    process.stdout.write(`${renderProfile(await profileServe(target, { seconds: 8, concurrency: 8, file: values.profile }))}\n`);
  }
  for (const s of values.profile ? [] : scenarios) {
    await closedLoop(s.call, s.concurrency, 1000, s.expect);
    const fake: number[] = [];
    const own: number[] = [];
    const rate: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const f0 = await provider.proc.probe.cpuMs();
      const o0 = process.cpuUsage();
      const res = await closedLoop(s.call, s.concurrency, loopMs, s.expect);
      const o1 = process.cpuUsage(o0);
      const f1 = await provider.proc.probe.cpuMs();
      if (Object.keys(res.failures).length > 0) throw new Error(`${s.name}: ${JSON.stringify(res.failures)}`);
      fake.push((f1 - f0) / res.calls);
      own.push((o1.user + o1.system) / 1000 / res.calls);
      rate.push(res.calls / res.seconds);
    }
    const fmt = (xs: number[], d = 3) => `${round(median(xs), d)} (${round(Math.min(...xs), d)}–${round(Math.max(...xs), d)})`;
    process.stdout.write(`${s.name}: fake CPU ${fmt(fake)} ms/call | load generator CPU ${fmt(own)} ms/call | ${fmt(rate, 0)} calls/s\n`);
  }
} finally {
  await dispatcher.close();
  await provider.close();
}
