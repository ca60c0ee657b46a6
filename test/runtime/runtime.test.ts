/**
 * The runtime (runtime/*.ts) on plans compiled from hand-built IR graphs: results against the CPU
 * reference evaluator on random inputs, input validation messages, the one-time setup at load (no
 * pipeline, shader or bind group created by run(), one submit per run), queued concurrent runs,
 * dispose, device limits, and the compile-time checks of src/compile.ts on graphs the GPU cannot
 * take.
 */

import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Graph, type Tensor } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { compileGraph, type CompiledModel } from '../../src/compile.js';
import { CompileError, DeviceLimitError, InputValidationError, ModelLoadError } from '../../src/errors.js';
import { createModel, type Model } from '../../runtime/index.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

/**
 * x: f32[2,3,4], idx: i64[4]. Outputs:
 *   act  = sigmoid(relu(x @ w + b)) viewed as [6, 5]  (a kernel reading a reshape view)
 *   flat = reshape(x * x) to [24]                      (an output that is a view)
 *   pos  = idx + k  (int64)                           (i32 on the device, BigInt64Array back)
 *   big  = x > 0.25 (bool)
 */
function buildGraph(): Graph {
  const r = rng(7);
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: [2, 3, 4] });
  const idx = g.addInput('idx', { dtype: 'int64', shape: [4] });
  const w = g.addConstant('w', randomTensor('float32', [4, 5], r));
  const b = g.addConstant('b', randomTensor('float32', [5], r));
  const k = g.addConstant('k', { dtype: 'int64', dims: [4], data: BigInt64Array.from([5n, -3n, 100000n, -2147483000n]) });
  const quarter = g.addConstant('quarter', { dtype: 'float32', dims: [], data: Float32Array.from([0.25]) });
  const [mm] = g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [x, w, b]);
  const [relu] = g.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [mm!]);
  const [view] = g.add({ kind: 'reshape', shape: [6, 5] }, [relu!]);
  g.add({ kind: 'unary', fn: 'sigmoid', alpha: 0, beta: 0 }, [view!], 'act', ['act']);
  const [sq] = g.add({ kind: 'binary', fn: 'mul' }, [x, x]);
  g.add({ kind: 'reshape', shape: [24] }, [sq!], 'flat', ['flat']);
  g.add({ kind: 'binary', fn: 'add' }, [idx, k], 'pos', ['pos']);
  g.add({ kind: 'binary', fn: 'greater' }, [x, quarter], 'big', ['big']);
  const byName = new Map(g.nodes.flatMap((n) => n.outputs).map((v) => [v.name, v]));
  g.outputs = ['act', 'flat', 'pos', 'big'].map((n) => byName.get(n)!);
  return g;
}

function feedsFor(seed: number): Record<string, Tensor> {
  const r = rng(seed);
  return {
    x: randomTensor('float32', [2, 3, 4], r),
    idx: { dtype: 'int64', dims: [4], data: BigInt64Array.from([1n, 2n, -7n, 2000n + BigInt(seed)]) },
  };
}

function checkOutputs(graph: Graph, feeds: Record<string, Tensor>, got: Awaited<ReturnType<Model['run']>>): void {
  const want = evaluateGraph(graph, feeds);
  expect(Object.keys(got).sort()).toEqual([...want.keys()].sort());
  for (const [name, e] of want) {
    const a = got[name]!;
    expect(a.dtype, name).toBe(e.dtype);
    expect(a.dims, name).toEqual(e.dims);
    expect(a.data.constructor, name).toBe(e.data.constructor);
    expectClose({ dtype: a.dtype, dims: a.dims, data: a.data }, e, 1e-5, 1e-6, name);
  }
}

let graph: Graph;
let compiled: CompiledModel;
let device: GPUDevice;
const models: Model[] = [];
const load = async () => {
  const m = await createModel(compiled.plan, compiled.weights, { device });
  models.push(m);
  return m;
};

beforeAll(async () => {
  graph = buildGraph();
  compiled = compileGraph(graph, { modelName: 'hand-built' });
  device = await getDevice();
});
afterEach(() => {
  for (const m of models.splice(0)) m.dispose();
});

