import { TEST_METRICS_TOKEN } from './up-stack.ts';

/** The Prometheus text of a test stack, read as a scraper with the stack's METRICS_TOKEN would. */
export async function readMetrics(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** One sample of a Prometheus text exposition, or 0 when the series is absent. */
export async function readMetric(baseUrl: string, series: string): Promise<number> {
  const text = await readMetrics(baseUrl);
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
