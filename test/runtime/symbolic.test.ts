/**
 * One compiled plan with symbolic dims (batch, sequence), loaded once and run at many sizes:
 * results against the CPU reference evaluator at each size (fresh random inputs, including sizes
 * of 1 and sizes that are not multiples of a workgroup), no shader or pipeline created after load,
 * buffers that grow only when a larger size arrives, the dims table uploaded only when the shapes
 * change, declared maxima (allocated once at load, larger sizes refused), the run-time errors
 * (disagreeing symbols, fixed dims, missing dims, dim assertions, a size over the device's buffer
 * limit), empty tensors, and the generated model.d.ts.
 *
 * Tolerance: elementwise f32 on the GPU vs the evaluator, rtol 1e-5 / atol 1e-6.
 */

import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Graph, type Tensor } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { compileGraph, type CompiledModel } from '../../src/compile.js';
import { generateDts } from '../../src/emit/dts.js';
import { DeviceLimitError, InputValidationError } from '../../src/errors.js';
import { createModel, type Model } from '../../runtime/index.js';
import { DIMS_TABLE_BYTES } from '../../runtime/plan.js';
import { DIMS_VEC4S } from '../../codegen/dims.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

/**
 * x: f32[batch, sequence, 4], m: f32[batch, 1, 4], b: const f32[4]. Outputs:
 *   y = relu(x * m + b)      [batch, sequence, 4]
 *   s = sigmoid(x) - 0.5     [batch, sequence, 4]
 */
function buildGraph(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'sequence', 4] });
  const m = g.addInput('m', { dtype: 'float32', shape: ['batch', 1, 4] });
  const b = g.addConstant('b', randomTensor('float32', [4], rng(3)));
  const half = g.addConstant('half', { dtype: 'float32', dims: [], data: Float32Array.from([0.5]) });
  const [xm] = g.add({ kind: 'binary', fn: 'mul' }, [x, m]);
  const [xmb] = g.add({ kind: 'binary', fn: 'add' }, [xm!, b]);
  const [y] = g.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [xmb!], 'y', ['y']);
  const [sg] = g.add({ kind: 'unary', fn: 'sigmoid', alpha: 0, beta: 0 }, [x]);
  const [s] = g.add({ kind: 'binary', fn: 'sub' }, [sg!, half], 's', ['s']);
  g.outputs = [y!, s!];
  return g;
}

function feeds(batch: number, sequence: number, seed: number): Record<string, Tensor> {
  const r = rng(seed);
  return { x: randomTensor('float32', [batch, sequence, 4], r), m: randomTensor('float32', [batch, 1, 4], r) };
}

const asInputs = (f: Record<string, Tensor>) =>
  Object.fromEntries(Object.entries(f).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]));

async function runAndCheck(model: Model, graph: Graph, batch: number, sequence: number, seed: number): Promise<void> {
  const f = feeds(batch, sequence, seed);
  const got = await model.run(asInputs(f));
  const want = evaluateGraph(graph, f);
  for (const [name, e] of want) {
    const a = got[name]!;
    expect(a.dims, `${name} at (${batch}, ${sequence})`).toEqual(e.dims);
    expectClose({ dtype: a.dtype, dims: a.dims, data: a.data }, e, 1e-5, 1e-6, `${name} at (${batch}, ${sequence})`);
  }
}

let graph: Graph;
let compiled: CompiledModel;
let device: GPUDevice;
const models: Model[] = [];
const load = async (c: CompiledModel = compiled, dev: GPUDevice = device) => {
  const m = await createModel(c.plan, c.weights, { device: dev });
  models.push(m);
  return m;
};

beforeAll(async () => {
  graph = buildGraph();
  compiled = compileGraph(graph, { modelName: 'symbolic' });
  device = await getDevice();
});
afterEach(() => {
  for (const m of models.splice(0)) m.dispose();
});

