import { runAbi } from './cli/abi.js';
import { runCheck } from './cli/check.js';
import { runRun } from './cli/run.js';
import { runCompare } from './cli/compare.js';
import { processIo, USAGE, type CliIo } from './cli/io.js';

/** The pvlab command line; returns the exit status. Never lets an exception escape as a stack trace. */
export function main(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return runCheck(rest, io);
      case 'run':
        return runRun(rest, io);
      case 'compare':
        return runCompare(rest, io);
      case 'abi':
        return runAbi(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return io.usage(`unknown command '${command}'`);
    }
  } catch (e) {
    io.err(`pvlab: internal error: ${e instanceof Error ? e.message : String(e)} (please report this with the input that caused it)`);
    return 3;
  }
}

const io = processIo();
const status = main(process.argv.slice(2), io);
// Let stdout drain before exiting (large --json output to a pipe).
process.stdout.write('', () => process.exit(status));
