import { ConfigError } from '../protocol/env.ts';
import { ScenarioError } from '../simulators/scenario/scenario-file.ts';
import { type Command, helpOf, parseCommandLine } from './command.ts';
import { clubCommand, mosquittoConfigCommand, serviceCommand, userCommand } from './commands/account-commands.ts';
import { analyzeCommand } from './commands/analyze-command.ts';
import { apiCommand } from './commands/api-command.ts';
import { athletesCommand } from './commands/athletes-command.ts';
import { brokerCommand } from './commands/broker-command.ts';
import { decodeCommand, UsageError } from './commands/decode-command.ts';
import { gatewayCommand } from './commands/gateway-command.ts';
import { ingestCommand } from './commands/ingest-command.ts';
import { profilesCommand } from './commands/profiles-command.ts';
import { registryCommand } from './commands/registry-command.ts';
import { simulateCommand } from './commands/simulate-command.ts';
import { upCommand } from './commands/up-command.ts';
import { StartupError } from './startup-error.ts';

const COMMANDS: Command[] = [
  upCommand,
  brokerCommand,
  gatewayCommand,
  ingestCommand,
  apiCommand,
  simulateCommand,
  decodeCommand,
  profilesCommand,
  analyzeCommand,
  clubCommand,
  athletesCommand,
  registryCommand,
  userCommand,
  serviceCommand,
  mosquittoConfigCommand,
];

function usage(): string {
  return [
    'Usage: sport-connect <command> [flags]   (sport-connect <command> --help for its flags)',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`),
  ].join('\n');
}

/** Runs one command and returns the process exit code. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(helpOf(command));
    return 0;
  }
  try {
    const { env: merged, positionals } = parseCommandLine(command, rest, env);
    return await command.run(merged, positionals);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (
      error instanceof ConfigError ||
      error instanceof UsageError ||
      error instanceof StartupError ||
      error instanceof ScenarioError ||
      code.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`sport-connect ${name}: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}
