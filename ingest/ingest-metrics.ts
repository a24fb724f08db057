import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

/** Values read at scrape time rather than kept up to date on every message. */
export interface IngestReadings {
  /** When the oldest point still waiting for the store was queued. */
  oldestQueuedMs(): number | null;
  missingSequences?(): number;
  /** Whether telemetry stopped while gateways say they hold wearables (TelemetryWatch). */
  telemetryStalled?(): boolean;
  secondsSinceTelemetry?(): number | null;
}

export function createIngestMetrics(registry: Registry, readings: IngestReadings) {
  const registers = [registry];
  return {
    messagesAccepted: new Counter({
      name: 'sc_ingest_messages_accepted_total',
      help: 'Telemetry messages validated and queued',
      registers,
    }),
    messagesRejected: new Counter({
      name: 'sc_ingest_messages_rejected_total',
      help: 'Messages dead-lettered, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    samplesStored: new Counter({ name: 'sc_ingest_samples_stored_total', help: 'Samples written to the time-series store', registers }),
    batches: new Counter({ name: 'sc_ingest_batches_total', help: 'Store writes committed', registers }),
    writeRetries: new Counter({
      name: 'sc_ingest_store_write_retries_total',
      help: 'Store writes that failed and will be retried',
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'sc_ingest_store_write_seconds',
      help: 'Latency of one batch write to the store',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    queuePoints: new Gauge({ name: 'sc_ingest_queue_points', help: 'Points acknowledged to the broker, waiting for the store', registers }),
    queueOldestAge: new Gauge({
      name: 'sc_ingest_queue_oldest_age_seconds',
      help: 'Age of the oldest queued entry (0 when the queue is empty)',
      registers,
      collect() {
        const oldest = readings.oldestQueuedMs();
        this.set(oldest === null ? 0 : (Date.now() - oldest) / 1000);
      },
    }),
    queueFull: new Gauge({
      name: 'sc_ingest_queue_full',
      help: '1 while the queue is full and ingest holds acknowledgements back',
      registers,
    }),
    sequenceGaps: new Counter({
      name: 'sc_ingest_sequence_gaps_total',
      help: 'Sequence numbers a gateway skipped when they were first noticed missing (see sc_ingest_sequence_missing for those still missing)',
      registers,
    }),
    sequenceLate: new Counter({
      name: 'sc_ingest_sequence_late_total',
      help: 'Telemetry messages that arrived after a later one of the same gateway (they fill a gap)',
      registers,
    }),
    sequenceMissing: new Gauge({
      name: 'sc_ingest_sequence_missing',
      help: 'Sequence numbers skipped by gateways and not arrived since (lost, or still on their way)',
      registers,
      collect() {
        this.set(readings.missingSequences?.() ?? 0);
      },
    }),
    brokerConnects: new Counter({
      name: 'sc_ingest_broker_connects_total',
      help: 'Connections to the broker (CONNACKs), the first included: more than one means reconnects',
      registers,
    }),
    telemetryStalled: new Gauge({
      name: 'sc_ingest_telemetry_stalled',
      help: '1 while ingest is connected and gateways report connected wearables, yet no telemetry arrived for INGEST_STALL_AFTER',
      registers,
      collect() {
        this.set(readings.telemetryStalled?.() ? 1 : 0);
      },
    }),
    secondsSinceTelemetry: new Gauge({
      name: 'sc_ingest_seconds_since_telemetry',
      help: 'Seconds since the last telemetry message arrived (-1 before the first)',
      registers,
      collect() {
        this.set(readings.secondsSinceTelemetry?.() ?? -1);
      },
    }),
    sequenceRepeats: new Counter({
      name: 'sc_ingest_sequence_repeats_total',
      help: 'Telemetry messages seen before, or below the gateway’s sequence without a gap to fill (redelivery, or a gateway that restarted its count)',
      registers,
    }),
  };
}
