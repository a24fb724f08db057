import { z } from 'zod';
import { DeviceId } from './ids.ts';

// A simulator scenario (YAML or JSON): who trains, what they wear, the class they follow, and the faults
// a demo shows the platform surviving. `sport-connect simulate --scenario <file>` and the simulator page
// play it through the real gateway code over an emulated radio.

const Seconds = z
  .number()
  .min(0)
  .max(24 * 3600);
const AthleteName = z.string().trim().min(1).max(60);

export const ScenarioDevice = z
  .object({
    /** An installed profile's name (`sport-connect profiles`): heart_rate, oxasense-smo2… */
    profile: z.string().regex(/^[a-z][a-z0-9_-]{1,39}$/),
    /** Its id as the gateway reports it; default: made up from the athlete and the profile. */
    id: DeviceId.optional(),
  })
  .strict();
export type ScenarioDevice = z.infer<typeof ScenarioDevice>;

export const ScenarioAthlete = z
  .object({
    name: AthleteName,
    restHrBpm: z.number().int().min(30).max(110).default(60),
    maxHrBpm: z.number().int().min(120).max(230).default(185),
    /** How hard they push relative to the plan: 1 follows it exactly. */
    effort: z.number().min(0.3).max(1.2).default(0.85),
    devices: z.array(ScenarioDevice).min(1).max(4),
  })
  .strict();
export type ScenarioAthlete = z.infer<typeof ScenarioAthlete>;

export const ScenarioPhase = z
  .object({
    name: z.string().trim().min(1).max(40),
    durationS: z
      .number()
      .int()
      .min(1)
      .max(4 * 3600),
    /** Workload from 0 (rest) to 1 (all out); with `to`, it ramps from `intensity` to `to`. */
    intensity: z.number().min(0).max(1),
    to: z.number().min(0).max(1).optional(),
  })
  .strict();

// What can go wrong in a demo, on purpose: a scenario schedules them (atS, in scenario seconds, which pass
// faster with `speed`), the simulator page injects them now.
const Dropout = {
  /** The athlete's devices go out of range (walked out, strap flat), then come back. */
  type: z.literal('dropout'),
  athlete: AthleteName,
  durationS: Seconds.min(1),
};
/** The strap loses skin contact: it still notifies, without a heart rate. */
const ContactLoss = { type: z.literal('contact_loss'), athlete: AthleteName, durationS: Seconds.min(1) };
/** The athlete's devices report a nearly flat battery. */
const LowBattery = { type: z.literal('low_battery'), athlete: AthleteName, batteryPercent: z.number().int().min(0).max(100).default(5) };
/** The gateway loses the broker (its network drops): it keeps what it reads and sends it when back. */
const GatewayOffline = { type: z.literal('gateway_offline'), durationS: Seconds.min(1) };

export const ScenarioFault = z.discriminatedUnion('type', [
  z.object({ ...Dropout, atS: Seconds }).strict(),
  z.object({ ...ContactLoss, atS: Seconds }).strict(),
  z.object({ ...LowBattery, atS: Seconds }).strict(),
  z.object({ ...GatewayOffline, atS: Seconds }).strict(),
]);
export type ScenarioFault = z.infer<typeof ScenarioFault>;

export const Scenario = z
  .object({
    name: z.string().trim().min(1).max(80),
    description: z.string().max(500).default(''),
    /** Scenario seconds per real second: 1 is real time, 10 plays a 45-minute class in under 5 minutes. */
    speed: z.number().min(1).max(60).default(1),
    /** Scenario seconds to play; 0 plays until stopped (the plan repeats). */
    durationS: Seconds.default(0),
    /** Same seed, same class. */
    seed: z.number().int().default(1),
    /** "hiit" (the 45-minute demo class) or the phases of a plan of its own. */
    plan: z.union([z.literal('hiit'), z.array(ScenarioPhase).min(1).max(200)]).default('hiit'),
    athletes: z.array(ScenarioAthlete).min(1).max(60),
    faults: z.array(ScenarioFault).max(500).default([]),
  })
  .strict()
  .superRefine((scenario, context) => {
    const names = scenario.athletes.map((athlete) => athlete.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index)
        context.addIssue({ code: 'custom', message: `athlete "${name}" is listed twice`, path: ['athletes', index] });
    });
    const ids = scenario.athletes.flatMap((athlete) => athlete.devices.flatMap((device) => (device.id ? [device.id] : [])));
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index) context.addIssue({ code: 'custom', message: `device "${id}" is worn twice`, path: ['athletes'] });
    });
    scenario.faults.forEach((fault, index) => {
      if ('athlete' in fault && !names.includes(fault.athlete))
        context.addIssue({ code: 'custom', message: `no athlete "${fault.athlete}" in this scenario`, path: ['faults', index, 'athlete'] });
    });
  });
export type Scenario = z.infer<typeof Scenario>;

// The simulator page's API (`up` only: it plays scenarios in the process that holds the broker).

export const ScenarioId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a scenario file name without its extension');

export const ScenarioSummary = z.object({
  id: z.string(),
  name: z.string().nullable(),
  description: z.string(),
  athletes: z.number(),
  speed: z.number().nullable(),
  /** The profiles its devices need. */
  profiles: z.array(z.string()),
  /** Why the file cannot be played (invalid, or a profile that is not installed); null when it can. */
  error: z.string().nullable(),
});
export type ScenarioSummary = z.infer<typeof ScenarioSummary>;

export const ScenarioStatus = z.object({
  id: z.string(),
  name: z.string(),
  speed: z.number(),
  elapsedS: z.number(),
  phase: z.string(),
  gatewayOnline: z.boolean(),
  athletes: z.array(
    z.object({
      name: z.string(),
      heartRateBpm: z.number(),
      contact: z.boolean(),
      devices: z.array(z.object({ id: z.string(), profile: z.string(), inRange: z.boolean(), batteryPercent: z.number() })),
    }),
  ),
  /** What happened, most recent last ("00:01:30 dropout: …"). */
  events: z.array(z.string()),
});
export type ScenarioStatus = z.infer<typeof ScenarioStatus>;

export const SimulatorStart = z.object({ scenario: ScenarioId }).strict();
export const SimulatorAddDevice = z.object({ profile: ScenarioDevice.shape.profile, athlete: AthleteName.optional() }).strict();
/** A fault injected now from the page: the scenario's faults without their time. */
export const SimulatorFault = z.discriminatedUnion('type', [
  z.object(Dropout).strict(),
  z.object(ContactLoss).strict(),
  z.object(LowBattery).strict(),
  z.object(GatewayOffline).strict(),
]);
export type SimulatorFault = z.infer<typeof SimulatorFault>;
