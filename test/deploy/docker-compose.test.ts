import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { ApiConfig } from '../../api/config.ts';
import { IngestConfig } from '../../ingest/config.ts';

// docker-compose.yml cannot run here (no Docker engine); this checks what can be checked without one.

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  ports?: string[];
}

const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as { services: Record<string, ComposeService> };
const exampleEnv = Object.fromEntries(
  readFileSync(new URL('.env.example', root), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
);
/** ${VAR} as docker compose substitutes it from .env. */
const substitute = (value: string) => value.replace(/\$\{([A-Z_]+)\}/g, (_match, name: string) => exampleEnv[name] ?? `<missing ${name}>`);

const SCHEMAS: Record<string, z.ZodObject> = { ingest: IngestConfig, api: ApiConfig };
const ourServices = Object.entries(compose.services).filter(([, service]) => service.image?.startsWith('sport-connect'));

describe('docker-compose.yml', () => {
  it('runs ingest and api from our image, and not the embedded broker', () => {
    expect([...new Set(ourServices.map(([, service]) => service.command?.[0]))].sort()).toEqual(['api', 'ingest']);
  });

  it('runs ingest as workers of one share group, each with its own client id and its own volume for its queue', () => {
    const workers = ourServices.filter(([, service]) => service.command?.[0] === 'ingest').map(([, service]) => service);
    expect(workers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(workers.map((worker) => worker.environment?.INGEST_SHARE_GROUP)).size).toBe(1);
    expect(workers[0]!.environment?.INGEST_SHARE_GROUP).toBeTruthy();
    expect(new Set(workers.map((worker) => worker.environment?.INGEST_CLIENT_ID)).size).toBe(workers.length);
    const volumes = workers.map((worker) => worker.volumes ?? []);
    expect(volumes.every((mounts) => mounts.length === 1 && mounts[0]!.endsWith(':/data'))).toBe(true);
    expect(new Set(volumes.flat()).size).toBe(workers.length);
  });

  it('keeps the registry on PostgreSQL, the same database for every worker and replica', () => {
    const postgres = compose.services.postgres!;
    expect(postgres.image).toMatch(/^postgres:\d+/);
    expect(postgres.volumes?.[0]).toMatch(/^postgres-data:/);
    const env = postgres.environment!;
    const expected = `postgres://${env.POSTGRES_USER}:${env.POSTGRES_PASSWORD}@postgres:5432/${env.POSTGRES_DB}`;
    for (const [, service] of ourServices) expect(service.environment?.DATABASE_URL).toBe(expected);
    expect(exampleEnv.POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9-]+$/); // used in the URL as it is
  });

  it.each(ourServices)('passes %s only variables its config schema accepts, with values that validate', (_name, service) => {
    const schema = SCHEMAS[service.command![0]!]!;
    const environment = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([key, value]) => [key, substitute(String(value))]),
    );
    expect(Object.keys(environment).filter((key) => !(key in schema.shape))).toEqual([]);
    expect(Object.values(environment).join(' ')).not.toContain('<missing');
    const parsed = schema.safeParse(environment);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toMatchObject({ STORE: 'influxdb', INFLUX_URL: 'http://influxdb:8086' });
  });

  it('runs the API as replicas behind the proxy, round robin without sticky routing, only the proxy published', () => {
    const replicas = ourServices.filter(([, service]) => service.command?.[0] === 'api');
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    for (const [, service] of replicas) {
      // Stateless: nothing of theirs to keep.
      expect(service.volumes).toBeUndefined();
      expect(service.ports).toBeUndefined();
      expect(service.healthcheck?.test.join(' ')).toContain('/health/ready');
    }
    const proxy = compose.services.proxy!;
    expect(proxy.ports).toEqual(['8080:8080']);
    expect(proxy.volumes).toContain('./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
    // Its directives, without the comments.
    const config = readFileSync(new URL('deploy/nginx/nginx.conf', root), 'utf8').replace(/#.*$/gm, '');
    const upstreams = Object.fromEntries([...config.matchAll(/upstream (\w+) \{([^}]*)\}/g)].map(([, name, body]) => [name, body!]));
    const serversOf = (body: string) => [...body.matchAll(/^\s*server (\S+):8080\b/gm)].map((match) => match[1]).sort();
    const names = replicas.map(([name]) => name).sort();
    // Every request goes round robin over every replica; a background job's routes stay on one per login.
    expect(serversOf(upstreams.sport_connect_api!)).toEqual(names);
    expect(upstreams.sport_connect_api).not.toMatch(/\b(ip_hash|hash|sticky)\b/);
    expect(serversOf(upstreams.sport_connect_api_jobs!)).toEqual(names);
    expect(upstreams.sport_connect_api_jobs).toMatch(/^\s*hash \$cookie_sc_session consistent;$/m);
    expect(config).toMatch(
      /location ~ \^\/api\/v1\/\(jobs\/\|me\/exports\|[^)]*erasure\) \{\s*proxy_pass http:\/\/sport_connect_api_jobs;/,
    );
    // What the client says of its own address is not passed on (rate limits per address).
    expect(config).toMatch(/^\s*proxy_set_header X-Forwarded-For \$remote_addr;$/m);
    expect(config).toMatch(/^\s*proxy_buffering off;$/m);
    expect(config).toMatch(/^\s*listen 8080;$/m);
  });

  it('gives every service a health check and keeps data in volumes (the API replicas have none to keep)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test, `${name} health check`).toBeDefined();
      if (service.command?.[0] !== 'api') expect(service.volumes?.length, `${name} volumes`).toBeGreaterThan(0);
    }
  });

  it('initialises InfluxDB 2 with the org, bucket and token the services use', () => {
    const influx = compose.services.influxdb!;
    expect(influx.image).toMatch(/^influxdb:2/);
    const env = influx.environment!;
    expect(env.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    for (const [initVar, serviceVar] of [
      ['DOCKER_INFLUXDB_INIT_ORG', 'INFLUX_ORG'],
      ['DOCKER_INFLUXDB_INIT_BUCKET', 'INFLUX_BUCKET'],
      ['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN', 'INFLUX_TOKEN'],
    ] as const) {
      for (const [, service] of ourServices) expect(service.environment![serviceVar]).toBe(env[initVar]);
    }
  });

  it('runs Mosquitto with authentication and persistence on', () => {
    const config = readFileSync(new URL('deploy/mosquitto/mosquitto.conf', root), 'utf8');
    expect(config).toMatch(/^allow_anonymous false$/m);
    expect(config).toMatch(/^password_file /m);
    expect(config).toMatch(/^persistence true$/m);
    for (const [, service] of ourServices)
      expect(service.environment!.MQTT_URL).toMatch(/^mqtt:\/\/sc-(ingest|api):\$\{\w+\}@mosquitto:1883$/);
  });
});
