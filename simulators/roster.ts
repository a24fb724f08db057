import { Random } from './random.ts';

export interface SimulatedMember {
  id: string;
  name: string;
  restHrBpm: number;
  maxHrBpm: number;
  /** The strap the member wears (device id as the gateway reports it). */
  deviceId: string;
  /** How hard this member pushes relative to the script: 1 follows it exactly. */
  effort: number;
  /** Seconds this member lags the coach's cues. */
  lagS: number;
  /** For calories on the demo's tiles (the sequence of random draws is unchanged by them). */
  sex: 'male' | 'female';
  ageYears: number;
  weightKg: number;
}

const FIRST_NAMES = [
  'Amira',
  'Bastien',
  'Chloé',
  'Dmitri',
  'Elena',
  'Farid',
  'Giulia',
  'Hugo',
  'Ines',
  'Jonas',
  'Kenza',
  'Lucas',
  'Maya',
  'Nils',
  'Océane',
  'Pablo',
  'Quentin',
  'Rosa',
  'Samir',
  'Tessa',
  'Ulrich',
  'Vera',
  'Wassim',
  'Yara',
  'Zoé',
];
const LAST_INITIALS = 'ABCDEFGHJKLMNPRSTVW';

/** A deterministic class of members with plausible rest and max heart rates (Tanaka: 208 − 0.7 × age). */
export function createRoster(count: number, seed: number): SimulatedMember[] {
  const random = new Random(seed);
  return Array.from({ length: count }, (_, index) => {
    const age = random.integer(18, 62);
    const number = String(index + 1).padStart(3, '0');
    return {
      id: `member-${number}`,
      name: `${FIRST_NAMES[index % FIRST_NAMES.length]} ${LAST_INITIALS[random.integer(0, LAST_INITIALS.length - 1)]}.`,
      restHrBpm: random.integer(46, 72),
      maxHrBpm: Math.round(208 - 0.7 * age + random.between(-6, 6)),
      deviceId: `sim-hrm-${number}`,
      effort: random.between(0.85, 1.05),
      lagS: random.between(0, 12),
      sex: index % 2 ? 'female' : 'male',
      ageYears: age,
      weightKg: 55 + ((index * 7) % 35),
    };
  });
}
