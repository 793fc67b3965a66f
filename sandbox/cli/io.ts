import { diskHost } from '../lang/fileHost.js';
import type { FileHost } from '../lang/program.js';

/** Where the command line reads and writes: the disk and real streams in the binary, buffers in tests. */
export interface CliIo {
  cwd: string;
  /** Where pvk sources come from. */
  files: FileHost;
  out(line: string): void;
  err(line: string): void;
  /** Reports bad usage on stderr and returns exit status 2. */
  usage(message: string): number;
}

export const USAGE = `usage:
  pvlab check FILE|DIR… [--json]
  pvlab run SYSTEM_FILE [--system NAME] [--json] [--max-cycles N] [--patch-pvops] [--engine fast|step|interpreter]
            [--profile OUT.cpuprofile] [--trace OUT.json] [--profile-json OUT.json] [--summary]
  pvlab compare SYSTEM_FILE [--system NAME] [--json] [--max-cycles N]
  pvlab abi lock [FILE|DIR…] [--lock FILE]
  pvlab abi check [FILE|DIR…] [--lock FILE] [--json]
  pvlab abi diff OLD NEW [--json]`;

export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    files: diskHost,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    usage(message) {
      process.stderr.write(`pvlab: ${message}\n${USAGE}\n`);
      return 2;
    },
  };
}
