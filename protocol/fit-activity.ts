import { Encoder, type Mesg, Profile, Utils } from '@garmin/fitsdk';

// A session as a FIT activity file, the format Strava, Garmin Connect and GoldenCheetah import: file id,
// device info, timer events, one record a second (heart rate, and power, cadence, speed and distance when
// a device measured them), RR intervals as HRV messages, a lap, the session and the activity.

/** One second of an athlete's session, merged from every device they wore. */
export interface ActivitySecond {
  /** Whole seconds (FIT timestamps have no milliseconds). */
  timeMs: number;
  heartRateBpm?: number;
  rrIntervalsMs?: number[];
  powerW?: number;
  cadenceRpm?: number;
  speedMps?: number;
  distanceM?: number;
  /** Plugin kinds' values, by "<kind>.<field>": CSV columns of their own, FIT developer fields. */
  extensions?: Record<string, number>;
}

export interface ActivitySummary {
  startMs: number;
  endMs: number;
  avgHeartRateBpm: number | null;
  maxHeartRateBpm: number | null;
  kcal: number | null;
  /** The local time zone's offset from UTC at the start, for the activity's local timestamp. */
  utcOffsetMinutes: number;
  /** Units of the plugin values ("<kind>.<field>" → "%"), for their developer field descriptions. */
  extensionUnits?: Record<string, string>;
}

/** Sport Connect's developer application id in FIT files (developer data ID message). */
const APPLICATION_ID = [0x53, 0x43, 0x2d, 0x50, 0x4c, 0x55, 0x47, 0x49, 0x4e, 0x2d, 0x46, 0x49, 0x45, 0x4c, 0x44, 0x53];
/** FIT base type float32 (0x08) with its endian-ability flag (0x80), as field descriptions give it. */
const FIT_FLOAT32 = 0x88;
/** Developer fields are numbered 0–254 per application. */
const MAX_DEVELOPER_FIELDS = 255;

/**
 * The plugin values' developer fields: one field description per "<kind>.<field>" the seconds carry, on
 * record messages, so a FIT reader that reads developer data finds them by name and unit (the FIT SDK's decoder does).
 */
function developerFieldsOf(seconds: readonly ActivitySecond[], units: Record<string, string>) {
  const keys = [...new Set(seconds.flatMap((second) => Object.keys(second.extensions ?? {})))].sort().slice(0, MAX_DEVELOPER_FIELDS);
  const developerDataIdMesg = {
    mesgNum: Profile.MesgNum.DEVELOPER_DATA_ID,
    applicationId: APPLICATION_ID,
    applicationVersion: 1,
    developerDataIndex: 0,
  };
  const descriptions = keys.map((key, index) => ({
    key,
    number: index,
    fieldDescriptionMesg: {
      mesgNum: Profile.MesgNum.FIELD_DESCRIPTION,
      developerDataIndex: 0,
      fieldDefinitionNumber: index,
      fitBaseTypeId: FIT_FLOAT32,
      fieldName: key,
      units: units[key] ?? '',
      nativeMesgNum: Profile.MesgNum.RECORD,
    },
  }));
  return { developerDataIdMesg, descriptions };
}

/** HRV messages carry at most five intervals each (seconds). */
const RR_PER_HRV_MESSAGE = 5;

