import { ClubParams } from '../../protocol/api.ts';
import type { Api, ApiDeps } from '../app.ts';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events, one stream per open page: `snapshot` (tiles and the chart so far) at once,
 * then `update` once per second. EventSource reconnects by itself, and each reconnect gets a
 * fresh snapshot, so no event ids are needed.
 */
export function registerLiveRoutes(app: Api, deps: ApiDeps): void {
  app.get('/api/v1/clubs/:club/live', { schema: { params: ClubParams } }, (request, reply) => {
    const { club } = request.params;
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx in front must not buffer the stream
    });
    const send = (event: string, data: unknown) => stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const { snapshot, unsubscribe } = deps.live.subscribe(club, (frame) => send('update', frame));
    send('snapshot', snapshot);
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
