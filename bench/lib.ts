/** What the bench sections share: progress lines, child processes of ours, their memory, percentiles. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { PublisherPlan, PublisherReport } from './publisher.ts';

const CLI = fileURLToPath(new URL('../bin/sport-connect.js', import.meta.url));
const PUBLISHER = fileURLToPath(new URL('./publisher.ts', import.meta.url));
const benchStarted = performance.now();

/** Errors only, for the parts the bench runs in its own process (influx client, stores). */
export const quietLogger = pino({ level: 'error' }, pino.destination(2));

/** One progress line on stderr, with the time since the bench started. */
export function progress(message: string): void {
  const elapsed = ((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${elapsed}s] ${message}\n`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process, MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** CPU time a process has used so far (user + system), seconds, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface RunningChild {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** A `sport-connect` command in its own process, ready once its log says `readyLine`. */
export async function startSportConnect(command: string, env: Record<string, string>, readyLine: string): Promise<RunningChild> {
  // BENCH_PROFILE=folder: a CPU profile of each of our processes lands there (node --cpu-prof).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, CLI, command], {
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // BENCH_LOG=1: our processes' logs on the bench's stderr, for a run that goes wrong.
  if (process.env.BENCH_LOG) child.stderr!.pipe(process.stderr);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sport-connect ${command} did not start:\n${log}`)), 60_000);
    const check = () => {
      if (!log.includes(readyLine)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`sport-connect ${command} exited with ${code}:\n${log}`)));
  });
  return {
    child,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(forced);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Gateways in a process of their own (bench/publisher.ts): connected on start, publishing on go(). */
export async function startPublisher(plan: PublisherPlan): Promise<{ go(): Promise<PublisherReport>; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', PUBLISHER, JSON.stringify(plan)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the publisher exited with ${code}`)));
    });
  await next();
  return {
    pid: child.pid!,
    async go() {
      const done = next();
      child.stdin!.write('go\n');
      const report = JSON.parse(await done) as PublisherReport;
      child.stdin!.end();
      return report;
    },
  };
}

/** The value of one Prometheus counter or gauge in a /metrics text (0 when absent). */
export async function metricValue(url: string, name: string, headers: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(url, { headers })).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const GATEWAY_FOOTPRINT = fileURLToPath(new URL('./gateway-footprint.ts', import.meta.url));

/** The gateway with `athletes` emulated straps for `seconds`: its resident memory, MB, once a second. */
export async function gatewayFootprint(brokerUrl: string, athletes: number, seconds: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', GATEWAY_FOOTPRINT, JSON.stringify({ brokerUrl, athletes, seconds })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const samples: number[] = [];
  for await (const line of createInterface({ input: child.stdout! })) samples.push((JSON.parse(line) as { rssMb: number }).rssMb);
  return samples;
}
