import { describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS_DIR, listScenarios, parseScenario } from '../../simulators/scenario/scenario-file.ts';

const minimal = (extra = '') => `
name: Two straps
athletes:
  - { name: Ann, devices: [{ profile: heart_rate }] }
  - { name: Bob, devices: [{ profile: heart_rate }] }
${extra}`;

describe('scenario files', () => {
  it('reads the built-in scenarios, with their defaults', () => {
    const listed = listScenarios([BUILT_IN_SCENARIOS_DIR]);
    expect(listed.map((entry) => [entry.id, entry.error])).toEqual([
      ['hiit-with-faults', null],
      ['muscle-oxygen-demo', null],
    ]);
    expect(listed[0]!.scenario).toMatchObject({ speed: 5, plan: 'hiit', durationS: 0 });
    expect(listed[0]!.scenario!.faults.map((fault) => fault.type)).toEqual(['dropout', 'contact_loss', 'low_battery', 'gateway_offline']);
  });

  it('fills in what a short file leaves out, and reads JSON as well as YAML', () => {
    const scenario = parseScenario(minimal(), 'two.yaml');
    expect(scenario).toMatchObject({ speed: 1, seed: 1, plan: 'hiit', faults: [], durationS: 0 });
    expect(scenario.athletes[0]).toEqual({ name: 'Ann', restHrBpm: 60, maxHrBpm: 185, effort: 0.85, devices: [{ profile: 'heart_rate' }] });
    const json = JSON.stringify({
      name: 'J',
      speed: 10,
      athletes: [{ name: 'Ann', devices: [{ profile: 'oxasense-smo2', id: 'oxa-1' }] }],
    });
    expect(parseScenario(json, 'j.json').athletes[0]!.devices).toEqual([{ profile: 'oxasense-smo2', id: 'oxa-1' }]);
  });

  it.each([
    ['a fault for somebody not in it', minimal('faults: [{ type: dropout, athlete: Zoe, atS: 10, durationS: 5 }]'), 'no athlete "Zoe"'],
    ['an athlete twice', minimal().replace('Bob', 'Ann'), 'athlete "Ann" is listed twice'],
    [
      'a device worn twice',
      'name: X\nathletes:\n  - { name: A, devices: [{ profile: heart_rate, id: d1 }] }\n  - { name: B, devices: [{ profile: heart_rate, id: d1 }] }',
      'device "d1" is worn twice',
    ],
    ['a speed beyond 60', minimal('speed: 100'), 'speed'],
    ['a fault of an unknown type', minimal('faults: [{ type: meltdown, atS: 1 }]'), 'faults'],
    ['an athlete without a device', 'name: X\nathletes: [{ name: A, devices: [] }]', 'devices'],
    ['a field nobody knows', minimal('colour: red'), 'colour'],
    ['broken YAML', 'name: [unclosed', 'not YAML or JSON'],
    ['a file too large', `name: Big\n# ${'x'.repeat(300_000)}\n`, 'larger than'],
    [
      'an alias bomb',
      `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n${minimal()}`,
      'Excessive alias count',
    ],
  ])('refuses %s, saying where', (_case, text, message) => {
    expect(() => parseScenario(text, 'bad.yaml')).toThrow(/^bad\.yaml: /);
    expect(() => parseScenario(text, 'bad.yaml')).toThrow(message);
  });
});
