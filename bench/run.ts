/**
 * npm run bench [-- --quick] [-- --only=ingest,...]: Sport Connect's speed, each figure next to a
 * baseline measured in the same run (these machines are shared and noisy: ratios travel, absolute
 * figures less so). Progress on stderr; results as JSON under bench/results/ and a table on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { chromium } from 'playwright-core';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { benchBrokers } from './broker-bench.ts';
import { benchIngest } from './ingest-bench.ts';
import { progress } from './lib.ts';
import { benchLive } from './live-bench.ts';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (section: string) => !only || only.includes(section);

const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  quick,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
};

const influxd = await startInfluxd();
try {
  if (wanted('ingest')) results.ingest = await benchIngest(influxd, quick);
} finally {
  await influxd.dispose();
}
if (wanted('broker')) results.brokers = await benchBrokers(quick);
if (wanted('live')) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    Object.assign(results, await benchLive(browser, quick));
  } finally {
    await browser.close();
  }
}

mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${String(results.startedAt).replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`;
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
progress(`results in ${file}`);
console.log(JSON.stringify(results, null, 2));
