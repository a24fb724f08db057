import { z } from 'zod';
import { extensionValuesProblem } from '../device-kit/extension-kinds.ts';
import { mqttLimits } from './limits.ts';
import { isExtensionSample, TelemetryMessage } from './telemetry.ts';
import { commonTelemetry } from './telemetry-fast-path.ts';
import { type GatewayTopic, parseTopic } from './topics.ts';

/** Why a message was rejected. Stable codes: they label metrics and dead letters (docs/errors.md). */
export const RejectionReason = z.enum([
  'unknown_topic',
  'payload_too_large',
  'invalid_json',
  'schema_violation',
  'gateway_mismatch',
  'future_timestamp',
  'unknown_kind',
]);
export type RejectionReason = z.infer<typeof RejectionReason>;

export type TelemetryValidation =
  | { ok: true; topic: GatewayTopic; message: TelemetryMessage }
  | { ok: false; reason: RejectionReason; detail: string };

function reject(reason: RejectionReason, detail: string): TelemetryValidation {
  return { ok: false, reason, detail };
}

/**
 * Checks one telemetry publish against the v1 contract, cheapest checks first. Pure: the caller
 * decides what to do with a rejection (ingest dead-letters it, the live view ignores it).
 */
export function validateTelemetry(topicName: string, payload: Uint8Array, nowMs: number): TelemetryValidation {
  const topic = parseTopic(topicName);
  if (topic?.channel !== 'telemetry') return reject('unknown_topic', `not a v1 telemetry topic: ${topicName.slice(0, 200)}`);
  if (payload.byteLength > mqttLimits.maxPayloadBytes) {
    return reject('payload_too_large', `${payload.byteLength} bytes exceeds ${mqttLimits.maxPayloadBytes}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (error) {
    return reject('invalid_json', (error as Error).message);
  }
  let message = commonTelemetry(json);
  if (!message) {
    const parsed = TelemetryMessage.safeParse(json);
    if (!parsed.success) return reject('schema_violation', z.prettifyError(parsed.error));
    message = parsed.data;
  }
  // A gateway may publish only under its own id: the topic (which broker ACLs enforce) is authoritative.
  if (message.gateway !== topic.gateway) {
    return reject('gateway_mismatch', `payload gateway "${message.gateway}" published on topic of gateway "${topic.gateway}"`);
  }
  const latestAllowedMs = nowMs + mqttLimits.maxFutureSkewMs;
  const future = message.samples.find((sample) => sample.timeMs > latestAllowedMs);
  if (future) {
    return reject('future_timestamp', `sample of ${future.device} stamped ${future.timeMs - nowMs} ms in the future (gateway clock?)`);
  }
  // Plugin kinds: their values against what the installed plugin declares (the common message has none).
  for (const sample of message.samples) {
    if (!isExtensionSample(sample)) continue;
    const problem = extensionValuesProblem(sample);
    if (problem) return reject(problem.reason, problem.detail);
  }
  return { ok: true, topic, message };
}
