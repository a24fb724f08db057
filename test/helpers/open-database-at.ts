// A process that opens (creating and migrating) one SQLite file at an agreed moment, so several start
// "at once" as api and ingest do on a first start. argv: <file> <epoch ms to start at>.
import { openDatabase } from '../../store/database.ts';

const [file, startAtMs] = process.argv.slice(2);
// Busy-wait rather than sleep: timers are too coarse to line several processes up within a millisecond.
while (Date.now() < Number(startAtMs));
try {
  openDatabase(file!).close();
  console.log('ok');
} catch (error) {
  console.log(`failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
