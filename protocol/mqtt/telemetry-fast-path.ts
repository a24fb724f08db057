import { DEVICE_ID_PATTERN, TOPIC_ID_PATTERN } from '../ids.ts';
import { mqttLimits } from './limits.ts';
import { MIN_HEART_RATE_BPM, type TelemetryMessage } from './telemetry.ts';

// The zod schemas in telemetry.ts are the contract. Walking them costs about as much as parsing the JSON,
// and ingest does it a hundred thousand samples a second, so the common message (heart-rate and battery
// samples, nothing unusual) is first checked by this hand-written pass. It only ever says "valid, and
// here it is as the schema would return it" or "ask the schema": anything else, an unknown kind, an
// extra key, a value out of range, goes to the schema, which gives the verdict and the error message.
// test/protocol/telemetry-fast-path.test.ts holds it to that against the schema with generated messages.

const EARLIEST_SAMPLE_MS = Date.UTC(2000, 0, 1);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isIntIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

/** Whether every own key of `object` is one of `allowed`. */
function onlyKeys(object: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in object) if (!allowed.has(key) || !Object.hasOwn(object, key)) return false;
  return Object.getPrototypeOf(object) === Object.prototype;
}

const MESSAGE_KEYS = new Set(['v', 'gateway', 'seq', 'sentAtMs', 'samples']);
const SAMPLE_KEYS = new Set(['device', 'timeMs', 'kind', 'values']);
const HEART_RATE_KEYS = new Set(['heartRateBpm', 'sensorContact', 'energyExpendedKj', 'rrIntervalsMs']);
const BATTERY_KEYS = new Set(['batteryPercent']);
const CONTACTS = new Set(['detected', 'not-detected', 'not-supported']);

function isHeartRate(values: Record<string, unknown>): boolean {
  if (!onlyKeys(values, HEART_RATE_KEYS) || !isIntIn(values.heartRateBpm, 0, 300)) return false;
  const contact = values.sensorContact;
  if (contact !== undefined && (typeof contact !== 'string' || !CONTACTS.has(contact))) return false;
  if (values.energyExpendedKj !== undefined && !isIntIn(values.energyExpendedKj, 0, 65535)) return false;
  const rr = values.rrIntervalsMs;
  if (rr !== undefined) {
    if (!Array.isArray(rr) || rr.length > mqttLimits.maxRrIntervalsPerSample) return false;
    for (const interval of rr) if (typeof interval !== 'number' || !(interval >= 150 && interval <= 3000)) return false;
  }
  return contact === 'not-detected' || values.heartRateBpm >= MIN_HEART_RATE_BPM;
}

function isCommonSample(sample: unknown): boolean {
  if (!isObject(sample) || !onlyKeys(sample, SAMPLE_KEYS)) return false;
  const { device, timeMs, kind, values } = sample;
  if (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device)) return false;
  if (!isIntIn(timeMs, EARLIEST_SAMPLE_MS, Number.MAX_SAFE_INTEGER) || !isObject(values)) return false;
  if (kind === 'heart_rate') return isHeartRate(values);
  if (kind === 'battery') return onlyKeys(values, BATTERY_KEYS) && isIntIn(values.batteryPercent, 0, 100);
  return false;
}

/**
 * The parsed JSON as a valid telemetry message, when it is a common one and valid; null means "not
 * decided here": the schema must look at it.
 */
export function commonTelemetry(json: unknown): TelemetryMessage | null {
  if (!isObject(json) || !onlyKeys(json, MESSAGE_KEYS)) return null;
  if (json.v !== 1 || typeof json.gateway !== 'string' || !TOPIC_ID_PATTERN.test(json.gateway)) return null;
  if (!isIntIn(json.seq, 0, Number.MAX_SAFE_INTEGER) || !isIntIn(json.sentAtMs, 0, Number.MAX_SAFE_INTEGER)) return null;
  const samples = json.samples;
  if (!Array.isArray(samples) || samples.length < 1 || samples.length > mqttLimits.maxSamplesPerMessage) return null;
  for (const sample of samples) if (!isCommonSample(sample)) return null;
  return json as unknown as TelemetryMessage;
}
