/**
 * The ONNX backend test data as Debian's libonnx-testdata installs it: one folder per test under
 * `<root>/<suite>/<test>/`, holding `model.onnx` and `test_data_set_0/{input_N.pb, output_N.pb}`
 * (standalone TensorProtos). This file finds the tests, reads a data set and matches it to the
 * model's inputs and outputs (names, symbolic dims); it knows nothing of the compiler. The root can be moved with ONNX_TESTDATA_DIR (for a local copy of the data).
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTensorFile, type NamedTensor } from '../../src/onnx/decode.js';
import type { OnnxValueInfo } from '../../src/onnx/model.js';

export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'] as const;
export type Suite = (typeof SUITES)[number];

export function isSuite(s: string): s is Suite {
  return (SUITES as readonly string[]).includes(s);
}

export function dataRoot(): string {
  return process.env['ONNX_TESTDATA_DIR'] ?? '/usr/share/libonnx-testdata/data';
}

/** Thrown when the data is not installed: callers must fail, never skip. */
export class MissingTestDataError extends Error {
  override readonly name = 'MissingTestDataError';
}

export function checkDataInstalled(root = dataRoot()): void {
  const missing = SUITES.filter((s) => !existsSync(join(root, s)));
  if (missing.length > 0) {
    throw new MissingTestDataError(
      `the ONNX backend test data is not installed: ${missing.map((s) => join(root, s)).join(', ')} missing. ` +
        `Install Debian's libonnx-testdata package (apt-get install libonnx-testdata; CI installs it) ` +
        `or point ONNX_TESTDATA_DIR at a copy of its data folder.`,
    );
  }
}

export interface TestCase {
  suite: Suite;
  name: string;
  dir: string;
}

/** "suite/name": the key of a test in results.json and in filters. */
export function caseKey(c: { suite: Suite; name: string }): string {
  return `${c.suite}/${c.name}`;
}

/**
 * The tests of `suites`, sorted by name within each suite. `filter` is matched against both the
 * test name and its "suite/name" key.
 */
export function listCases(suites: readonly Suite[], filter?: RegExp, root = dataRoot()): TestCase[] {
  checkDataInstalled(root);
  const out: TestCase[] = [];
  for (const suite of suites) {
    const base = join(root, suite);
    const names = readdirSync(base)
      .filter((n) => statSync(join(base, n)).isDirectory())
      .sort();
    for (const name of names) {
      if (filter && !filter.test(name) && !filter.test(`${suite}/${name}`)) continue;
      out.push({ suite, name, dir: join(base, name) });
    }
  }
  return out;
}

/** input_N.pb / output_N.pb of a data set, in N order (input_10 after input_9). */
function numbered(files: string[], prefix: 'input' | 'output'): string[] {
  const re = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  return files
    .map((f) => ({ f, m: re.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => x.f);
}

export interface DataSetFiles {
  dir: string;
  inputs: string[];
  outputs: string[];
}

/** The first data set's files, or null when the test has none (or it holds no outputs). */
export function findDataSet(c: TestCase): DataSetFiles | null {
  const dir = join(c.dir, 'test_data_set_0');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir);
  const outputs = numbered(files, 'output');
  if (outputs.length === 0) return null;
  return { dir, inputs: numbered(files, 'input'), outputs };
}

/** Reads one .pb tensor; a fresh copy of the bytes so views on it own their buffer. */
export function readTensorFile(dir: string, file: string): NamedTensor {
  const bytes = new Uint8Array(readFileSync(join(dir, file)));
  return decodeTensorFile(bytes, file);
}

/**
 * Matches data-set tensors to the model's names: by the names the .pb files carry when all of them
 * have one and they are exactly the expected names, else by position. Returns null when the counts
 * differ (the caller reports it).
 */
export function matchByName<T extends { name: string }>(tensors: T[], names: readonly string[]): Map<string, T> | null {
  if (tensors.length !== names.length) return null;
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const named = tensors.every((t) => t.name !== '') && byName.size === names.length && names.every((n) => byName.has(n));
  if (named) return new Map(names.map((n) => [n, byName.get(n)!]));
  return new Map(names.map((n, i) => [n, tensors[i]!]));
}

/** The data set and the model disagree (counts, ranks, dtypes): reported as an 'error'. */
export class DataSetError extends Error {
  override readonly name = 'DataSetError';
}

/** The name import.ts gives an unknown (null) input dim, so it can be bound like a symbol. */
function unknownDimName(input: string, axis: number): string {
  return `unk_${input.replace(/[^A-Za-z0-9_]/g, '_')}_${axis}`;
}

/** symbol → size from the fed tensors; throws DataSetError on a rank or binding conflict. */
export function bindSymbols(
  inputs: readonly OnnxValueInfo[],
  fed: ReadonlyMap<string, { dims: readonly number[] }>,
): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const vi of inputs) {
    const t = fed.get(vi.name);
    if (!t) throw new DataSetError(`input '${vi.name}' has no tensor in the data set`);
    if (vi.shape === null) continue; // the importer reports an input of unknown rank
    if (vi.shape.length !== t.dims.length) {
      const given = `[${t.dims.join(', ')}]`;
      throw new DataSetError(`input '${vi.name}': the data set has dims ${given} but the model declares rank ${vi.shape.length}`);
    }
    vi.shape.forEach((d, axis) => {
      if (typeof d === 'number') return;
      const symbol = d ?? unknownDimName(vi.name, axis);
      const size = t.dims[axis]!;
      if (symbol in dims && dims[symbol] !== size) {
        throw new DataSetError(`symbol '${symbol}' is ${dims[symbol]} in one input and ${size} in input '${vi.name}'`);
      }
      dims[symbol] = size;
    });
  }
  return dims;
}
