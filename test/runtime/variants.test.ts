/**
 * Value-specialized variants end to end (src/variants.ts, runtime/variants.ts): models whose axes
 * arrive as GRAPH inputs are compiled once per legal value, loaded once (every variant's pipelines
 * at load), and run with many axes values, each against a CPU reference on fresh random data with
 * the outputs poisoned (NaN written into the model's output buffers) before the checked run.
 *
 * The fixture (test/fixtures/make_variant_fixtures.py): s = x + W; r = ReduceSum(s, axes,
 * keepdims=1); z = ReduceSum(x, axes, keepdims=0); y = Unsqueeze(r, uaxes), with axes of any
 * length (8 subsets of 3 axes) and one unsqueeze axis of the rank-4 output (4 values): 32
 * variants. Tolerance: sums of at most 24 terms of magnitude < 4 in f32, against a float64
 * reference: rtol 1e-5 / atol 1e-5 is ~10× the worst rounding (24 · 2⁻²⁴ · 4 ≈ 6e-6).
 *
 * Also: identical weights stored once, the report and model.d.ts (dims that differ by variant
 * are `number`, a rank that differs is `number[]`), the generated folder loading variants, and the
 * clear errors: out-of-range and repeated axes, a GPU-resident selector, a legal value with no
 * variant (Squeeze of a size-3 axis; Dropout training_mode=true), too many variants.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { compile, compileModel, compileToMemory, type CompiledModel } from '../../src/compile.js';
import { generateDts } from '../../src/emit/dts.js';
import { decodeModel, loadModelFile } from '../../src/onnx/decode.js';
import { MAX_VARIANTS, VariantLimitError } from '../../src/variants.js';
import { createModel, InputValidationError, UnsupportedValueError, type Model, type OutputTensor } from '../../runtime/index.js';
import { buildNodeModel } from '../import/one-node-model.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { typecheckConsumer } from '../helpers/typecheck.js';

const fixture = join(import.meta.dirname, '../fixtures/variants/reduce_unsqueeze.onnx');
const NAN_WORD = 0x7fc00000;

let device: GPUDevice;
let compiled: CompiledModel;
let model: Model;
let w: Float32Array;
const tmp = mkdtempSync(join(tmpdir(), 'onnx-wgsl-variants-'));

beforeAll(async () => {
  device = await getDevice();
  compiled = compileToMemory(fixture);
  model = await createModel(compiled.plan, compiled.weights, { device });
  w = loadModelFile(fixture).graph.initializers.get('W')!.data as Float32Array;
});
afterAll(() => {
  model?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** Sum of `data` (row-major `dims`) over `axes` (normalized, any order). */
function reduceSum(data: ArrayLike<number>, dims: number[], axes: number[], keepdims: boolean): { data: number[]; dims: number[] } {
  const outDims = dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Array<number>(outDims.reduce((a, b) => a * b, 1)).fill(0);
  const idx = dims.map(() => 0);
  for (let flat = 0; flat < data.length; flat++) {
    let rem = flat;
    for (let i = dims.length - 1; i >= 0; i--) {
      idx[i] = rem % dims[i]!;
      rem = Math.floor(rem / dims[i]!);
    }
    let o = 0;
    for (let i = 0; i < dims.length; i++) o = o * outDims[i]! + (axes.includes(i) ? 0 : idx[i]!);
    out[o]! += data[flat]!;
  }
  return { data: out, dims: keepdims ? outDims : dims.filter((_, i) => !axes.includes(i)) };
}

/** The fixture's outputs on the CPU, in float64. */
function reference(x: Float32Array, axes: number[], uaxes: number[]): Record<string, { data: number[]; dims: number[] }> {
  const norm = (a: number, r: number) => (a < 0 ? a + r : a);
  const all = axes.length === 0 ? [0, 1, 2] : axes.map((a) => norm(a, 3));
  const s = Array.from(x, (v, i) => v + w[i]!);
  const r = reduceSum(s, [2, 3, 4], all, true);
  const u = norm(uaxes[0]!, 4);
  const yDims = [...r.dims];
  yDims.splice(u, 0, 1);
  return { y: { data: r.data, dims: yDims }, z: reduceSum(x, [2, 3, 4], all, false), s: { data: s, dims: [2, 3, 4] } };
}

const i64 = (v: number[]) => ({ data: BigInt64Array.from(v.map(BigInt)), dims: [v.length] });
const f32 = (t: OutputTensor): Tensor => ({ dtype: 'float32', dims: t.dims, data: t.data as Float32Array });

