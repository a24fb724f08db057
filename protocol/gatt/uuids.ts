// Bluetooth SIG assigned numbers used by the profiles, as noble writes them: 16-bit, lower-case hex.
export const GATT = {
  heartRateService: '180d',
  heartRateMeasurement: '2a37',
  bodySensorLocation: '2a38',
  batteryService: '180f',
  batteryLevel: '2a19',
  cyclingPowerService: '1818',
  cyclingPowerMeasurement: '2a63',
  cyclingSpeedCadenceService: '1816',
  cscMeasurement: '2a5b',
  runningSpeedCadenceService: '1814',
  rscMeasurement: '2a53',
  fitnessMachineService: '1826',
  indoorBikeData: '2ad2',
  treadmillData: '2acd',
} as const;

const BASE_UUID_SUFFIX = '00001000800000805f9b34fb';

/** "2A37", "0x2a37" or "00002a37-0000-1000-8000-00805f9b34fb" → "2a37"; other 128-bit UUIDs unchanged (lower-case, no dashes). */
export function normalizeUuid(uuid: string): string {
  const compact = uuid.toLowerCase().replace(/^0x/, '').replace(/-/g, '');
  if (compact.length === 32 && compact.endsWith(BASE_UUID_SUFFIX) && compact.startsWith('0000')) return compact.slice(4, 8);
  return compact;
}
