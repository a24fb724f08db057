// Limits of the v1 MQTT contract. Gateways batch for a short window, so a message holds at most a few
// seconds of a full room; anything larger is a misbehaving publisher.
export const mqttLimits = {
  /** Samples in one telemetry message. */
  maxSamplesPerMessage: 1000,
  /** Bytes of one payload, any topic. */
  maxPayloadBytes: 256 * 1024,
  /** RR intervals in one heart-rate sample (a 0x2A37 notification holds at most 9 with uint8 HR). */
  maxRrIntervalsPerSample: 32,
  /** How far in the future a sample may be stamped before it is rejected (gateway clock skew), ms. */
  maxFutureSkewMs: 2 * 60 * 1000,
  /** Devices in one retained devices message. */
  maxDevicesPerGateway: 256,
  /** Values in one sample of a plugin's kind. */
  maxExtensionFields: 16,
} as const;

/** Splits a window's samples into message-sized chunks (maxSamplesPerMessage each). */
export function chunkSamples<T>(samples: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < samples.length; start += mqttLimits.maxSamplesPerMessage)
    chunks.push(samples.slice(start, start + mqttLimits.maxSamplesPerMessage));
  return chunks;
}
