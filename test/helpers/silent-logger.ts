import { pino } from 'pino';

/** Tests log only warnings and worse, so a failure's output stays readable. */
export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