export function encodeFitActivity(seconds: readonly ActivitySecond[], summary: ActivitySummary): Uint8Array {
  const developer = developerFieldsOf(seconds, summary.extensionUnits ?? {});
  const encoder = new Encoder({
    fieldDescriptions: Object.fromEntries(
      developer.descriptions.map(({ number, fieldDescriptionMesg }) => [
        number,
        { developerDataIdMesg: developer.developerDataIdMesg, fieldDescriptionMesg },
      ]),
    ),
  } as never);
  const write = (mesgNum: number | undefined, fields: object) => encoder.onMesg(mesgNum!, fields as Mesg);
  const numberOf = new Map(developer.descriptions.map(({ key, number }) => [key, number]));
  const start = new Date(Math.floor(summary.startMs / 1000) * 1000);
  const end = new Date(Math.max(start.getTime(), Math.floor(summary.endMs / 1000) * 1000));
  const elapsedS = (end.getTime() - start.getTime()) / 1000;
  const cycling = seconds.some((second) => second.powerW !== undefined);
  const sport = cycling ? { sport: 'cycling', subSport: 'indoorCycling' } : { sport: 'training', subSport: 'cardioTraining' };
  const totals = {
    ...(summary.avgHeartRateBpm !== null ? { avgHeartRate: Math.round(summary.avgHeartRateBpm) } : {}),
    ...(summary.maxHeartRateBpm !== null ? { maxHeartRate: Math.round(summary.maxHeartRateBpm) } : {}),
    ...(summary.kcal !== null ? { totalCalories: Math.round(summary.kcal) } : {}),
  };

  write(Profile.MesgNum.FILE_ID, { type: 'activity', manufacturer: 'development', product: 1, serialNumber: 1, timeCreated: start });
  write(Profile.MesgNum.DEVICE_INFO, {
    timestamp: start,
    deviceIndex: 'creator',
    manufacturer: 'development',
    product: 1,
    productName: 'Sport Connect',
    softwareVersion: 1,
  });
  if (developer.descriptions.length > 0) {
    write(Profile.MesgNum.DEVELOPER_DATA_ID, developer.developerDataIdMesg);
    for (const { fieldDescriptionMesg } of developer.descriptions) write(Profile.MesgNum.FIELD_DESCRIPTION, fieldDescriptionMesg);
  }
  write(Profile.MesgNum.EVENT, { timestamp: start, event: 'timer', eventType: 'start', timerTrigger: 'manual' });
  for (const second of seconds) {
    const developerFields = Object.fromEntries(
      Object.entries(second.extensions ?? {}).flatMap(([key, value]) => (numberOf.has(key) ? [[numberOf.get(key)!, value]] : [])),
    );
    write(Profile.MesgNum.RECORD, {
      ...(Object.keys(developerFields).length > 0 ? { developerFields } : {}),
      timestamp: new Date(second.timeMs),
      ...(second.heartRateBpm !== undefined ? { heartRate: Math.round(second.heartRateBpm) } : {}),
      ...(second.powerW !== undefined ? { power: Math.round(second.powerW) } : {}),
      ...(second.cadenceRpm !== undefined ? { cadence: Math.round(second.cadenceRpm) } : {}),
      ...(second.speedMps !== undefined ? { speed: second.speedMps } : {}),
      ...(second.distanceM !== undefined ? { distance: second.distanceM } : {}),
    });
    const rr = second.rrIntervalsMs ?? [];
    for (let index = 0; index < rr.length; index += RR_PER_HRV_MESSAGE)
      write(Profile.MesgNum.HRV, { time: rr.slice(index, index + RR_PER_HRV_MESSAGE).map((ms) => ms / 1000) });
  }
  write(Profile.MesgNum.EVENT, { timestamp: end, event: 'timer', eventType: 'stopAll', timerTrigger: 'manual' });
  write(Profile.MesgNum.LAP, {
    messageIndex: 0,
    timestamp: end,
    startTime: start,
    totalElapsedTime: elapsedS,
    totalTimerTime: elapsedS,
    event: 'lap',
    eventType: 'stop',
    lapTrigger: 'sessionEnd',
    ...sport,
    ...totals,
  });
  write(Profile.MesgNum.SESSION, {
    messageIndex: 0,
    timestamp: end,
    startTime: start,
    totalElapsedTime: elapsedS,
    totalTimerTime: elapsedS,
    firstLapIndex: 0,
    numLaps: 1,
    event: 'session',
    eventType: 'stop',
    trigger: 'activityEnd',
    ...sport,
    ...totals,
  });
  write(Profile.MesgNum.ACTIVITY, {
    timestamp: end,
    totalTimerTime: elapsedS,
    numSessions: 1,
    type: 'manual',
    event: 'activity',
    eventType: 'stop',
    // Seconds since the FIT epoch in local time: how devices tell the wall-clock time of the activity.
    localTimestamp: Utils.convertDateToDateTime(end) + summary.utcOffsetMinutes * 60,
  });
  return encoder.close();
}