describe('the plan of a symbolic model', () => {
  test('keeps sizes symbolic and says which input axis defines each symbol', () => {
    const { plan, report } = compiled;
    expect(plan.symbols).toEqual([
      { name: 'batch', input: 'x', axis: 0 },
      { name: 'sequence', input: 'x', axis: 1 },
    ]);
    expect(plan.inputs.map((t) => t.dims)).toEqual([['batch', 'sequence', 4], ['batch', 1, 4]]);
    expect(plan.outputs.map((t) => t.dims)).toEqual([['batch', 'sequence', 4], ['batch', 'sequence', 4]]);
    expect(plan.buffers.some((b) => b.size === '16*batch*sequence')).toBe(true);
    expect(plan.kernels.some((k) => k.usesDims)).toBe(true);
    expect(plan.dims.length).toBeGreaterThan(0);
    expect(plan.maxDims).toEqual({});
    // Byte figures at the reference binding, every symbol = 64.
    expect(report.reference).toEqual({ batch: 64, sequence: 64 });
    expect(report.notes.join('\n')).toMatch(/symbolic dims batch, sequence: one plan runs at any size of them; byte figures are at batch=64, sequence=64/);
  });

  test('the runtime uniform holds exactly the table codegen declares', () => {
    expect(DIMS_TABLE_BYTES).toBe(DIMS_VEC4S * 16);
  });
});

describe('one loaded plan at every size', () => {
  test('matches the CPU reference at (1,1), (2,7), (3,130), (1,1), with nothing compiled after load', async () => {
    const model = await load();
    const atLoad = { ...model.stats };
    for (const [i, [b, s]] of [[1, 1], [2, 7], [3, 130], [1, 1], [5, 3]].entries()) await runAndCheck(model, graph, b!, s!, 10 + i);
    expect(model.stats.shaderModulesCreated).toBe(atLoad.shaderModulesCreated);
    expect(model.stats.pipelinesCreated).toBe(atLoad.pipelinesCreated);
    expect(model.stats.shaderModulesCreated).toBe(compiled.plan.shaders.length);
    expect(model.stats.runs).toBe(5);
    expect(model.stats.uniformUploads).toBe(5); // every run changed the shapes
  });

  test('buffers grow only when a larger size arrives; same-shape runs upload no table', async () => {
    const model = await load();
    const atLoad = { ...model.stats };
    // Nothing symbolic is allocated before the first run (no maxima declared).
    await runAndCheck(model, graph, 3, 130, 1);
    const big = { ...model.stats };
    expect(big.buffersCreated).toBeGreaterThan(atLoad.buffersCreated);
    expect(big.bindGroupsCreated).toBeGreaterThan(atLoad.bindGroupsCreated);
    // Smaller and equal sizes: no buffer, no bind group.
    await runAndCheck(model, graph, 2, 7, 2);
    await runAndCheck(model, graph, 3, 130, 3);
    await runAndCheck(model, graph, 1, 1, 4);
    expect(model.stats.buffersCreated).toBe(big.buffersCreated);
    expect(model.stats.bindGroupsCreated).toBe(big.bindGroupsCreated);
    expect(model.stats.uniformUploads).toBe(4);
    // The same shape again: no evaluation, no upload.
    await runAndCheck(model, graph, 1, 1, 5);
    await runAndCheck(model, graph, 1, 1, 6);
    expect(model.stats.uniformUploads).toBe(4);
    expect(model.stats.shapeChanges).toBe(3);
    // Larger: the symbolic buffers (and the readbacks) grow, and only bind groups over them are re-created.
    await runAndCheck(model, graph, 4, 131, 7);
    const grown = model.stats.buffersCreated - big.buffersCreated;
    const symbolic = new Set(compiled.plan.buffers.flatMap((b, i) => (typeof b.size === 'string' ? [i] : [])));
    expect(grown).toBe(symbolic.size + compiled.plan.outputs.length);
    const rebound = compiled.plan.kernels.filter((k) => [...k.inputs, ...k.outputs].some((b) => symbolic.has(b.buffer))).length;
    expect(model.stats.bindGroupsCreated - big.bindGroupsCreated).toBe(rebound);
    expect(model.stats.pipelinesCreated).toBe(atLoad.pipelinesCreated);
  });

  test('an empty tensor (sequence = 0) skips the dispatches that have nothing to do', async () => {
    const model = await load();
    await runAndCheck(model, graph, 2, 5, 1);
    const out = await model.run(asInputs(feeds(2, 0, 2)));
    expect(out.y!.dims).toEqual([2, 0, 4]);
    expect(out.y!.data.length).toBe(0);
    expect(model.stats.dispatchesPerRun).toBeLessThan(compiled.plan.kernels.length);
    await runAndCheck(model, graph, 2, 5, 3);
    expect(model.stats.dispatchesPerRun).toBe(compiled.plan.kernels.length);
  });
});

