/**
 * GPU-resident inputs and outputs: two compiled models on one device chained through GPUBuffers
 * (model A's outputs, left on the GPU by `run(…, { outputs: 'gpu' })`, fed as model B's inputs with
 * no readback in between), static and symbolic, against the CPU reference evaluator run on the same
 * random inputs and against the same two models run on host data; a model fed its own output while
 * its buffers grow; per-output selection; the readback counters (and mapAsync itself, spied);
 * every refusal of a GPU input (usage, size, mapped, dtype, another device, a foreign buffer) and
 * of a bad `outputs` option; and the generated model.d.ts types for chaining, type-checked.
 *
 * Tolerances: matmul and softmax in f32 on the GPU vs the evaluator, rtol 1e-4 / atol 1e-5;
 * argmax and gather are exact; GPU chain vs the same models on host data: bit-exact (same kernels,
 * same words).
 */

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typecheckConsumer } from '../helpers/typecheck.js';
import { create, globals } from 'webgpu';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Dim } from '../../ir/dim.js';
import { Graph, type Tensor } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { compileGraph, type CompiledModel } from '../../src/compile.js';
import { generateDts } from '../../src/emit/dts.js';
import { createModel, InputValidationError, type GpuOutputTensor, type Model, type OutputTensor } from '../../runtime/index.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;

/** A: x f32[b, s, 4] → h = relu(x @ w + c) f32[b, s, 6], id = argmax(x, axis 2) int64[b, s]. */
function modelA(b: Dim, s: Dim): Graph {
  const r = rng(11);
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: [b, s, 4] });
  const w = g.addConstant('w', randomTensor('float32', [4, 6], r));
  const c = g.addConstant('c', randomTensor('float32', [6], r));
  const [mm] = g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [x, w, c]);
  const [h] = g.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [mm!], 'h', ['h']);
  const [id] = g.add({ kind: 'argReduce', fn: 'max', axis: 2, keepdims: false, selectLastIndex: false }, [x], 'id', ['id']);
  g.outputs = [h!, id!];
  return g;
}

/** B: h f32[b, s, 6], id int64[b, s] → p = softmax(h, axis 2) f32[b, s, 6], e = gather(table, id) f32[b, s, 3]. */
function modelB(b: Dim, s: Dim): Graph {
  const g = new Graph();
  const h = g.addInput('h', { dtype: 'float32', shape: [b, s, 6] });
  const id = g.addInput('id', { dtype: 'int64', shape: [b, s] });
  const table = g.addConstant('table', randomTensor('float32', [4, 3], rng(12)));
  const [p] = g.add({ kind: 'softmax', axis: 2, log: false }, [h], 'p', ['p']);
  const [e] = g.add({ kind: 'gather', axis: 0 }, [table, id], 'e', ['e']);
  g.outputs = [p!, e!];
  return g;
}

/** D: x f32[n, 4] → y = x + k f32[2, n, 4]: fed back as x with dims [2n, 4], it doubles each run. */
function modelD(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['n', 4] });
  const k = g.addConstant('k', randomTensor('float32', [2, 1, 4], rng(13)));
  g.outputs = g.add({ kind: 'binary', fn: 'add' }, [x, k], 'y', ['y']);
  return g;
}

const host = (t: Tensor) => ({ data: t.data as Float32Array, dims: t.dims });
const asTensor = (o: OutputTensor): Tensor => ({ dtype: o.dtype, dims: o.dims, data: o.data });

let device: GPUDevice;
const models: Model[] = [];
const load = async (c: CompiledModel, dev: GPUDevice = device) => {
  const m = await createModel(c.plan, c.weights, { device: dev });
  models.push(m);
  return m;
};
const buffers: GPUBuffer[] = [];
const makeBuffer = (size: number, usage: number, dev: GPUDevice = device) => {
  const b = dev.createBuffer({ size, usage });
  buffers.push(b);
  return b;
};

beforeAll(async () => {
  device = await getDevice();
});
afterEach(() => {
  for (const m of models.splice(0)) m.dispose();
  for (const b of buffers.splice(0)) b.destroy();
});