/** Runs once leaving outputs on the GPU, poisons those buffers, then runs again and returns host outputs. */
async function poisonedRun(m: Model, feeds: Parameters<Model['run']>[0]): Promise<Record<string, OutputTensor>> {
  const onGpu = await m.run(feeds, { outputs: 'gpu' });
  for (const o of Object.values(onGpu)) device.queue.writeBuffer(o.buffer, 0, new Uint32Array(o.buffer.size / 4).fill(NAN_WORD));
  return m.run(feeds);
}

describe('ReduceSum and Unsqueeze axes given as graph inputs', () => {
  test('compiles one variant per legal value, sharing the weights', () => {
    const v = compiled.plan.variants!;
    expect(v.selectors.map((s) => [s.input, s.domain])).toEqual([
      ['axes', { kind: 'axes', rank: 3, order: 'set', length: null }],
      ['uaxes', { kind: 'axes', rank: 3, order: 'set', outputRank: true, length: 1 }],
    ]);
    expect(v.table).toHaveLength(32);
    expect(v.absent).toEqual([]);
    expect(compiled.report.variants).toEqual({ count: 32, inputs: ['axes', 'uaxes'] });
    expect(compiled.report.notes.join('\n')).toMatch(/32 variants selected per run by inputs 'axes' \(ReduceSum 'reduce_keep' axes\), 'uaxes' \(Unsqueeze 'unsqueeze' axes\)/);
    // W (96 bytes) is stored once and every variant reads it at the same offset.
    const offsets = new Set(v.table.flatMap((t) => t.plan.weights.filter((x) => x.name === 'W').map((x) => x.offset)));
    expect(offsets.size).toBe(1);
    expect(compiled.weights.byteLength).toBeLessThan(256 + 96);
    for (const t of v.table) expect(t.plan.weightsByteLength).toBe(compiled.weights.byteLength);
    // The selecting inputs stay inputs, as declared.
    expect(compiled.plan.inputs.map((t) => [t.name, t.dtype, t.declaredDims])).toEqual([
      ['x', 'float32', [2, 3, 4]],
      ['axes', 'int64', ['n']],
      ['uaxes', 'int64', [1]],
    ]);
  });

  test('runs every kind of axes value against the CPU reference, creating no pipeline after load', async () => {
    const pipelines = model.stats.pipelinesCreated;
    const shaders = model.stats.shaderModulesCreated;
    // Variants share identical shaders and pipelines: one per distinct WGSL, not one per variant.
    const distinct = new Set(compiled.plan.variants!.table.flatMap((t) => t.plan.shaders)).size;
    expect(pipelines).toBe(distinct);
    expect(distinct).toBeLessThan(compiled.plan.variants!.table.reduce((n, t) => n + t.plan.shaders.length, 0));
    const cases: [number[], number[]][] = [
      [[], [0]], // empty axes: reduce everything
      [[1], [-1]],
      [[-1, 0], [2]],
      [[2, 0, 1], [3]], // every axis, unsorted
      [[-2], [1]],
      [[0, 2], [-4]],
      [[1], [0]], // again, after other variants ran
    ];
    const r = rng(5);
    for (const [axes, uaxes] of cases) {
      const x = randomTensor('float32', [2, 3, 4], r).data as Float32Array;
      const got = await poisonedRun(model, { x: { data: x }, axes: i64(axes), uaxes: i64(uaxes) });
      const want = reference(x, axes, uaxes);
      for (const name of ['y', 'z', 's']) {
        const what = `${name} for axes [${axes}] uaxes [${uaxes}]`;
        expect(got[name]!.dims, what).toEqual(want[name]!.dims);
        expectClose(f32(got[name]!), { dtype: 'float32', dims: want[name]!.dims, data: Float32Array.from(want[name]!.data) }, 1e-5, 1e-5, what);
      }
    }
    expect(model.stats.pipelinesCreated).toBe(pipelines);
    expect(model.stats.shaderModulesCreated).toBe(shaders);
  });

  test('out-of-range or repeated axes and a GPU-resident selector are clear errors', async () => {
    const x = { data: randomTensor('float32', [2, 3, 4], rng(6)).data as Float32Array };
    await expect(model.run({ x, axes: i64([3]), uaxes: i64([0]) })).rejects.toThrow(
      new InputValidationError("input 'axes': axis 3 is out of range for rank 3 (ONNX: each axis must be in [-3, 2])"),
    );
    await expect(model.run({ x, axes: i64([0]), uaxes: i64([-5]) })).rejects.toThrow(/input 'uaxes': axis -5 is out of range for rank 4/);
    await expect(model.run({ x, axes: i64([0, -3]), uaxes: i64([0]) })).rejects.toThrow(/input 'axes' repeats axis 0/);
    // A wrong element count is reported by the usual input validation.
    await expect(model.run({ x, axes: i64([0]), uaxes: i64([0, 1]) })).rejects.toThrow(InputValidationError);
    const buffer = device.createBuffer({ size: 8, usage: 0x80 | 0x4 | 0x8 });
    await expect(model.run({ x, axes: { buffer, dims: [1] }, uaxes: i64([0]) })).rejects.toThrow(
      /input 'axes' decides the model's structure \(ReduceSum 'reduce_keep' axes\).*must be host data, not a GPUBuffer/,
    );
    buffer.destroy();
    // The model still runs after the refusals.
    const ok = await model.run({ x, axes: i64([0]), uaxes: i64([0]) });
    expect(ok.y!.dims).toEqual([1, 1, 3, 4]);
  });

  test('model.d.ts types outputs whose dims differ by variant; the generated folder loads the variants', async () => {
    const dts = generateDts(compiled.plan);
    expect(dts).toContain('y: { data: Float32Array; dims: [number, number, number, number]; dtype: \'float32\' };');
    expect(dts).toContain("z: { data: Float32Array; dims: number[]; dtype: 'float32' };");
    expect(dts).toContain("s: { data: Float32Array; dims: [2, 3, 4]; dtype: 'float32' };");
    expect(dts).toMatch(/Compiled variants: 32, one per legal value of inputs 'axes'/);

    const out = join(tmp, 'out');
    await compile(fixture, out);
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }');
    const consumer = join(tmp, 'consumer.ts');
    writeFileSync(
      consumer,
      `import { load } from './out/model.js';
const model = await load();
const outs = await model.run({ x: { data: new Float32Array(24) }, axes: { data: BigInt64Array.of(1n), dims: [1] }, uaxes: { data: BigInt64Array.of(0n) } });
const y: [number, number, number, number] = outs.y.dims;
const z: number[] = outs.z.dims;
const s: [2, 3, 4] = outs.s.dims;
// @ts-expect-error z's rank differs by variant
const z2: [number, number] = outs.z.dims;
export { y, z, s, z2 };
`,
    );
    expect(typecheckConsumer(consumer)).toEqual([]);
    expect(readFileSync(join(out, 'model.d.ts'), 'utf8')).toContain('dims: number[]');
    // model.js lists each distinct WGSL once, however many variants use it.
    const js = readFileSync(join(out, 'model.js'), 'utf8');
    expect(js.match(/^\/\/ shader \d+:/gm)!.length).toBe(new Set(compiled.plan.variants!.table.flatMap((t) => t.plan.shaders)).size);

    const mod = (await import(pathToFileURL(join(out, 'model.js')).href)) as { load(o: { device: GPUDevice }): Promise<Model> };
    const loaded = await mod.load({ device });
    try {
      const x = randomTensor('float32', [2, 3, 4], rng(7)).data as Float32Array;
      const got = await loaded.run({ x: { data: x }, axes: i64([-1]), uaxes: i64([1]) });
      const want = reference(x, [-1], [1]);
      expect(got.z!.dims).toEqual(want.z!.dims);
      expectClose(f32(got.z!), { dtype: 'float32', dims: want.z!.dims, data: Float32Array.from(want.z!.data) }, 1e-5, 1e-5, 'z via model.js');
    } finally {
      loaded.dispose();
    }
  });
});

