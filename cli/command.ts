import { parseArgs } from 'node:util';

export interface CommandFlag {
  /** Environment variable the flag sets (flags win over the environment). */
  env: string;
  description: string;
  boolean?: boolean;
}

export interface Command {
  name: string;
  summary: string;
  flags: Record<string, CommandFlag>;
  /** Environment variables read besides the flags, for --help. */
  env: string[];
  /** Usage of positional arguments, for commands that take them. */
  positionals?: string;
  /** Example invocations (arguments after the command name), shown by --help; a test runs each one. */
  examples?: string[][];
  run(env: Record<string, string | undefined>, positionals?: string[]): Promise<number>;
}

/** Parses a command's flags into environment overrides (so one zod schema validates both) and its positionals. */
export function parseCommandLine(
  command: Command,
  argv: string[],
  env: Record<string, string | undefined>,
): { env: Record<string, string | undefined>; positionals: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: command.positionals !== undefined,
    options: Object.fromEntries(
      Object.entries(command.flags).map(([name, flag]) => [name, { type: flag.boolean ? 'boolean' : 'string' }] as const),
    ),
  });
  const merged = { ...env };
  for (const [name, value] of Object.entries(values)) merged[command.flags[name]!.env] = String(value);
  return { env: merged, positionals };
}

export function helpOf(command: Command): string {
  const flags = Object.entries(command.flags).map(([name, flag]) => {
    const usage = `  --${name}${flag.boolean ? '' : ' <value>'}`;
    return `${usage.padEnd(28)}${flag.description} (${flag.env})`;
  });
  return [
    `sport-connect ${command.name}${command.positionals ? ` [flags] ${command.positionals}` : ''} — ${command.summary}`,
    '',
    flags.length ? 'Flags:' : '',
    ...flags,
    '',
    ...(command.examples?.length
      ? ['Examples:', ...command.examples.map((argv) => `  sport-connect ${command.name} ${argv.map(quoteArgument).join(' ')}`), '']
      : []),
    ...(command.env.length ? [`Environment: ${command.env.join(', ')}`, 'See README.md for every variable and its default.'] : []),
  ].join('\n');
}

const quoteArgument = (argument: string) => (/^[\w.:/=@,-]+$/.test(argument) ? argument : `"${argument}"`);

/** Resolves when SIGINT or SIGTERM arrives. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