/** A then B through the GPU, A then B through the host, and the evaluator: all must agree. */
async function checkChain(a: Model, b: Model, ga: Graph, gb: Graph, dims: [number, number], seed: number): Promise<void> {
  const what = `(${dims.join(', ')})`;
  const x = randomTensor('float32', [...dims, 4], rng(seed));
  const mid = await a.run({ x: host(x) }, { outputs: 'gpu' });
  expect(a.stats.readbacksPerRun, what).toBe(0);
  expect(mid['h']!.dims).toEqual([...dims, 6]);
  expect(mid['id']!.dims).toEqual(dims);
  expect(mid['id']!.dtype).toBe('int64');
  const viaGpu = await b.run({ h: mid['h']!, id: mid['id']! });
  expect(b.stats.gpuInputsPerRun, what).toBe(2);
  expect(b.stats.readbacksPerRun, what).toBe(2);

  const aHost = await a.run({ x: host(x) });
  expect(a.stats.readbacksPerRun).toBe(2);
  const viaHost = await b.run({ h: { data: aHost['h']!.data as Float32Array, dims: aHost['h']!.dims }, id: { data: aHost['id']!.data as BigInt64Array, dims: aHost['id']!.dims } });
  expect(b.stats.gpuInputsPerRun).toBe(0);

  const wantA = evaluateGraph(ga, { x });
  const wantB = evaluateGraph(gb, { h: wantA.get('h')!, id: wantA.get('id')! });
  for (const name of ['p', 'e']) {
    expect(Array.from(viaGpu[name]!.data as Float32Array), `${name} ${what}: GPU chain vs host chain`).toEqual(Array.from(viaHost[name]!.data as Float32Array));
    expectClose(asTensor(viaGpu[name]!), wantB.get(name)!, 1e-4, 1e-5, `${name} ${what}`);
  }
}

describe('chaining two models through GPU buffers', () => {
  test('static shapes: no readback between the models, the same result as through the host', async () => {
    const ga = modelA(2, 3);
    const gb = modelB(2, 3);
    const a = await load(compileGraph(ga, { modelName: 'a' }));
    const b = await load(compileGraph(gb, { modelName: 'b' }));
    await checkChain(a, b, ga, gb, [2, 3], 1);
    await checkChain(a, b, ga, gb, [2, 3], 2);
  });

  test('symbolic shapes: output dims from the binding, buffers grown and reused across sizes', async () => {
    const ga = modelA('batch', 'sequence');
    const gb = modelB('batch', 'sequence');
    const a = await load(compileGraph(ga, { modelName: 'a' }));
    const b = await load(compileGraph(gb, { modelName: 'b' }));
    const sizes: [number, number][] = [[1, 1], [3, 5], [2, 17], [1, 2], [4, 33]];
    for (const [i, dims] of sizes.entries()) await checkChain(a, b, ga, gb, dims, 10 + i);
    expect(a.stats.pipelinesCreated + b.stats.pipelinesCreated).toBe(a.stats.shaderModulesCreated + b.stats.shaderModulesCreated);
  });

  test('a run with every output on the GPU maps nothing; a selection reads back only the rest', async () => {
    const ga = modelA(2, 3);
    const a = await load(compileGraph(ga, { modelName: 'a' }));
    const x = randomTensor('float32', [2, 3, 4], rng(3));
    const probe = makeBuffer(4, MAP_READ | COPY_DST);
    const spy = vi.spyOn(Object.getPrototypeOf(probe) as GPUBuffer, 'mapAsync');
    try {
      await a.run({ x: host(x) }, { outputs: 'gpu' });
      expect(spy).not.toHaveBeenCalled();
      const mixed = await a.run({ x: host(x) }, { outputs: ['id'] });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(a.stats.readbacksPerRun).toBe(1);
      const id = mixed['id'] as GpuOutputTensor;
      const h = mixed['h'] as OutputTensor;
      expect(id.buffer.size).toBeGreaterThanOrEqual(4 * 6);
      expectClose(asTensor(h), evaluateGraph(ga, { x }).get('h')!, 1e-4, 1e-5, 'h');
    } finally {
      spy.mockRestore();
    }
  });

  test('a caller-made buffer is an input; its words are read from offset 0', async () => {
    const gb = modelB('batch', 'sequence');
    const b = await load(compileGraph(gb, { modelName: 'b' }));
    const h = randomTensor('float32', [2, 5, 6], rng(4));
    const id: Tensor = { dtype: 'int64', dims: [2, 5], data: BigInt64Array.from({ length: 10 }, (_, i) => BigInt((i * 7) % 4)) };
    // Larger than needed (and STORAGE as well as COPY_SRC, as a producer's buffer would be).
    const hb = makeBuffer(4 * 60 + 64, STORAGE | COPY_SRC | COPY_DST);
    device.queue.writeBuffer(hb, 0, h.data as Float32Array<ArrayBuffer>);
    const got = await b.run({ h: { buffer: hb, dims: [2, 5], dtype: 'float32' } as never, id: { data: id.data as BigInt64Array, dims: id.dims } }).catch((e: Error) => e);
    expect(got).toBeInstanceOf(InputValidationError); // rank 2 for a rank-3 input
    const out = await b.run({ h: { buffer: hb, dims: [2, 5, 6] }, id: { data: id.data as BigInt64Array, dims: id.dims } });
    expect(b.stats.gpuInputsPerRun).toBe(1);
    const want = evaluateGraph(gb, { h, id });
    expectClose(asTensor(out['p']!), want.get('p')!, 1e-4, 1e-5, 'p');
    expectClose(asTensor(out['e']!), want.get('e')!, 0, 0, 'e');
  });
});