describe('Slice axes given as a graph input (order matters)', () => {
  test('each ordering of the axes is its own variant; negative axes select the same ones', async () => {
    const bytes = buildNodeModel({
      op: 'Slice',
      inputs: [
        { name: 'x', dtype: 'float32', dims: [4, 5] },
        { name: 'starts', tensor: { dtype: 'int64', dims: [2], data: BigInt64Array.of(1n, 2n) } },
        { name: 'ends', tensor: { dtype: 'int64', dims: [2], data: BigInt64Array.of(3n, 5n) } },
        { name: 'axes', dtype: 'int64', dims: [2] },
      ],
      outputs: ['y'],
      opset: 13,
    });
    const c = compileModel(decodeModel(bytes), 'slice');
    expect(c.plan.variants!.table.map((t) => t.values)).toEqual([[[0, 1]], [[1, 0]]]);
    const m = await createModel(c.plan, c.weights, { device });
    try {
      const x = randomTensor('float32', [4, 5], rng(10)).data as Float32Array;
      // axes [0, 1]: rows 1..2, columns 2..4; axes [1, 0]: columns 1..2, rows 2..3 (end 5 clamps to 4).
      const window = (r0: number, r1: number, c0: number, c1: number) => {
        const out: number[] = [];
        for (let r = r0; r < r1; r++) for (let col = c0; col < c1; col++) out.push(x[r * 5 + col]!);
        return out;
      };
      for (const [axes, dims, want] of [
        [[0, 1], [2, 3], window(1, 3, 2, 5)],
        [[1, 0], [2, 2], window(2, 4, 1, 3)],
        [[-1, -2], [2, 2], window(2, 4, 1, 3)],
        [[-2, 1], [2, 3], window(1, 3, 2, 5)],
      ] as [number[], number[], number[]][]) {
        const got = await poisonedRun(m, { x: { data: x }, axes: i64(axes) });
        expect(got.y!.dims, `axes [${axes}]`).toEqual(dims);
        expect(Array.from(got.y!.data as Float32Array), `axes [${axes}]`).toEqual(want);
      }
    } finally {
      m.dispose();
    }
  });
});

