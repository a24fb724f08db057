import { type Logger, pino } from 'pino';

/** Logs go to stderr so stdout carries only results (simulate's JSON line, decode's samples). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'sport-connect' } }, pino.destination(2));
}
