import mqtt from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('sport-connect simulate', () => {
  const brokerUrl = useEmbeddedBroker();
  afterEach(() => vi.restoreAllMocks());

  it('publishes a class and ends with one JSON line whose count matches what the broker delivered', async () => {
    const subscriber = await mqtt.connectAsync(brokerUrl());
    await subscriber.subscribeAsync('sc/v1/demo/+/telemetry', { qos: 1 });
    let delivered = 0;
    subscriber.on('message', (_topic, payload) => (delivered += JSON.parse(payload.toString()).samples.length));
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const code = await runCli(
      ['simulate', '--athletes', '4', '--duration', '20s', '--pace', 'fast', '--broker', brokerUrl(), '--seed', '3'],
      { LOG_LEVEL: 'silent' },
    );
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result).toMatchObject({ athletes: 4, club: 'demo', pace: 'fast', simulatedS: 20 });
    expect(result.published).toBeGreaterThanOrEqual(4 * 20);
    await waitFor(() => delivered === result.published, { what: 'every published sample delivered' });
    await subscriber.endAsync();
  });
});

describe('configuration errors', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [['up', '--port', 'eighty'], /PORT: .*number/i],
    [['simulate', '--duration', 'soon'], /SIM_DURATION: expected a duration such as 500ms, 30s, 45m or 1h/],
    [['ingest', '--broker', 'localhost'], /MQTT_URL: an MQTT URL such as mqtt:\/\/localhost:1883/],
    [['api', '--colour', 'red'], /Unknown option '--colour'/],
  ])('%j stops with status 2 and says what is wrong', async (argv, message) => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(await runCli(argv as string[], {})).toBe(2);
    expect(errors.join('\n')).toMatch(message);
  });

  it('needs a store address for STORE=influxdb', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(await runCli(['ingest'], { STORE: 'influxdb', LOG_LEVEL: 'silent' })).toBe(2);
    expect(errors.join('\n')).toMatch(/STORE=influxdb needs INFLUX_URL, INFLUX_DATABASE \(1.x\) or INFLUX_BUCKET/);
  });
});
