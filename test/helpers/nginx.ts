import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { requireSystemProgram } from './system-service.ts';
import { waitFor } from './wait-for.ts';

const NGINX = '/usr/sbin/nginx';

export const hasNginx = (): boolean => requireSystemProgram(NGINX, 'apt-get install nginx-light');

/**
 * The deployment's proxy (deploy/nginx/nginx.conf, as docker-compose runs it) on a free port of this
 * machine, its upstreams replaced by the given addresses: the same routing, buffering and retry rules.
 */
export async function startNginxProxy(upstreams: readonly string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sc-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const deployed = readFileSync(new URL('../../deploy/nginx/nginx.conf', import.meta.url), 'utf8');
  if (!/^\s*server \S+:8080\b/m.test(deployed)) throw new Error('deploy/nginx/nginx.conf has no upstream servers');
  // Each upstream block's servers, replaced by the given ones with the same options.
  const config = deployed
    .replace(/((?:^\s*server \S+:8080[^;]*;\n)+)/gm, (block: string) => {
      const options = /:8080( [^;]*)?;/.exec(block)?.[1] ?? '';
      return upstreams.map((address) => `    server ${address}${options};\n`).join('');
    })
    .replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^http \{$/m, `http {\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  access_log off;`);
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log;`],
    {
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health/live`).catch(() => null)) !== null, { what: 'nginx listening', timeoutMs: 15_000 });
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