describe('values without a variant, and the limit', () => {
  test('Squeeze: an axis whose size is not 1 has no variant, and run() says why', async () => {
    const bytes = buildNodeModel({
      op: 'Squeeze',
      inputs: [{ name: 'x', dtype: 'float32', dims: [1, 3, 1, 5] }, { name: 'axes', dtype: 'int64', dims: [1] }],
      outputs: ['y'],
      opset: 13,
      nodeName: 'sq',
    });
    const c = compileModel(decodeModel(bytes), 'squeeze');
    expect(c.plan.variants!.table.map((t) => t.values)).toEqual([[[0]], [[2]]]);
    expect(c.plan.variants!.absent.map((a) => a.values)).toEqual([[[1]], [[3]]]);
    const m = await createModel(c.plan, c.weights, { device });
    try {
      const x = randomTensor('float32', [1, 3, 1, 5], rng(8));
      const got = await poisonedRun(m, { x: { data: x.data as Float32Array }, axes: i64([-2]) });
      expect(got.y!.dims).toEqual([1, 3, 5]);
      expectClose(f32(got.y!), { ...x, dims: [1, 3, 5] }, 0, 0, 'squeezed copy');
      await expect(m.run({ x: { data: x.data as Float32Array }, axes: i64([1]) })).rejects.toThrow(UnsupportedValueError);
      await expect(m.run({ x: { data: x.data as Float32Array }, axes: i64([-3]) })).rejects.toThrow(
        /axes=\[1\]: no compiled variant for this value: Squeeze 'sq': cannot squeeze axis 1 of size 3/,
      );
    } finally {
      m.dispose();
    }
  });

  test('Dropout: training_mode as a bool graph input runs when false and refuses true', async () => {
    const bytes = buildNodeModel({
      op: 'Dropout',
      inputs: [
        { name: 'x', dtype: 'float32', dims: [3, 4] },
        { name: 'ratio', tensor: { dtype: 'float32', dims: [], data: Float32Array.of(0.5) } },
        { name: 't', dtype: 'bool', dims: [] },
      ],
      outputs: ['y'],
      opset: 13,
      nodeName: 'drop',
    });
    const c = compileModel(decodeModel(bytes), 'dropout');
    expect(c.plan.variants!.table.map((t) => t.values)).toEqual([[[0]]]);
    const m = await createModel(c.plan, c.weights, { device });
    try {
      const x = randomTensor('float32', [3, 4], rng(9));
      const got = await m.run({ x: { data: x.data as Float32Array }, t: { data: Uint8Array.of(0) } });
      expectClose(f32(got.y!), x, 0, 0, 'inference dropout is the identity');
      await expect(m.run({ x: { data: x.data as Float32Array }, t: { data: Uint8Array.of(1) } })).rejects.toThrow(
        /t=true: no compiled variant for this value: Dropout 'drop': training_mode=true is not supported/,
      );
    } finally {
      m.dispose();
    }
  });

  test(`more than ${MAX_VARIANTS} variants is refused at compile time, naming the input`, () => {
    const bytes = buildNodeModel({
      op: 'ReduceSum',
      inputs: [{ name: 'x', dtype: 'float32', dims: [2, 2, 2, 2, 2, 2, 2] }, { name: 'axes', dtype: 'int64', dims: ['k'] }],
      outputs: ['y'],
      opset: 13,
      nodeName: 'big',
    });
    const attempt = () => compileModel(decodeModel(bytes), 'big');
    expect(attempt).toThrow(VariantLimitError);
    expect(attempt).toThrow(
      "inputs that decide the graph's structure would need more than 64 compiled variants ('axes' (ReduceSum 'big' axes: 128 legal values)); give it as a constant (an initializer) instead",
    );
  });
});
