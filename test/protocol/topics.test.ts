import { describe, expect, it } from 'vitest';
import { buildChannelFilter, buildTelemetryTopic, parseTopic } from '../../protocol/mqtt/topics.ts';

describe('topics', () => {
  it('a built topic parses back to its club, gateway and channel', () => {
    expect(parseTopic(buildTelemetryTopic('club-7', 'gw_1'))).toEqual({ club: 'club-7', gateway: 'gw_1', channel: 'telemetry' });
  });

  it.each([
    'sc/v2/club/gw/telemetry',
    'sc/v1/club/gw',
    'sc/v1/club/gw/telemetry/extra',
    'sc/v1/Club/gw/telemetry',
    'sc/v1/club/gw/unknown',
    'sc/v1//gw/telemetry',
  ])('rejects %s', (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it('builds subscription filters for one club or all clubs', () => {
    expect(buildChannelFilter('telemetry')).toBe('sc/v1/+/+/telemetry');
    expect(buildChannelFilter('devices', 'demo')).toBe('sc/v1/demo/+/devices');
  });
});