describe('running a compiled plan', () => {
  test('outputs match the CPU reference, with int64, bool and view outputs', async () => {
    const model = await load();
    for (const seed of [1, 2]) {
      const feeds = feedsFor(seed);
      const out = await model.run({ x: feeds.x!, idx: feeds.idx! });
      checkOutputs(graph, feeds, out);
    }
    // Reshapes are views: no kernel comes from either reshape node.
    const reshapes = graph.nodes.filter((n) => n.op.kind === 'reshape').map((n) => n.name);
    expect(reshapes).toHaveLength(2);
    expect(compiled.plan.kernels.filter((k) => reshapes.some((r) => k.name.startsWith(r)))).toEqual([]);
  });

  test('everything is created at load; run() only records, submits once and reads back', async () => {
    const counts = { pipelines: 0, modules: 0, bindGroups: 0, submits: 0, encoders: 0 };
    const spy = <K extends keyof GPUDevice>(obj: GPUDevice, key: K, counter: keyof typeof counts) => {
      const orig = (obj[key] as (...a: unknown[]) => unknown).bind(obj);
      Object.defineProperty(obj, key, { configurable: true, writable: true, value: (...a: unknown[]) => (counts[counter]++, orig(...a)) });
      return () => delete (obj as unknown as Record<string, unknown>)[key];
    };
    const restore = [
      spy(device, 'createComputePipelineAsync', 'pipelines'),
      spy(device, 'createComputePipeline', 'pipelines'),
      spy(device, 'createShaderModule', 'modules'),
      spy(device, 'createBindGroup', 'bindGroups'),
      spy(device, 'createCommandEncoder', 'encoders'),
    ];
    const origSubmit = device.queue.submit.bind(device.queue);
    Object.defineProperty(device.queue, 'submit', { configurable: true, writable: true, value: (b: GPUCommandBuffer[]) => (counts.submits++, origSubmit(b)) });
    try {
      const model = await load();
      const shaders = compiled.plan.shaders.length;
      expect(counts.pipelines).toBe(shaders);
      expect(counts.modules).toBe(shaders);
      expect(counts.bindGroups).toBe(compiled.plan.kernels.length);
      const atLoad = { ...counts };
      for (const seed of [3, 4, 5]) await model.run({ x: feedsFor(seed).x!, idx: feedsFor(seed).idx! });
      expect(counts.pipelines).toBe(atLoad.pipelines);
      expect(counts.modules).toBe(atLoad.modules);
      expect(counts.bindGroups).toBe(atLoad.bindGroups);
      expect(counts.submits - atLoad.submits).toBe(3);
      expect(counts.encoders - atLoad.encoders).toBe(3);
      expect(model.stats).toMatchObject({ pipelinesCreated: shaders, dispatchesPerRun: compiled.plan.kernels.length, submitsPerRun: 1, runs: 3 });
    } finally {
      restore.forEach((r) => r());
      delete (device.queue as unknown as Record<string, unknown>).submit;
    }
  });

  test('concurrent run() calls are queued and each gets its own result', async () => {
    const model = await load();
    const all = [11, 12, 13, 14].map((s) => feedsFor(s));
    const results = await Promise.all(all.map((f) => model.run({ x: f.x!, idx: f.idx! })));
    results.forEach((out, i) => checkOutputs(graph, all[i]!, out));
  });

  test('a rejected run does not block the queue; run after dispose fails', async () => {
    const model = await load();
    const f = feedsFor(21);
    const bad = model.run({ x: f.x! } as never);
    const good = model.run({ x: f.x!, idx: f.idx! });
    await expect(bad).rejects.toThrow(InputValidationError);
    checkOutputs(graph, f, await good);
    model.dispose();
    await expect(model.run({ x: f.x!, idx: f.idx! })).rejects.toThrow(/after dispose/);
  });

  test('outputs that are a graph input or a constant are read back from their own buffers', async () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'int32', shape: [3] });
    const c = g.addConstant('table', { dtype: 'float32', dims: [2, 2], data: Float32Array.from([1.5, -2, 0.25, 8]) });
    g.outputs = [x, c];
    const plan = compileGraph(g, { modelName: 'passthrough' });
    expect(plan.plan.kernels).toEqual([]);
    const m = await createModel(plan.plan, plan.weights, { device });
    models.push(m);
    const out = await m.run({ x: { data: Int32Array.from([7, -8, 9]) } });
    expect(Array.from(out.x!.data as Int32Array)).toEqual([7, -8, 9]);
    expect(Array.from(out.table!.data as Float32Array)).toEqual([1.5, -2, 0.25, 8]);
    expect(out.table!.dims).toEqual([2, 2]);
  });

  test('without a device, load requests one through the webgpu package and dispose destroys it', async () => {
    const model = await createModel(compiled.plan, compiled.weights);
    const f = feedsFor(31);
    checkOutputs(graph, f, await model.run({ x: f.x!, idx: f.idx! }));
    model.dispose();
  });
});

