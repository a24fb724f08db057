import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrlWith } from '../../protocol/mqtt/access.ts';
import { hashPassword } from '../../store/secrets.ts';
import { requireSystemProgram } from '../helpers/system-service.ts';
import { startTestStack } from '../helpers/up-stack.ts';

const OPENSSL = '/usr/bin/openssl';
const hasOpenssl = requireSystemProgram(OPENSSL, 'apt-get install openssl');

/** An HTTPS request that trusts only the test's own certificate. */
function httpsRequest(
  url: string,
  options: { method?: string; body?: string; ca: Buffer },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', ca: options.ca, headers: options.body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe.skipIf(!hasOpenssl)('HTTPS and MQTT over TLS with configured certificates', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let cert: Buffer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-tls-'));
    // A self-signed certificate for 127.0.0.1, made for this test.
    execFileSync(
      OPENSSL,
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
    stack = await startTestStack({
      API_TLS_CERT: files.cert,
      API_TLS_KEY: files.key,
      MQTT_TLS_CERT: files.cert,
      MQTT_TLS_KEY: files.key,
      MQTT_TLS_PORT: '0',
    });
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('serves the API over HTTPS only, with a Secure session cookie', async () => {
    expect(stack.apiUrl).toMatch(/^https:/);
    const user = stack.stores.accounts.createUser({
      email: 'tls@club.example',
      name: 'T',
      passwordHash: await hashPassword('a password over tls'),
    });
    expect(user.id).toBeTruthy();
    const response = await httpsRequest(`${stack.apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ email: 'tls@club.example', password: 'a password over tls' }),
      ca: cert,
    });
    expect(response.status).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(/; Secure/);
    expect(response.headers['strict-transport-security']).toBeDefined();
    await expect(fetch(stack.apiUrl.replace('https:', 'http:'))).rejects.toThrow();
  });

  it('accepts a gateway over MQTT with TLS, verified against the certificate', async () => {
    const credentials = stack.stores.mqttAccounts.issueGateway('club-t', 'gw');
    const url = brokerUrlWith(`mqtts://127.0.0.1:${stack.broker.tlsPort}`, credentials);
    const client = await mqtt.connectAsync(url, { ca: cert, clientId: credentials.username, reconnectPeriod: 0 });
    await client.publishAsync('sc/v1/club-t/gw/status', JSON.stringify({ v: 1, gateway: 'gw', state: 'online', atMs: Date.now() }), {
      qos: 1,
    });
    await client.endAsync();
    // Without trusting the certificate, the client refuses the broker.
    await expect(mqtt.connectAsync(url, { clientId: credentials.username, reconnectPeriod: 0 })).rejects.toThrow(
      /self.signed|certificate/i,
    );
  });
});
