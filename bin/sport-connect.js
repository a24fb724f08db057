#!/usr/bin/env node
// Entry of the `sport-connect` command. The sources are TypeScript run through tsx, so a club PC needs
// no build step beyond `npm install`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
