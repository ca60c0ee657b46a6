/**
 * Symbolic models through the command line and the generated folder: `compile` without --dim keeps
 * the symbols (and --max-dim bounds them), the folder's own model.js is loaded once and run at
 * several sizes against onnxruntime CPU with no shader or pipeline created after load, `run` and
 * `compare` size a symbolic model's inputs with --run-dim, `inspect --json` counts its kernels,
 * and model.d.ts names the symbols. Tolerance: elementwise f32 vs onnxruntime, rtol 1e-5 / atol 1e-6.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { typecheckConsumer } from '../helpers/typecheck.js';
import { describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import type { Model } from '../../runtime/index.js';
import type { ModelPlan } from '../../runtime/plan.js';
import type { InspectResult } from '../../src/cli/inspect.js';
import { compileToMemory } from '../../src/compile.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildNodeModel } from '../import/one-node-model.js';
import { runOrt } from '../import/ort.js';
import { cli, fixture, tempDir } from './helpers.js';

const tmp = tempDir('symbolic');

interface GeneratedModule {
  plan: ModelPlan;
  load(options?: { device?: GPUDevice }): Promise<Model>;
}

/** Compiles `model` with the CLI into `name` and imports the folder's model.js. */
async function compileFolder(model: string, name: string, ...flags: string[]): Promise<{ dir: string; mod: GeneratedModule; out: string }> {
  const dir = join(tmp, name);
  const r = await cli('compile', model, '-o', dir, ...flags);
  expect(r.code, r.err).toBe(0);
  const mod = (await import(pathToFileURL(join(dir, 'model.js')).href)) as GeneratedModule;
  return { dir, mod, out: r.out };
}

// Add(a[batch, sequence], b[batch, sequence]): two inputs sharing both symbols.
const addModel = join(tmp, 'add-relu.onnx');
writeFileSync(
  addModel,
  buildNodeModel({
    op: 'Add',
    inputs: [
      { name: 'a', dtype: 'float32', dims: ['batch', 'sequence'] },
      { name: 'b', dtype: 'float32', dims: ['batch', 'sequence'] },
    ],
    outputs: ['sum'],
    opset: 17,
  }),
);

describe('a compiled symbolic folder', () => {
  test('loads once and matches onnxruntime at (1,1), (2,7), (3,130) with no shader or pipeline after load', async () => {
    const { mod, out } = await compileFolder(addModel, 'add');
    expect(out).toMatch(/intermediates .*; at batch=64, sequence=64\)/);
    expect(mod.plan.symbols.map((s) => s.name)).toEqual(['batch', 'sequence']);
    const model = await mod.load({ device: await getDevice() });
    try {
      const atLoad = { ...model.stats };
      for (const [i, [batch, sequence]] of [[1, 1], [2, 7], [3, 130], [2, 7]].entries()) {
        const r = rng(100 + i);
        const feeds: Record<string, Tensor> = { a: randomTensor('float32', [batch!, sequence!], r), b: randomTensor('float32', [batch!, sequence!], r) };
        const got = await model.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }])));
        const want = await runOrt(addModel, feeds);
        const sum = got.sum!;
        expect(sum.dims).toEqual([batch, sequence]);
        expectClose({ dtype: 'float32', dims: sum.dims, data: sum.data }, want.sum!, 1e-5, 1e-6, `sum at (${batch}, ${sequence})`);
      }
      expect(model.stats.shaderModulesCreated).toBe(atLoad.shaderModulesCreated);
      expect(model.stats.pipelinesCreated).toBe(atLoad.pipelinesCreated);
      // Inputs whose symbols disagree: both inputs, the axis and the symbol are named.
      const t = (dims: number[]) => ({ data: new Float32Array(dims[0]! * dims[1]!), dims });
      await expect(model.run({ a: t([2, 7]), b: t([2, 6]) })).rejects.toThrow(
        "input 'b' axis 1 is the symbol 'sequence', which input 'a' axis 1 sets to 7, but input 'b' has 6 there (dims [2, 6])",
      );
    } finally {
      model.dispose();
    }
  });

  test('--max-dim: allocated once at load, larger sizes refused; model.d.ts names the bound', async () => {
    const { dir, mod, out } = await compileFolder(addModel, 'add-max', '--max-dim', 'sequence=160', '--max-dim', 'batch=4');
    expect(out).toMatch(/; at batch=4, sequence=160\)/);
    expect(mod.plan.maxDims).toEqual({ sequence: 160, batch: 4 });
    const model = await mod.load({ device: await getDevice() });
    try {
      const t = (dims: number[]) => ({ data: new Float32Array(dims[0]! * dims[1]!).fill(1), dims });
      const atLoad = model.stats.buffersCreated;
      for (const dims of [[1, 1], [3, 130], [4, 160], [2, 9]]) {
        const r = await model.run({ a: t(dims), b: t(dims) });
        expect(r.sum!.dims).toEqual(dims);
        expect(Array.from(r.sum!.data as Float32Array).every((v) => v === 2)).toBe(true);
      }
      expect(model.stats.buffersCreated).toBe(atLoad);
      await expect(model.run({ a: t([5, 3]), b: t([5, 3]) })).rejects.toThrow(
        "input 'a' axis 0: 'batch' = 5 exceeds the model's declared maximum 4 (compiled with --max-dim batch=4; recompile with a larger bound)",
      );
    } finally {
      model.dispose();
    }
    const dts = readFileSync(join(dir, 'model.d.ts'), 'utf8');
    expect(dts).toContain('  /** float32 [batch, sequence] */\n  a: { data: Float32Array; dims: readonly [number, number] };');
    expect(dts).toContain(" * - batch: at most 4, given by input 'a' axis 0\n * - sequence: at most 160, given by input 'a' axis 1\n");

    // A consumer type-checks against it: dims are required and typed by rank.
    const consumer = join(tmp, 'consumer.ts');
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }');
    writeFileSync(
      consumer,
      `import { load } from './add-max/model.js';
const model = await load();
const x = { data: new Float32Array(6), dims: [2, 3] as const };
const outs = await model.run({ a: x, b: x });
const [rows, cols]: [number, number] = outs.sum.dims;
// @ts-expect-error dims are required for symbolic inputs
await model.run({ a: { data: new Float32Array(6) }, b: x });
// @ts-expect-error wrong rank
await model.run({ a: { data: new Float32Array(6), dims: [6] as const }, b: x });
export { rows, cols };
`,
    );
    expect(typecheckConsumer(consumer)).toEqual([]);
  });
});