describe('input validation', () => {
  const x = () => new Float32Array(24).fill(0.5);
  const idx = () => new BigInt64Array(4);
  test.each([
    ['unknown name', () => ({ x: { data: x() }, idx: { data: idx() }, y: { data: x() } }), /unknown input 'y'; the model's inputs are: x \(float32 \[2, 3, 4\]\), idx \(int64 \[4\]\)/],
    ['missing input', () => ({ x: { data: x() } }), /missing input 'idx' \(int64 \[4\]\)/],
    ['wrong dtype', () => ({ x: { data: new Int32Array(24) }, idx: { data: idx() } }), /input 'x': expected float32 data as Float32Array, got Int32Array/],
    ['plain array', () => ({ x: { data: [1, 2] }, idx: { data: idx() } }), /input 'x': expected float32 data as Float32Array, got a plain Array/],
    ['int64 as float', () => ({ x: { data: x() }, idx: { data: new Float32Array(4) } }), /input 'idx': expected int64 data as BigInt64Array or Int32Array, got Float32Array/],
    ['wrong rank', () => ({ x: { data: x(), dims: [24] }, idx: { data: idx() } }), /input 'x': expected rank 3 \(float32 \[2, 3, 4\]\), got rank 1 \[24\]/],
    ['wrong dim', () => ({ x: { data: x(), dims: [2, 4, 3] }, idx: { data: idx() } }), /input 'x': expected dims float32 \[2, 3, 4\], got \[2, 4, 3\] \(axis 1\)/],
    ['wrong length', () => ({ x: { data: new Float32Array(23) }, idx: { data: idx() } }), /input 'x': data has 23 elements but float32 \[2, 3, 4\] needs 24/],
    ['not a tensor', () => ({ x: x(), idx: { data: idx() } }), /input 'x': expected \{ data, dims \}/],
    ['int64 out of i32 range', () => ({ x: { data: x() }, idx: { data: BigInt64Array.from([0n, 0n, 2n ** 40n, 0n]) } }), /input 'idx': element 2 = 1099511627776 does not fit in 32 bits/],
  ])('%s', async (_what, inputs, message) => {
    const model = await load();
    const p = model.run(inputs() as never);
    await expect(p).rejects.toThrow(InputValidationError);
    await expect(model.run(inputs() as never)).rejects.toThrow(message);
  });

  test('int64 inputs also accept Int32Array, and dims may be omitted', async () => {
    const model = await load();
    const f = feedsFor(41);
    const out = await model.run({ x: { data: f.x!.data as Float32Array }, idx: { data: Int32Array.from(f.idx!.data as BigInt64Array, Number) } });
    checkOutputs(graph, f, out);
  });
});

describe('load failures', () => {
  test('a tensor larger than the device allows is a DeviceLimitError naming it', async () => {
    const g = new Graph();
    const big = g.addInput('huge', { dtype: 'float32', shape: [40_000_000] }); // 160 MB > 128 MiB default
    g.outputs = g.add({ kind: 'unary', fn: 'neg', alpha: 0, beta: 0 }, [big]);
    const c = compileGraph(g, { modelName: 'huge' });
    expect(c.plan.limits.maxStorageBufferBindingSize).toBe(160_000_000);
    // A device with WebGPU's default limits. Only its limits are read before the check fails (a
    // second real Dawn instance in one process is what this suite avoids: see runtime/device.ts).
    const limits = { maxStorageBufferBindingSize: 134217728, maxBufferSize: 268435456, maxStorageBuffersPerShaderStage: 8, maxComputeWorkgroupsPerDimension: 65535 };
    const small = { limits } as unknown as GPUDevice;
    await expect(createModel(c.plan, c.weights, { device: small })).rejects.toThrow(DeviceLimitError);
    await expect(createModel(c.plan, c.weights, { device: small })).rejects.toThrow(
      /tensor 'huge' needs a 152.6 MiB buffer but the given device's maxStorageBufferBindingSize is 128.0 MiB/,
    );
  });

  test('WGSL that does not compile is a ModelLoadError naming the kernel', async () => {
    const plan = structuredClone(compiled.plan);
    plan.shaders[plan.kernels[0]!.shader] = 'fn main( {';
    await expect(createModel(plan, compiled.weights, { device })).rejects.toThrow(ModelLoadError);
    // Fused kernel names contain regex operators ('+'), so match the text literally.
    const name = plan.kernels[0]!.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expect(createModel(plan, compiled.weights, { device })).rejects.toThrow(new RegExp(`kernel '${name}' does not compile`));
  });

  test('weights of the wrong size are refused', async () => {
    await expect(createModel(compiled.plan, compiled.weights.subarray(4), { device })).rejects.toThrow(/weights.bin does not belong to this model.js/);
  });
});

describe('compile-time checks', () => {
  test('float64 values are refused with the reason', () => {
    const g = new Graph();
    const x = g.addInput('d', { dtype: 'float64', shape: [3] });
    g.outputs = g.add({ kind: 'unary', fn: 'neg', alpha: 0, beta: 0 }, [x]);
    expect(() => compileGraph(g, { modelName: 'f64' })).toThrow(CompileError);
    expect(() => compileGraph(g, { modelName: 'f64' })).toThrow(/input 'd' is float64: WebGPU has no 64-bit floats/);
  });

  test('unbound symbols stay symbolic (test/runtime/symbolic.test.ts runs such plans)', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 3] });
    g.outputs = g.add({ kind: 'unary', fn: 'neg', alpha: 0, beta: 0 }, [x]);
    const { plan } = compileGraph(g, { modelName: 'sym' });
    expect(plan.symbols).toEqual([{ name: 'batch', input: 'x', axis: 0 }]);
    expect(plan.outputs[0]!.dims).toEqual(['batch', 3]);
  });

  test('a length computed from data is refused as a data-dependent shape', () => {
    // Range(0, n, 1) with n an input's value: its length is only known at run time.
    const g = new Graph();
    const n = g.addInput('n', { dtype: 'int64', shape: [] });
    const zero = g.addConstant('zero', { dtype: 'int64', dims: [], data: BigInt64Array.from([0n]) });
    const one = g.addConstant('one', { dtype: 'int64', dims: [], data: BigInt64Array.from([1n]) });
    g.outputs = g.add({ kind: 'range' }, [zero, n, one], 'steps', ['steps']);
    expect(() => compileGraph(g, { modelName: 'range' })).toThrow(CompileError);
    expect(() => compileGraph(g, { modelName: 'range' })).toThrow(
      /value 'steps' \(output of node 'steps' \(range\)\) has a length computed from data at run time .*; data-dependent shapes are not supported/,
    );
  });

  test('a symbol that no input axis gives is refused (the runtime could not know it)', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['2*n'] });
    g.outputs = g.add({ kind: 'unary', fn: 'neg', alpha: 0, beta: 0 }, [x]);
    expect(() => compileGraph(g, { modelName: 'expr' })).toThrow(
      /the symbolic dim 'n' is not the size of any input axis \(computed from data at run time\); data-dependent shapes are not supported/,
    );
  });

  test('an int64 constant outside int32 is refused, naming it', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'int64', shape: [2] });
    const c = g.addConstant('offsets', { dtype: 'int64', dims: [2], data: BigInt64Array.from([1n, 2n ** 33n]) });
    g.outputs = g.add({ kind: 'binary', fn: 'add' }, [x, c]);
    expect(() => compileGraph(g, { modelName: 'i64' })).toThrow(/constant 'offsets' \(int64\): element 1 = 8589934592 does not fit in 32 bits/);
  });

  test('a shape node on symbolic dims is a clear not-supported error', () => {
    const g = new Graph();
    // (The shape of a static value folds to a constant when the node is added.)
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 2] });
    const [s] = g.add({ kind: 'shape', start: 0, end: 2 }, [x], 'shape_of_x');
    g.outputs = [s!];
    expect(() => compileGraph(g, { modelName: 'shape' })).toThrow(/node 'shape_of_x' \(shape\): not supported yet: shape computation on symbolic dims/);
  });
});
