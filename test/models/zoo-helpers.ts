/**
 * What the zoo tests share: models.json, seeded inputs as it describes them (attention masks filled
 * as 'padding': ones, then zeros after a random length of at least 1 per row), which input axes are
 * symbolic (read with Debian's python3-onnx, independently of our importer), onnxruntime CPU
 * references, and running a compiled folder from a plain Node program (run-compiled.mjs).
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { HostData } from '../../runtime/convert.js';
import { rng } from '../helpers/random.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const zooDir = resolve(repo, '../shared/models');
export const outRoot = join(repo, 'out', 'zoo');

export interface InputSpec {
  dtype: 'float32' | 'int64';
  shape: number[];
  range: [number, number];
  fill?: 'padding';
}
export interface ZooEntry {
  inputs: Record<string, InputSpec>;
  symbolic?: Record<string, number[]>;
}
export const zoo = JSON.parse(readFileSync(join(zooDir, 'models.json'), 'utf8')) as { models: Record<string, ZooEntry> };

/** Seeded inputs as models.json describes them. */
export function makeInputs(entry: ZooEntry, seed: number, shapes?: Record<string, number[]>): { name: string; dtype: string; dims: number[]; data: Float32Array | BigInt64Array }[] {
  const rand = rng(seed);
  return Object.entries(entry.inputs).map(([name, spec]) => {
    const s = { ...spec, shape: shapes?.[name] ?? spec.shape };
    const n = s.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = s.range;
    if (s.dtype === 'float32') {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rand();
      return { name, dtype: s.dtype, dims: s.shape, data };
    }
    const data = new BigInt64Array(n);
    if (s.fill === 'padding') {
      // Ones, then zeros after a random length of at least 1, per row.
      const rowLen = s.shape[s.shape.length - 1]!;
      for (let r = 0; r < n / rowLen; r++) {
        const len = 1 + Math.floor(rand() * rowLen);
        for (let j = 0; j < rowLen; j++) data[r * rowLen + j] = j < len ? 1n : 0n;
      }
    } else {
      for (let i = 0; i < n; i++) data[i] = BigInt(lo + Math.floor((hi - lo + 1) * rand()));
    }
    return { name, dtype: s.dtype, dims: s.shape, data };
  });
}

/** Per graph input, its symbolic axes as [symbol, axis] (read with python3-onnx). */
export function symbolicAxes(model: string): Record<string, [string, number][]> {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', SYMBOLS_PY, join(zooDir, `${model}.onnx`)], { encoding: 'utf8' })) as Record<string, [string, number][]>;
}

/** Symbol bindings matching the models.json input shapes (the first test size). */
export function dimFlags(model: string, entry: ZooEntry): string[] {
  const p = symbolicAxes(model);
  const flags = new Set<string>();
  for (const [input, axes] of Object.entries(p)) {
    for (const [sym, axis] of axes) flags.add(`${sym}=${entry.inputs[input]!.shape[axis]}`);
  }
  return [...flags].flatMap((f) => ['--dim', f]);
}
const SYMBOLS_PY = `
import json, sys, onnx
m = onnx.load(sys.argv[1], load_external_data=False)
inits = {i.name for i in m.graph.initializer}
out = {}
for i in m.graph.input:
    if i.name in inits: continue
    out[i.name] = [[d.dim_param, k] for k, d in enumerate(i.type.tensor_type.shape.dim) if d.dim_param]
print(json.dumps(out))
`;

export async function reference(model: string, inputs: ReturnType<typeof makeInputs>): Promise<Map<string, { data: HostData; dims: number[] }>> {
  const session = await ort.InferenceSession.create(join(zooDir, `${model}.onnx`));
  const feeds: Record<string, ort.Tensor> = {};
  for (const i of inputs) feeds[i.name] = new ort.Tensor(i.dtype as 'float32', i.data as Float32Array, i.dims);
  const result = await session.run(feeds);
  const out = new Map<string, { data: HostData; dims: number[] }>();
  // Copy before release: onnxruntime frees its output buffers with the session.
  for (const [name, t] of Object.entries(result)) out.set(name, { data: (t.data as Float32Array).slice(), dims: [...t.dims] });
  await session.release();
  return out;
}

export interface CompiledOutput {
  name: string;
  dtype: string;
  dims: number[];
  data: Float32Array;
}

/**
 * Writes each input set into its own IO folder, runs them all through ONE load of the compiled
 * folder `outDir` (run-compiled.mjs), and returns the outputs per set plus the model's counters
 * after load and after the runs.
 */
export function runCompiled(
  outDir: string,
  ioBase: string,
  sets: ReturnType<typeof makeInputs>[],
): { outputs: CompiledOutput[][]; stats: { afterLoad: Record<string, number>; afterRuns: Record<string, number> } } {
  const ioDirs = sets.map((inputs, s) => {
    const ioDir = `${ioBase}.${s}`;
    rmSync(ioDir, { recursive: true, force: true });
    mkdirSync(ioDir, { recursive: true });
    writeFileSync(
      join(ioDir, 'inputs.json'),
      JSON.stringify(inputs.map((i, k) => ({ name: i.name, dtype: i.dtype, dims: i.dims, file: `in-${k}.bin` }))),
    );
    inputs.forEach((i, k) => writeFileSync(join(ioDir, `in-${k}.bin`), new Uint8Array(i.data.buffer)));
    return ioDir;
  });
  execFileSync(process.execPath, [join(here, 'run-compiled.mjs'), outDir, ...ioDirs], { stdio: ['ignore', 'ignore', 'pipe'] });
  const outputs = ioDirs.map((ioDir) => {
    const meta = JSON.parse(readFileSync(join(ioDir, 'outputs.json'), 'utf8')) as { name: string; dtype: string; dims: number[]; file: string }[];
    return meta.map((o) => {
      const bytes = readFileSync(join(ioDir, o.file));
      return { ...o, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
    });
  });
  return { outputs, stats: JSON.parse(readFileSync(join(outDir, 'stats.json'), 'utf8')) };
}