describe('a model fed its own output', () => {
  test('the output buffer feeds the next run while the buffers grow (1, 2, 4, 8, 16 rows)', async () => {
    const g = modelD();
    const d = await load(compileGraph(g, { modelName: 'd' }));
    let x = randomTensor('float32', [1, 4], rng(5));
    let cur: { buffer: GPUBuffer; dims: number[] } | undefined;
    const grownBefore = d.stats.buffersCreated;
    for (let i = 0; i < 4; i++) {
      const out = await d.run({ x: cur ?? host(x) }, { outputs: 'gpu' });
      const y = out['y']!;
      const want = evaluateGraph(g, { x }).get('y')!;
      expect(y.dims).toEqual(want.dims);
      x = { dtype: 'float32', dims: [want.dims[0]! * want.dims[1]!, 4], data: want.data };
      cur = { buffer: y.buffer, dims: x.dims };
    }
    expect(d.stats.buffersCreated).toBeGreaterThan(grownBefore); // it did grow, with a retired buffer as the copy source
    const last = await d.run({ x: cur! });
    expectClose(asTensor(last['y']!), evaluateGraph(g, { x }).get('y')!, 1e-6, 1e-6, 'y after 5 runs');
  });
});

describe('refusals', () => {
  let other: { gpu: GPU; device: GPUDevice } | undefined;
  const otherDevice = async () => {
    if (other) return other.device;
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter');
    other = { gpu, device: await adapter.requestDevice() };
    return other.device;
  };
  afterAll(() => other?.device.destroy());

  test('usage, size, mapping, dtype and the outputs option are checked before anything runs', async () => {
    const gb = modelB('batch', 'sequence');
    const b = await load(compileGraph(gb, { modelName: 'b' }));
    const id = { data: new BigInt64Array(6), dims: [2, 3] };
    const storageOnly = makeBuffer(4 * 36, STORAGE);
    await expect(b.run({ h: { buffer: storageOnly, dims: [2, 3, 6] }, id })).rejects.toThrow(
      "input 'h': the GPUBuffer needs COPY_SRC usage (run() copies it into the model's input buffer); its usage is 0x80",
    );
    const small = makeBuffer(4 * 35, STORAGE | COPY_SRC);
    await expect(b.run({ h: { buffer: small, dims: [2, 3, 6] }, id })).rejects.toThrow(
      "input 'h': the GPUBuffer has 140 bytes but float32 [batch=2, sequence=3, 6] needs 144 (36 elements of one 32-bit word each)",
    );
    const mapped = device.createBuffer({ size: 4 * 36, usage: COPY_SRC, mappedAtCreation: true });
    buffers.push(mapped);
    await expect(b.run({ h: { buffer: mapped, dims: [2, 3, 6] }, id })).rejects.toThrow("input 'h': the GPUBuffer is mapped; unmap it before run()");
    const ok = makeBuffer(4 * 36, STORAGE | COPY_SRC);
    await expect(b.run({ h: { buffer: ok, dims: [2, 3, 6], dtype: 'int32' }, id })).rejects.toThrow(
      "input 'h': a GPUBuffer of int32 cannot feed float32 [batch, sequence, 6]: GPU inputs are used as they are (no conversion on the device), so they need f32 words",
    );
    // Same words, values that fit: accepted (the run itself is checked by the chain tests).
    await expect(b.run({ h: { buffer: ok, dims: [2, 3, 6], dtype: 'float16' }, id: { buffer: makeBuffer(24, COPY_SRC), dims: [2, 3], dtype: 'int32' } })).resolves.toBeDefined();
    await expect(b.run({ h: { buffer: {} as GPUBuffer, dims: [2, 3, 6] }, id })).rejects.toThrow("input 'h': 'buffer' must be a GPUBuffer, got an object");
    await expect(b.run({ h: { buffer: ok, dims: [2, 3, 6] }, id }, { outputs: ['q'] })).rejects.toThrow(
      "run() option 'outputs' names 'q', which is not an output; the model's outputs are: p, e",
    );
    await expect(b.run({ h: { buffer: ok, dims: [2, 3, 6] }, id }, { outputs: 'all' as never })).rejects.toThrow("run() option 'outputs' must be 'host', 'gpu' or a list");
    expect(b.stats.runs).toBe(1);
  });

  test('a narrow input takes only its own dtype', async () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'uint8', shape: [4] });
    g.outputs = g.add({ kind: 'cast', to: 'float32' }, [x], 'f', ['f']);
    const m = await load(compileGraph(g, { modelName: 'u8' }));
    const words = makeBuffer(16, COPY_SRC | COPY_DST);
    device.queue.writeBuffer(words, 0, Uint32Array.from([0, 7, 255, 3]));
    await expect(m.run({ x: { buffer: words, dtype: 'uint32' } })).rejects.toThrow(
      "a GPUBuffer of uint32 cannot feed uint8 [4]: GPU inputs are used as they are (no conversion on the device), so they need u32 words holding uint8 values (dtype 'uint8')",
    );
    const out = await m.run({ x: { buffer: words, dtype: 'uint8' } }); // fixed dims may be omitted
    expect(Array.from(out['f']!.data as Float32Array)).toEqual([0, 7, 255, 3]);
  });

  test("a buffer of another device: named when a model made it, else WebGPU's validation with a hint", async () => {
    const dev2 = await otherDevice();
    const ga = modelA(2, 3);
    const gb = modelB(2, 3);
    const a2 = await load(compileGraph(ga, { modelName: 'a' }), dev2);
    const b = await load(compileGraph(gb, { modelName: 'b' }));
    const mid = await a2.run({ x: host(randomTensor('float32', [2, 3, 4], rng(6))) }, { outputs: 'gpu' });
    await expect(b.run({ h: mid['h']!, id: mid['id']! })).rejects.toThrow(
      "input 'h': the GPUBuffer belongs to another device than this model's; create both models with the same { device }",
    );
    const foreign = makeBuffer(4 * 36, STORAGE | COPY_SRC, dev2);
    await expect(b.run({ h: { buffer: foreign, dims: [2, 3, 6] }, id: { data: new BigInt64Array(6) } })).rejects.toThrow(
      /WebGPU validation error during run: .*\(GPU inputs 'h': each GPUBuffer must belong to the model's device and not be destroyed\)/s,
    );
    // The model still runs afterwards.
    const h = randomTensor('float32', [2, 3, 6], rng(7));
    const id: Tensor = { dtype: 'int64', dims: [2, 3], data: BigInt64Array.from([0n, 1n, 2n, 3n, 2n, 1n]) };
    const out = await b.run({ h: host(h), id: { data: id.data as BigInt64Array } });
    expectClose(asTensor(out['p']!), evaluateGraph(gb, { h, id }).get('p')!, 1e-4, 1e-5, 'p');
  });

  test("this model's buffer for another input is refused (the run overwrites it first); for the same input it is used in place", async () => {
    const g = new Graph();
    const p = g.addInput('p', { dtype: 'float32', shape: [4] });
    const q = g.addInput('q', { dtype: 'float32', shape: [4] });
    const [d] = g.add({ kind: 'binary', fn: 'sub' }, [p, q], 'd', ['d']);
    const [r] = g.add({ kind: 'reshape', shape: [2, 2] }, [p], 'r', ['r']); // a view of p: p's own buffer
    g.outputs = [d!, r!];
    const m = await load(compileGraph(g, { modelName: 'pq' }));
    const first = await m.run({ p: { data: Float32Array.from([1, 2, 3, 4]) }, q: { data: Float32Array.from([4, 3, 2, 1]) } }, { outputs: 'gpu' });
    const pBuffer = first['r']!.buffer;
    await expect(m.run({ p: { data: new Float32Array(4) }, q: { buffer: pBuffer } })).rejects.toThrow(
      "input 'q': the GPUBuffer is this model's buffer for input 'p', which this run overwrites; copy it first",
    );
    const again = await m.run({ p: { buffer: pBuffer }, q: { buffer: first['d']!.buffer } });
    expect(Array.from(again['d']!.data as Float32Array)).toEqual([4, 3, 2, 1]); // p - (p - q) = the first run's q
    expect(Array.from(again['r']!.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });
});

describe('model.d.ts', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gpu-io-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('types GPU inputs, the outputs option and chaining; a consumer type-checks', () => {
    const a = compileGraph(modelA('batch', 'sequence'), { modelName: 'a' });
    const b = compileGraph(modelB('batch', 'sequence'), { modelName: 'b' });
    const dtsA = generateDts(a.plan);
    const dtsB = generateDts(b.plan);
    expect(dtsB).toContain("  h: { buffer: GPUBufferType; dims: readonly [number, number, 6]; dtype?: 'float32' | 'float16' | 'bfloat16' | 'float64' };");
    expect(dtsB).toContain("  id: { buffer: GPUBufferType; dims: readonly [number, number]; dtype?: 'int64' | 'int8' | 'int16' | 'int32' };");
    expect(dtsA).toContain('export type RunInputs = { [K in keyof ModelInputs]: ModelInputs[K] | ModelGpuInputs[K] };');
    for (const [name, text] of [['a', dtsA], ['b', dtsB]] as const) {
      mkdirSync(join(tmp, name), { recursive: true });
      writeFileSync(join(tmp, name, 'model.d.ts'), text);
    }
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }');
    const consumer = join(tmp, 'consumer.ts');
    writeFileSync(
      consumer,
      `import * as A from './a/model.js';
import * as B from './b/model.js';
const a = await A.load();
const b = await B.load({ device: a.device });
const mid = await a.run({ x: { data: new Float32Array(12), dims: [1, 3, 4] } }, { outputs: 'gpu' });
const [batch, sequence, six]: [number, number, 6] = mid.h.dims;
const out = await b.run({ h: mid.h, id: mid.id });
const p: Float32Array = out.p.data;
const mixed = await a.run({ x: mid.h as never }, { outputs: ['id'] });
const h: Float32Array = mixed.h.data;
const idBuffer = mixed.id.buffer;
const readbacks: number = a.stats.readbacksPerRun;
// @ts-expect-error a GPU output has no data
mid.h.data;
// @ts-expect-error int64 words cannot feed a float input
await b.run({ h: { buffer: mid.h.buffer, dims: mid.h.dims, dtype: mid.id.dtype }, id: mid.id });
// @ts-expect-error dims are required for symbolic inputs
await b.run({ h: { buffer: mid.h.buffer }, id: mid.id });
// @ts-expect-error no such output
await a.run({ x: mid.h as never }, { outputs: ['nope'] });
export { batch, sequence, six, p, h, idBuffer, readbacks };
`,
    );
    expect(typecheckConsumer(consumer)).toEqual([]);
  });
});
