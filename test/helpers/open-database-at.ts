// A process that opens (creating and migrating) one SQLite file when told to, so several start "at
// once" as api and ingest do on a first start. argv: <file>. Prints "ready" once loaded, then waits for
// a line on stdin; the test writes it to every process together.
import { openDatabase } from '../../store/database.ts';

const [file] = process.argv.slice(2);
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  try {
    openDatabase(file!).close();
    process.stdout.write('ok\n');
  } catch (error) {
    process.stdout.write(`failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
  process.stdin.destroy();
});
