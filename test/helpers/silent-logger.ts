import { pino } from 'pino';

/** Tests log only errors (LOG_LEVEL=warn or debug to see more), so a failure's output stays readable. */
export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'error' }, pino.destination(2));
