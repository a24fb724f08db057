// OxaSense SmO2: a muscle-oxygen sensor clipped to the thigh, with a vendor GATT service (128-bit UUID).
// This file is a whole Sport Connect device plugin: the walkthrough of docs/device-kit.md.
//
// Its Muscle Oxygen characteristic notifies once a second, little-endian:
//   byte 0     flags: bit 0 = total haemoglobin present, bit 1 = the optode touches skin
//   bytes 1–2  SmO2, uint16, 0.1 %
//   bytes 3–4  total haemoglobin (THb), uint16, 0.01 g/dL (when bit 0 is set)
import type { DeviceProfile } from '../../../protocol/device-kit/device-profile.ts';

const SERVICE = 'a1f30000-5c1e-4b7e-9d2a-3c5e0f6b8a01';
const MUSCLE_OXYGEN = 'a1f30001-5c1e-4b7e-9d2a-3c5e0f6b8a01';
const KIND = 'oxasense.muscle_oxygen';

const HAS_THB = 0b01;
const ON_SKIN = 0b10;

function decodeMuscleOxygen(bytes: Uint8Array) {
  if (bytes.length < 3) throw new Error(`Muscle Oxygen is at least 3 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint8(0);
  if (flags & HAS_THB && bytes.length < 5) throw new Error('THb announced but missing');
  // Off the skin the optode reads ambient light, not muscle: no sample rather than a wrong one.
  if (!(flags & ON_SKIN)) return [];
  const values: Record<string, number> = { smo2Percent: view.getUint16(1, true) / 10 };
  if (flags & HAS_THB) values.thbGramsPerDecilitre = view.getUint16(3, true) / 100;
  return [{ kind: KIND, values }];
}

function encodeMuscleOxygen(smo2Percent: number, thbGramsPerDecilitre: number, onSkin: boolean): Uint8Array {
  const bytes = new Uint8Array(5);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, HAS_THB | (onSkin ? ON_SKIN : 0));
  view.setUint16(1, Math.round(smo2Percent * 10), true);
  view.setUint16(3, Math.round(thbGramsPerDecilitre * 100), true);
  return bytes;
}

const profile: DeviceProfile = {
  name: 'oxasense-smo2',
  label: 'OxaSense SmO2 muscle-oxygen sensor',
  vendor: 'OxaSense',
  serviceUuid: SERVICE,
  characteristics: [{ uuid: MUSCLE_OXYGEN, name: 'Muscle Oxygen', notify: true }],
  kinds: [
    {
      name: KIND,
      label: 'Muscle oxygen',
      fields: [
        { name: 'smo2Percent', label: 'SmO₂', unit: '%', min: 0, max: 100 },
        { name: 'thbGramsPerDecilitre', label: 'THb', unit: 'g/dL', min: 0, max: 40, optional: true },
      ],
      tile: ['smo2Percent'],
      chart: ['smo2Percent', 'thbGramsPerDecilitre'],
    },
  ],
  createDecoder: () => ({ decode: (_characteristic, bytes) => decodeMuscleOxygen(bytes) }),
  // Working muscle extracts more oxygen: SmO2 falls from about 75 % at rest towards 25 % all out.
  createSimulator: () => ({
    notify: (moment) => {
      const smo2 = Math.min(95, Math.max(5, 75 - 50 * moment.intensity + (moment.random() - 0.5) * 4));
      const thb = 12.5 + 0.8 * moment.intensity + (moment.random() - 0.5) * 0.2;
      return [{ characteristic: MUSCLE_OXYGEN, bytes: encodeMuscleOxygen(smo2, thb, moment.contact) }];
    },
  }),
  examples: [
    {
      characteristic: MUSCLE_OXYGEN,
      hex: '038c02d204',
      samples: [{ kind: KIND, values: { smo2Percent: 65.2, thbGramsPerDecilitre: 12.34 } }],
    },
    { characteristic: MUSCLE_OXYGEN, hex: '028c02', samples: [{ kind: KIND, values: { smo2Percent: 65.2 } }] },
    { characteristic: MUSCLE_OXYGEN, hex: '018c02d204', samples: [] },
  ],
};

export default profile;
