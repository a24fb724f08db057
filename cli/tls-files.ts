import { readFileSync } from 'node:fs';
import { StartupError } from './startup-error.ts';

/** Reads a certificate and its key (PEM files) named by configuration; a missing file is a one-line start-up error. */
export function readTlsFiles(
  certFile: string | undefined,
  keyFile: string | undefined,
  variables: string,
): { cert: Buffer; key: Buffer } | undefined {
  if (!certFile || !keyFile) return undefined;
  try {
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (error) {
    throw new StartupError(`cannot read the TLS files (${variables}): ${(error as Error).message}`, { cause: error });
  }
}

/** The embedded broker's TLS listener, when MQTT_TLS_CERT and MQTT_TLS_KEY are set. */
export function brokerTls(config: {
  MQTT_TLS_CERT?: string;
  MQTT_TLS_KEY?: string;
  MQTT_TLS_PORT: number;
}): { cert: Buffer; key: Buffer; port: number } | undefined {
  const files = readTlsFiles(config.MQTT_TLS_CERT, config.MQTT_TLS_KEY, 'MQTT_TLS_CERT, MQTT_TLS_KEY');
  return files ? { ...files, port: config.MQTT_TLS_PORT } : undefined;
}
