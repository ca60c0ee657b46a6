/**
 * Where the CLI's commands print: stdout for results, stderr for diagnostics. Commands take an Io
 * instead of touching `process` so tests can run them in-process and read what they printed.
 */

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
