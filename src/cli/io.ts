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

/** "1.50 MiB", "12.0 KiB", "312 B". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
