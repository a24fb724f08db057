import type { Sample } from '../protocol/mqtt/telemetry.ts';
import { parseTopic } from '../protocol/mqtt/topics.ts';
import { toStoredPoint } from './sample-fields.ts';
import type { StoredPoint } from './time-series-store.ts';

/** A validated telemetry message as the ingest queue keeps it on disk: as it came, and who wore each sample's device. */
export interface QueuedMessage {
  topic: string;
  payload: Buffer;
  /** Per sample of the payload, the athlete ingest attributed it to (empty: nobody, for all). */
  athletes: readonly (string | null)[];
}

/**
 * Ingest writes each message to disk once, as it came (a few bytes of framing around the payload),
 * rather than re-serialising it as points: the points are derived again only when an entry must be read
 * back from disk (after a restart, or a backlog larger than the queue keeps in memory). Frame per
 * message: u16 topic length, topic, u32 payload length, payload, u32 athletes length, athletes as JSON.
 */
export function encodeMessages(messages: readonly QueuedMessage[]): Buffer {
  const parts: Buffer[] = [];
  for (const message of messages) {
    const topic = Buffer.from(message.topic);
    const athletes = message.athletes.some((athlete) => athlete !== null) ? Buffer.from(JSON.stringify(message.athletes)) : Buffer.alloc(0);
    const header = Buffer.alloc(6);
    header.writeUInt16BE(topic.length, 0);
    header.writeUInt32BE(message.payload.length, 2);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE(athletes.length, 0);
    parts.push(header.subarray(0, 2), topic, header.subarray(2), message.payload, trailer, athletes);
  }
  return Buffer.concat(parts);
}

/** The points of encoded messages (which ingest validated before it queued them). */
export function decodeMessages(encoded: Buffer): StoredPoint[] {
  const points: StoredPoint[] = [];
  let at = 0;
  /** A length-prefixed field (prefix of `prefixBytes`) at the read position; moves past it. */
  const field = (prefixBytes: 2 | 4): Buffer => {
    const length = prefixBytes === 2 ? encoded.readUInt16BE(at) : encoded.readUInt32BE(at);
    const start = at + prefixBytes;
    at = start + length;
    return encoded.subarray(start, at);
  };
  while (at < encoded.length) {
    const topic = field(2).toString();
    const payload = field(4);
    const athletesJson = field(4);
    const athletes = athletesJson.length > 0 ? (JSON.parse(athletesJson.toString()) as (string | null)[]) : [];
    const club = parseTopic(topic)?.club;
    if (!club) throw new Error(`a queued message has a topic that is not a telemetry topic: ${topic}`);
    const samples = (JSON.parse(payload.toString()) as { samples: Sample[] }).samples;
    samples.forEach((sample, index) => {
      points.push(toStoredPoint(club, sample, athletes[index] ?? null));
    });
  }
  return points;
}