describe('declared maxima (--max-dim)', () => {
  test('buffers are allocated once at load; a larger size is refused naming the input and symbol', async () => {
    const bounded = compileGraph(buildGraph(), { modelName: 'bounded' }, { maxDims: { batch: 4, sequence: 160 } });
    expect(bounded.plan.maxDims).toEqual({ batch: 4, sequence: 160 });
    expect(bounded.report.reference).toEqual({ batch: 4, sequence: 160 });
    const model = await load(bounded);
    const atLoad = { ...model.stats };
    for (const [i, [b, s]] of [[1, 1], [4, 160], [3, 130], [2, 7]].entries()) await runAndCheck(model, bounded.graph, b!, s!, 20 + i);
    // Buffers and readbacks were all made at load, for the bounds.
    const afterFirst = model.stats.buffersCreated;
    expect(afterFirst).toBe(atLoad.buffersCreated);
    expect(model.stats.bindGroupsCreated).toBe(atLoad.bindGroupsCreated);
    const p = model.run(asInputs(feeds(2, 161, 30)));
    await expect(p).rejects.toThrow(InputValidationError);
    await expect(model.run(asInputs(feeds(2, 161, 30)))).rejects.toThrow(
      /input 'x' axis 1: 'sequence' = 161 exceeds the model's declared maximum 160 \(compiled with --max-dim sequence=160; recompile with a larger bound\)/,
    );
    await runAndCheck(model, bounded.graph, 4, 2, 31);
    expect(model.stats.buffersCreated).toBe(afterFirst);
  });

  test('a bound on a symbol the model lacks, or below 1, is a compile error (a --dim-bound one: test/cli)', () => {
    expect(() => compileGraph(buildGraph(), { modelName: 'b' }, { maxDims: { seq: 4 } })).toThrow(/--max-dim seq: no input has the symbolic dim 'seq' \(symbolic dims: batch, sequence\)/);
    expect(() => compileGraph(buildGraph(), { modelName: 'b' }, { maxDims: { batch: 0 } })).toThrow(/--max-dim batch=0: the bound must be a positive integer/);
  });
});