describe('run, compare and inspect on a symbolic model', () => {
  test('run sizes random inputs with --run-dim, from the .onnx or a compiled folder', async () => {
    const onnx = await cli('run', fixture('symbolic-batch.onnx'), '--run-dim', 'batch=3');
    expect(onnx.code, onnx.err).toBe(0);
    expect(onnx.out).toMatch(/^input  x: float32 \[3, 4\] random/m);
    expect(onnx.out).toMatch(/^output y: float32 \[3, 4\] \[/m);
    const { dir } = await compileFolder(fixture('symbolic-batch.onnx'), 'sym');
    const folder = await cli('run', dir, '--run-dim', 'batch=130');
    expect(folder.code, folder.err).toBe(0);
    expect(folder.out).toMatch(/^output y: float32 \[130, 4\] \[/m);
    const missing = await cli('run', dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^onnx-wgsl: input 'x' has the symbolic dims \[batch, 4\]: give random inputs a size with --run-dim batch=N/);
    // A .npy input gives its own size (sample-f4.npy is [2, 3, 4]: rank 3 here, so the runtime says so).
    const npy = await cli('run', dir, '--input', `x=${fixture('sample-f4.npy')}`);
    expect(npy.code).toBe(1);
    expect(npy.err).toMatch(/input 'x': expected rank 2 \(float32 \[batch, 4\]\), got rank 3 \[2, 3, 4\]/);
  });

  test('compare compiles once symbolically and runs at the --run-dim sizes', async () => {
    for (const batch of [1, 5]) {
      const r = await cli('compare', fixture('symbolic-batch.onnx'), '--run-dim', `batch=${batch}`, '--json');
      expect(r.code, r.err).toBe(0);
      const j = JSON.parse(r.out) as { pass: boolean; inputs: { dims: number[] }[]; outputs: { dims: number[] }[] };
      expect(j.pass).toBe(true);
      expect(j.inputs[0]!.dims).toEqual([batch, 4]);
      expect(j.outputs[0]!.dims).toEqual([batch, 4]);
    }
    const both = await cli('compare', fixture('symbolic-batch.onnx'), '--dim', 'batch=3', '--run-dim', 'batch=3');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^onnx-wgsl: --run-dim batch: 'batch' is bound at compile time by --dim batch=3; give one or the other$/);
    const help = await cli('compare', '--help');
    expect(help.out).toContain('--run-dim <sym=N>');
  });

  test('inspect --json compiles a symbolic model and counts its kernels', async () => {
    const j = JSON.parse((await cli('inspect', fixture('symbolic-batch.onnx'), '--json')).out) as InspectResult;
    expect(j.compileError).toBeUndefined();
    expect(j.kernels).toBe(compileToMemory(fixture('symbolic-batch.onnx')).plan.kernels.length);
    expect(j.kernels).toBeGreaterThan(0);
  });

  test('--max-dim on a symbol bound with --dim, or one the model lacks, is a one-line error', async () => {
    const target = join(tmp, 'never');
    const bound = await cli('compile', fixture('symbolic-batch.onnx'), '-o', target, '--dim', 'batch=2', '--max-dim', 'batch=4');
    expect(bound.code).toBe(1);
    expect(bound.err).toBe("onnx-wgsl: --max-dim batch: 'batch' is bound at compile time (--dim batch=2), so it has no range to bound");
    const unknown = await cli('compile', fixture('symbolic-batch.onnx'), '-o', target, '--max-dim', 'seq=4');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe("onnx-wgsl: --max-dim seq: no input has the symbolic dim 'seq' (symbolic dims: batch)");
  });
});
