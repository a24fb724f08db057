import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { parseEnv } from '../../protocol/env.ts';
import { readWorkoutFile, WORKOUT_FILE_MAX_BYTES, WorkoutFileError } from '../../protocol/workout-file.ts';
import { computeSessionMetrics } from '../../sport-science/session-metrics.ts';
import type { Command } from '../command.ts';
import { UsageError } from './decode-command.ts';

const AnalyzeOptions = z.object({
  ANALYZE_SEX: z.enum(['male', 'female']).optional(),
  ANALYZE_AGE: z.coerce.number().int().min(5).max(110).optional(),
  ANALYZE_WEIGHT: z.coerce.number().min(15).max(300).optional(),
  ANALYZE_REST_HR: z.coerce.number().int().min(25).max(120).optional(),
  ANALYZE_MAX_HR: z.coerce.number().int().min(100).max(240).optional(),
  ANALYZE_ZONES: z.enum(['percent-max', 'reserve']).default('percent-max'),
});

/**
 * `sport-connect analyze <file>`: the session report's numbers for one workout file (CSV or FIT), with
 * the same code. Prints one JSON object; what could not be computed, and why, goes to stderr.
 */
export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'analyze <file.csv|file.fit>: session metrics of one workout (duration, HR, zones, kcal, TRIMP, points, HRV, HRR) as JSON',
  flags: {
    sex: { env: 'ANALYZE_SEX', description: 'male or female (calories, Banister TRIMP)' },
    age: { env: 'ANALYZE_AGE', description: 'years (calories)' },
    weight: { env: 'ANALYZE_WEIGHT', description: 'kg (calories)' },
    'rest-hr': { env: 'ANALYZE_REST_HR', description: 'resting heart rate, bpm (TRIMP, reserve zones)' },
    'max-hr': { env: 'ANALYZE_MAX_HR', description: 'maximum heart rate, bpm (zones, TRIMP, points)' },
    zones: { env: 'ANALYZE_ZONES', description: 'percent-max (default) or reserve (Karvonen)' },
  },
  positionals: '<file>  CSV with a header time,hr[,rr] or a FIT file',
  env: [],
  async run(env, positionals = []) {
    const [file] = positionals;
    if (!file || positionals.length > 1) throw new UsageError('give one file: sport-connect analyze <file.csv|file.fit> [flags]');
    const options = parseEnv(AnalyzeOptions, env);
    const workout = readWorkout(file);
    const metrics = computeSessionMetrics(
      workout.points,
      {
        sex: options.ANALYZE_SEX ?? null,
        ageYears: options.ANALYZE_AGE ?? null,
        weightKg: options.ANALYZE_WEIGHT ?? null,
        restHrBpm: options.ANALYZE_REST_HR ?? null,
        maxHrBpm: options.ANALYZE_MAX_HR ?? null,
      },
      options.ANALYZE_ZONES,
    );
    const { notes, suggestedMaxHrBpm, ...numbers } = metrics;
    for (const note of notes) console.error(`note: ${note}`);
    if (suggestedMaxHrBpm !== null) console.error(`note: ${suggestedMaxHrBpm} bpm was held for 10 s, above --max-hr: a new maximum?`);
    console.log(JSON.stringify(numbers));
    return 0;
  },
};

function readWorkout(file: string) {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (size > WORKOUT_FILE_MAX_BYTES) throw new UsageError(`${file} is ${size} bytes: a workout is at most ${WORKOUT_FILE_MAX_BYTES}`);
  try {
    return readWorkoutFile(readFileSync(file));
  } catch (error) {
    if (error instanceof WorkoutFileError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}