describe('run-time shape errors', () => {
  test.each([
    [
      'disagreeing symbol',
      () => ({ x: feeds(2, 7, 1).x!, m: randomTensor('float32', [3, 1, 4], rng(1)) }),
      /input 'm' axis 0 is the symbol 'batch', which input 'x' axis 0 sets to 2, but input 'm' has 3 there \(dims \[3, 1, 4\]\)/,
    ],
    ['fixed dim', () => ({ x: randomTensor('float32', [2, 7, 5], rng(1)), m: feeds(2, 7, 1).m! }), /input 'x': expected dims float32 \[batch, sequence, 4\], got \[2, 7, 5\] \(axis 2\)/],
    ['broadcast axis', () => ({ x: feeds(2, 7, 1).x!, m: randomTensor('float32', [2, 7, 4], rng(1)) }), /input 'm': expected dims float32 \[batch, 1, 4\], got \[2, 7, 4\] \(axis 1\)/],
  ])('%s', async (_what, make, message) => {
    const model = await load();
    await expect(model.run(asInputs(make()))).rejects.toThrow(InputValidationError);
    await expect(model.run(asInputs(make()))).rejects.toThrow(message);
    await runAndCheck(model, graph, 2, 3, 9); // still usable
  });

  test('symbolic inputs need their dims; a wrong length names the bound dims', async () => {
    const model = await load();
    const f = feeds(2, 3, 1);
    await expect(model.run({ x: { data: f.x!.data as Float32Array }, m: asInputs(f).m! })).rejects.toThrow(
      /input 'x': dims are required, since float32 \[batch, sequence, 4\] has symbolic dims/,
    );
    await expect(model.run({ x: { data: new Float32Array(5), dims: [2, 3, 4] }, m: asInputs(f).m! })).rejects.toThrow(
      /input 'x': data has 5 elements but float32 \[batch=2, sequence=3, 4\] needs 24/,
    );
  });

  test('a dim assertion of the graph is checked when the shapes change', async () => {
    // x[batch, n] + y[batch, k]: inference assumes n = k; the runtime must check it.
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'n'] });
    const y = g.addInput('y', { dtype: 'float32', shape: ['batch', 'k'] });
    g.outputs = g.add({ kind: 'binary', fn: 'add' }, [x, y], 'sum', ['sum']);
    const c = compileGraph(g, { modelName: 'assert' });
    expect(c.plan.dimAssertions.length).toBeGreaterThan(0);
    const model = await load(c);
    const t = (dims: number[], seed: number) => ({ data: randomTensor('float32', dims, rng(seed)).data as Float32Array, dims });
    const ok = await model.run({ x: t([2, 3], 1), y: t([2, 3], 2) });
    expect(ok.sum!.dims).toEqual([2, 3]);
    await expect(model.run({ x: t([2, 3], 1), y: t([2, 4], 2) })).rejects.toThrow(
      /the input dims \(x \[2, 3\], y \[2, 4\]\) give \w+ = [34] but \w+ = [34]; the model needs them equal \(assumed by shape inference at sum\)/,
    );
  });

  test('a size beyond the device buffer limit is a DeviceLimitError naming the tensor and input dims, before any submit', async () => {
    // out[rows, cols] = a[rows, 1] + b[1, cols]: tiny inputs, a large output.
    const g = new Graph();
    const a = g.addInput('a', { dtype: 'float32', shape: ['rows', 1] });
    const b = g.addInput('b', { dtype: 'float32', shape: [1, 'cols'] });
    g.outputs = g.add({ kind: 'binary', fn: 'add' }, [a, b], 'out', ['out']);
    const c = compileGraph(g, { modelName: 'outer' });
    // The real device, reporting a 1 MiB buffer limit.
    const limits = { ...pickLimits(device.limits), maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 20 };
    const small = new Proxy(device, {
      get(target, prop) {
        if (prop === 'limits') return limits;
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const model = await load(c, small);
    const t = (dims: number[]) => ({ data: new Float32Array(dims[0]! * dims[1]!).fill(1), dims });
    const ok = await model.run({ a: t([8, 1]), b: t([1, 16]) });
    expect(Array.from(ok.out!.data as Float32Array)).toEqual(new Array(128).fill(2));
    const before = { ...model.stats };
    await expect(model.run({ a: t([600, 1]), b: t([1, 600]) })).rejects.toThrow(DeviceLimitError);
    await expect(model.run({ a: t([600, 1]), b: t([1, 600]) })).rejects.toThrow(
      /the input dims \(a \[600, 1\], b \[1, 600\]\) make tensor 'out' 1.4 MiB, more than the device's maxStorageBufferBindingSize \(1.0 MiB\); nothing was run/,
    );
    expect(model.stats.runs).toBe(before.runs);
    expect(model.stats.buffersCreated).toBe(before.buffersCreated);
    const again = await model.run({ a: t([3, 1]), b: t([1, 5]) });
    expect(again.out!.dims).toEqual([3, 5]);
  });
});

function pickLimits(l: GPUSupportedLimits) {
  return {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
}

describe('model.d.ts of a symbolic model', () => {
  test('types symbolic dims as number, names the symbols, and requires dims', () => {
    const bounded = compileGraph(buildGraph(), { modelName: 'sym.onnx' }, { maxDims: { sequence: 512 } });
    const dts = generateDts(bounded.plan);
    expect(dts).toContain('  /** float32 [batch, sequence, 4] */\n  x: { data: Float32Array; dims: readonly [number, number, 4] };');
    expect(dts).toContain('  /** float32 [batch, 1, 4] */\n  m: { data: Float32Array; dims: readonly [number, 1, 4] };');
    expect(dts).toContain("  /** float32 [batch, sequence, 4] */\n  y: { data: Float32Array; dims: [number, number, 4]; dtype: 'float32' };");
    expect(dts).toContain(" * - batch: any size, given by input 'x' axis 0\n * - sequence: at most 512, given by input 'x' axis 1\n");
    expect(dts).toContain('or run() throws InputValidationError naming both inputs, the axis and the symbol');
  });
});
