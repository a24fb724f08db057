import { z } from 'zod';
import { PortNumber, RedisUrl } from '../protocol/env.ts';
import { DEFAULT_MAX_PACKET_BYTES } from './embedded-broker.ts';

/** The embedded broker's settings, shared by `up` and `broker`. */
export const EmbeddedBrokerConfigShape = {
  MQTT_PORT: PortNumber.default(1883),
  MQTT_HOST: z.string().min(1).default('0.0.0.0'),
  /** Redis for sessions and QoS 1 queues (they survive a restart); unset: memory. */
  MQTT_REDIS_URL: RedisUrl.optional(),
  /** Largest MQTT packet accepted, bytes; a client sending a larger one is disconnected. */
  MQTT_MAX_PACKET_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(DEFAULT_MAX_PACKET_BYTES),
  /**
   * Connections one address may hold: a flood from one host is refused past it. Raise it where many
   * gateways share an address (a federation's VPN, a NAT).
   */
  MQTT_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(64),
  /** PEM files: with both, MQTT over TLS too, on MQTT_TLS_PORT. */
  MQTT_TLS_CERT: z.string().min(1).optional(),
  MQTT_TLS_KEY: z.string().min(1).optional(),
  MQTT_TLS_PORT: PortNumber.default(8883),
};

export const EMBEDDED_BROKER_ENV = Object.keys(EmbeddedBrokerConfigShape);
