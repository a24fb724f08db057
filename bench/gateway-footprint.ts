/**
 * Bench 5, the gateway's part: `node --import tsx bench/gateway-footprint.ts '<json>'` runs the real
 * gateway over real noble with an emulated radio holding `athletes` virtual straps (five per adapter),
 * publishing to `brokerUrl`, and prints its resident memory once a second as JSON lines. The radio and
 * the straps live in this process too, so the figure is an upper bound of a gateway's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startClassViaBle } from '../cli/simulated-class-via-ble.ts';

const { brokerUrl, athletes, seconds } = JSON.parse(process.argv[2]!) as { brokerUrl: string; athletes: number; seconds: number };
const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-gateway-'));
const gateway = await startClassViaBle({
  brokerUrl,
  club: 'bench',
  gateway: 'gw-footprint',
  athletes,
  seed: 7,
  joinAtS: 60,
  dataDir,
  logger: pino({ level: 'error' }, pino.destination(2)),
});
for (let second = 1; second <= seconds; second++) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  console.log(JSON.stringify({ second, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) }));
}
await gateway.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
