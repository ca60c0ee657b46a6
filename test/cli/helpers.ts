/**
 * Shared setup of the in-process CLI tests: repository paths, a per-file temporary folder removed
 * after the file's tests, and `cli(...argv)`, which runs the command line's `main` and captures
 * its exit code and output.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { main } from '../../src/cli/program.js';
import type { Io } from '../../src/cli/io.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const tinyCnn = join(repo, 'examples/tiny-cnn.onnx');
export const fixture = (name: string): string => join(repo, 'test/fixtures/cli', name);

/** A temporary folder for one test file, removed after its tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `onnx-wgsl-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
