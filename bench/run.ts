/**
 * npm run bench [-- --quick] [-- --only=ingest,registry,broker,gateway,live]: Sport Connect's speed, each figure
 * next to a baseline measured in the same run where one exists (these machines are shared and noisy:
 * ratios travel, absolute figures less so). Progress on stderr; the results as JSON under
 * bench/results/ (latest.json the newest) and as a Markdown table on stdout, for README.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { launchChromium } from '../test/helpers/chromium.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { benchBrokers } from './broker-bench.ts';
import { benchIngest } from './ingest-bench.ts';
import { gatewayFootprint, progress } from './lib.ts';
import { benchLive } from './live-bench.ts';
import { benchRegistry } from './registry-bench.ts';
import { markdownTable } from './results-table.ts';

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

if (wanted('ingest')) {
  const influxd = await startInfluxd();
  try {
    results.ingest = await benchIngest(influxd, quick);
  } finally {
    await influxd.dispose();
  }
}
if (wanted('registry')) results.registry = await benchRegistry(quick);
if (wanted('broker')) results.brokers = await benchBrokers(quick);
if (wanted('gateway')) {
  const athletes = 40;
  const seconds = quick ? 6 : 120;
  progress(`gateway with ${athletes} emulated straps for ${seconds} s…`);
  const mosquitto = await startMosquitto();
  try {
    const rss = await gatewayFootprint(mosquitto.url, athletes, seconds);
    results.gateway = { athletes, seconds, rssMb: { first: rss[0], end: rss.at(-1), peak: Math.max(...rss) } };
    progress(`gateway: ${rss.at(-1)} MB at the end, ${Math.max(...rss)} MB peak`);
  } finally {
    await mosquitto.dispose();
  }
}
if (wanted('live')) {
  const browser = await launchChromium();
  try {
    Object.assign(results, await benchLive(browser, quick));
  } finally {
    await browser.close();
  }
}

mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${String(results.startedAt).replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`;
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
progress(`results in ${file}`);
// latest.json holds the newest full figures of every section: a run of some sections replaces those.
const LATEST = 'bench/results/latest.json';
if (!quick) {
  const previous = only && existsSync(LATEST) ? (JSON.parse(readFileSync(LATEST, 'utf8')) as Record<string, unknown>) : {};
  const sections = Object.fromEntries(
    Object.keys(results)
      .filter((key) => !['startedAt', 'quick', 'machine', 'sections'].includes(key))
      .map((key) => [key, results.startedAt]),
  );
  const latest = { ...previous, ...results, sections: { ...(previous.sections as object | undefined), ...sections } };
  writeFileSync(LATEST, `${JSON.stringify(latest, null, 2)}\n`);
  console.log(markdownTable(latest));
} else console.log(markdownTable(results));
