import { z } from 'zod';
import { extensionValuesProblem } from '../device-kit/extension-kinds.ts';
import { mqttLimits } from './limits.ts';
import { isExtensionSample, type Sample, TelemetryMessage } from './telemetry.ts';
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

/** A plugin sample refused on its own (its kind unknown here, or values its kind does not allow). */
export interface RefusedSample {
  sample: Sample;
  reason: 'unknown_kind' | 'schema_violation';
  detail: string;
}

export type TelemetryValidation =
  /** `refused`: plugin samples taken out of `message`, which keeps the rest. */
  | { ok: true; topic: GatewayTopic; message: TelemetryMessage; refused?: RefusedSample[] }
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
  // The common message has built-in kinds only: plugin samples can only come through the schema.
  let message = commonTelemetry(json);
  const mayHavePluginSamples = !message;
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
  const refused = mayHavePluginSamples ? pluginSamplesAtFault(message.samples) : [];
  if (refused.length === 0) return { ok: true, topic, message };
  const atFault = new Set(refused.map((one) => one.sample));
  const kept = message.samples.filter((sample) => !atFault.has(sample));
  if (kept.length === 0)
    return reject(
      refused[0]!.reason,
      refused
        .map((one) => one.detail)
        .join('; ')
        .slice(0, 2000),
    );
  return { ok: true, topic, message: { ...message, samples: kept }, refused };
}

/**
 * Plugin samples whose values break what the installed plugin declares, or of a kind none declares. Each
 * is refused alone: a gateway whose plugins differ from ours (an upgrade half done) must not cost the
 * club its heart rates.
 */
function pluginSamplesAtFault(samples: readonly Sample[]): RefusedSample[] {
  const refused: RefusedSample[] = [];
  for (const sample of samples) {
    if (!isExtensionSample(sample)) continue;
    const problem = extensionValuesProblem(sample);
    if (problem) refused.push({ sample, ...problem });
  }
  return refused;
}
