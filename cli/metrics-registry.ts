import { createServer } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** One Prometheus registry per process: the services' own metrics plus Node's (memory, event loop, GC). */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A bare /metrics endpoint for the services without an HTTP API of their own (ingest, gateway); port 0:
 * none. With a health reader, for orchestrators: /health/live answers 200 while the process serves (a
 * restart would not help otherwise), /health/ready and /health its JSON, 200 when the status is "ok" and
 * 503 otherwise.
 */
export function serveMetrics(registry: Registry, port: number, health?: () => { status: string }): { close(): void } {
  if (!port) return { close() {} };
  const server = createServer(async (request, response) => {
    if (request.url === '/metrics')
      return void response.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    if (request.url === '/health/live' && health)
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'alive' }));
    if ((request.url === '/health' || request.url === '/health/ready') && health) {
      const body = health();
      return void response.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
    response.writeHead(404).end();
  }).listen(port);
  return { close: () => server.close() };
}
