/**
 * Shape inference against onnxruntime: random single-node models (conv, convTranspose, pooling
 * with ceil_mode, slice with negative steps and sentinels, matmul/gemm, gather, pad, reduce,
 * argmax, range, tile, expand, concat, transpose, shape, broadcasting) run in ORT, and the output
 * dims it produces must equal `inferTypes` on the equivalent IR op — or both must reject the case.
 */

import { describe, expect, it } from 'vitest';
import type { Op } from '../../ir/ops.js';
import type { Dim } from '../../ir/shape.js';
import type { Value } from '../../ir/graph.js';
import { rng } from '../helpers/random.js';
import { constant, conv, convT, f32, INT64_MAX, INT64_MIN, matmul, pool, shapeOf, slice, val } from './infer-helpers.js';
import { runOnnxNode, type OnnxAttr, type OnnxFeed } from './onnx-node-model.js';

interface Case {
  label: string;
  opType: string;
  feeds: OnnxFeed[];
  attrs?: Record<string, OnnxAttr>;
  opset?: number;
  op: Op;
  inputs: Value[];
  /** ORT returns an empty output where no pooling window fits; we reject such a node instead. */
  emptyIsError?: boolean;
}

async function check(c: Case): Promise<void> {
  const ref = await runOnnxNode(c.opType, c.feeds, c.attrs, c.opset);
  let ours: Dim[] | { error: string };
  try {
    ours = shapeOf(c.op, ...c.inputs);
  } catch (e) {
    ours = { error: (e as Error).message };
  }
  if (Array.isArray(ref) && c.emptyIsError && ref.includes(0)) {
    expect(Array.isArray(ours), `${c.label}: ORT gives an empty ${JSON.stringify(ref)}, we should reject it`).toBe(false);
  } else if (Array.isArray(ref)) expect(ours, `${c.label}: ORT gives ${JSON.stringify(ref)}`).toEqual(ref);
  else expect(Array.isArray(ours), `${c.label}: ORT fails (${ref.error}) but we infer ${JSON.stringify(ours)}`).toBe(false);
}

const r = rng(20240611);
const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const dimsOf = (rank: number, lo: number, hi: number) => Array.from({ length: rank }, () => int(lo, hi));
const feed = (name: string, dims: number[], dtype: OnnxFeed['dtype'] = 'float32'): OnnxFeed => ({ name, dtype, dims });
const init = (name: string, data: number[], dims = [data.length]): OnnxFeed => ({ name, dtype: 'int64', dims, data, initializer: true });
const N = Number(process.env.IR_ORT_CASES ?? 16);

describe('inference agrees with onnxruntime', () => {
  it('conv and convTranspose', async () => {
    for (let t = 0; t < N * 2; t++) {
      const n = int(1, 3);
      const group = int(1, 2);
      const cg = int(1, 2);
      const m = group * int(1, 2);
      const inp = dimsOf(n, 1, n === 3 ? 5 : 8);
      const k = dimsOf(n, 1, 4);
      const strides = dimsOf(n, 1, 3);
      const dilations = dimsOf(n, 1, 2);
      const pads = dimsOf(2 * n, 0, 2);
      const attrs = { kernel_shape: k, strides, dilations, pads, group };
      if (t % 2 === 0) {
        const xs = [1, group * cg, ...inp];
        const ws = [m, cg, ...k];
        await check({
          label: `conv x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(attrs)}`,
          opType: 'Conv',
          feeds: [feed('x', xs), feed('w', ws)],
          attrs,
          op: conv(n, { strides, pads, dilations, group }),
          inputs: [f32(...xs), f32(...ws)],
        });
      } else {
        // ONNX allows output padding below the stride or the dilation; ORT only below the stride.
        const outputPadding = strides.map((s) => int(0, s - 1));
        const xs = [1, group * cg, ...inp];
        const ws = [group * cg, int(1, 2), ...k];
        await check({
          label: `convTranspose x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(attrs)} op ${outputPadding}`,
          opType: 'ConvTranspose',
          feeds: [feed('x', xs), feed('w', ws)],
          attrs: { ...attrs, output_padding: outputPadding },
          op: convT(n, { strides, pads, dilations, group, outputPadding }),
          inputs: [f32(...xs), f32(...ws)],
        });
      }
    }
  });

  it('max and average pooling, with and without ceil_mode', async () => {
    for (let t = 0; t < N * 3; t++) {
      const n = int(1, 2);
      const type = pick(['max', 'avg'] as const);
      const kernel = dimsOf(n, 1, 4);
      const strides = dimsOf(n, 1, 3);
      const dilations = type === 'max' ? dimsOf(n, 1, 2) : kernel.map(() => 1);
      // ONNX pooling needs each pad smaller than the kernel.
      const pads = [...kernel, ...kernel].map((k) => int(0, k - 1));
      const ceilMode = r() < 0.7;
      const xs = [1, 2, ...dimsOf(n, 1, 9)];
      const attrs: Record<string, OnnxAttr> = { kernel_shape: kernel, strides, pads, ceil_mode: ceilMode ? 1 : 0 };
      if (type === 'max') attrs.dilations = dilations;
      await check({
        label: `${type}pool x${JSON.stringify(xs)} ${JSON.stringify(attrs)}`,
        opType: type === 'max' ? 'MaxPool' : 'AveragePool',
        feeds: [feed('x', xs)],
        attrs,
        op: pool(kernel, { type, strides, pads, dilations, ceilMode }),
        inputs: [f32(...xs)],
        emptyIsError: true,
      });
    }
  });

  it('slice with negative steps, out-of-range bounds and INT64 sentinels', async () => {
    const bound = () => (r() < 0.15 ? pick([INT64_MAX, INT64_MIN]) : int(-9, 9));
    for (let t = 0; t < N * 3; t++) {
      const xs = dimsOf(int(1, 3), 0, 6);
      const axes = [...xs.keys()].filter(() => r() < 0.7).map((a) => (r() < 0.3 ? a - xs.length : a));
      if (axes.length === 0) axes.push(0);
      const starts = axes.map(bound);
      const ends = axes.map(bound);
      const steps = axes.map(() => pick([1, 2, 3, -1, -2, -3]));
      await check({
        label: `slice x${JSON.stringify(xs)} axes ${axes} starts ${starts} ends ${ends} steps ${steps}`,
        opType: 'Slice',
        feeds: [feed('x', xs), init('s', starts), init('e', ends), init('a', axes), init('st', steps)],
        op: slice(axes, starts, ends, steps),
        inputs: [f32(...xs)],
      });
    }
  });

  it('matmul (1-d and batched) and gemm', async () => {
    for (let t = 0; t < N * 2; t++) {
      const [m, k, n] = dimsOf(3, 1, 5);
      const batch = dimsOf(int(0, 2), 2, 3);
      const bcast = (b: number[]) => b.slice(int(0, b.length)).map((d) => (r() < 0.4 ? 1 : d));
      const kb = r() < 0.1 ? k! + 1 : k!;
      const a = r() < 0.2 ? [k!] : [...bcast(batch), m!, k!];
      const b = r() < 0.2 ? [kb] : [...bcast(batch), kb, n!];
      await check({
        label: `matmul ${JSON.stringify(a)} × ${JSON.stringify(b)}`,
        opType: 'MatMul',
        feeds: [feed('a', a), feed('b', b)],
        op: matmul(),
        inputs: [f32(...a), f32(...b)],
      });
    }
    for (let t = 0; t < N; t++) {
      const [m, k, n] = dimsOf(3, 1, 5);
      const transA = r() < 0.5;
      const transB = r() < 0.5;
      const a = transA ? [k!, m!] : [m!, k!];
      const b = transB ? [n!, k!] : [k!, n!];
      const c = pick([[n!], [m!, n!], [1, n!], [m!, 1], [], [m! + 1, n!]]);
      await check({
        label: `gemm ${JSON.stringify(a)} ${JSON.stringify(b)} c${JSON.stringify(c)} ${transA} ${transB}`,
        opType: 'Gemm',
        feeds: [feed('a', a), feed('b', b), feed('c', c)],
        attrs: { transA: transA ? 1 : 0, transB: transB ? 1 : 0 },
        op: matmul({ transA, transB }),
        inputs: [f32(...a), f32(...b), f32(...c)],
      });
    }
  });

  it('gather, pad, reduce and argmax', async () => {
    for (let t = 0; t < N; t++) {
      const xs = dimsOf(int(1, 3), 1, 4);
      const axis = int(-xs.length, xs.length - 1);
      const size = xs[axis < 0 ? axis + xs.length : axis]!;
      const is = dimsOf(int(0, 2), 1, 3);
      const data = Array.from({ length: is.reduce((p, q) => p * q, 1) }, () => int(-size, size - 1));
      await check({
        label: `gather x${JSON.stringify(xs)} axis ${axis} indices${JSON.stringify(is)}`,
        opType: 'Gather',
        feeds: [feed('x', xs), { name: 'i', dtype: 'int64', dims: is, data }],
        attrs: { axis },
        op: { kind: 'gather', axis },
        inputs: [f32(...xs), val('int64', is)],
      });
    }
    for (let t = 0; t < N; t++) {
      const xs = dimsOf(int(1, 3), 1, 4);
      const pads = dimsOf(2 * xs.length, -3, 3);
      await check({
        label: `pad x${JSON.stringify(xs)} pads ${pads}`,
        opType: 'Pad',
        feeds: [feed('x', xs), init('p', pads)],
        op: { kind: 'pad', mode: 'constant', pads, value: 0 },
        inputs: [f32(...xs)],
      });
    }
    for (let t = 0; t < N; t++) {
      const xs = dimsOf(int(1, 4), 1, 4);
      const axes = [...xs.keys()].filter(() => r() < 0.4).map((a) => (r() < 0.3 ? a - xs.length : a));
      const keepdims = r() < 0.5;
      await check({
        label: `reduceSum x${JSON.stringify(xs)} axes ${axes} keepdims ${keepdims}`,
        opType: 'ReduceSum',
        feeds: [feed('x', xs), init('axes', axes)],
        attrs: { keepdims: keepdims ? 1 : 0 },
        op: { kind: 'reduce', fn: 'sum', axes, keepdims },
        inputs: [f32(...xs)],
      });
      const axis = int(-xs.length, xs.length - 1);
      await check({
        label: `argMax x${JSON.stringify(xs)} axis ${axis} keepdims ${keepdims}`,
        opType: 'ArgMax',
        feeds: [feed('x', xs)],
        attrs: { axis, keepdims: keepdims ? 1 : 0 },
        op: { kind: 'argReduce', fn: 'max', axis, keepdims, selectLastIndex: false },
        inputs: [f32(...xs)],
      });
    }
  });

  it('range, tile, expand, concat, transpose, shape and broadcasting', async () => {
    for (let t = 0; t < N; t++) {
      const float = t % 2 === 1;
      const q = (x: number) => (float ? Math.fround(x) : x);
      const [s, l] = float ? [q(r() * 10 - 5), q(r() * 20 - 5)] : [int(-5, 5), int(-5, 12)];
      const d = float ? q(pick([-1, 1]) * (0.25 + r() * 2)) : pick([-3, -2, -1, 1, 2, 3]);
      const dtype = float ? 'float32' : 'int64';
      const sc = (name: string, x: number): OnnxFeed => ({ name, dtype, dims: [], data: [x], initializer: true });
      await check({
        label: `range ${s} ${l} ${d}`,
        opType: 'Range',
        feeds: [sc('s', s), sc('l', l), sc('d', d)],
        op: { kind: 'range' },
        inputs: [constant(dtype, [], [s]), constant(dtype, [], [l]), constant(dtype, [], [d])],
      });
    }
    for (let t = 0; t < N; t++) {
      const xs = dimsOf(int(1, 3), 1, 3);
      const repeats = dimsOf(xs.length, 0, 3);
      await check({ label: `tile ${xs} ${repeats}`, opType: 'Tile', feeds: [feed('x', xs), init('r', repeats)], op: { kind: 'tile', repeats }, inputs: [f32(...xs)] });
      const target = [...dimsOf(int(0, 2), 1, 3), ...xs.map((x) => (x === 1 ? int(1, 3) : pick([1, x, x, x + 1])))];
      await check({ label: `expand ${xs} to ${target}`, opType: 'Expand', feeds: [feed('x', xs), init('s', target)], op: { kind: 'expand', shape: target }, inputs: [f32(...xs)] });
      const axis = int(-xs.length, xs.length - 1);
      const ys = xs.map((x, i) => (i === (axis + xs.length) % xs.length ? int(0, 3) : r() < 0.1 ? x + 1 : x));
      await check({ label: `concat ${xs} ${ys} axis ${axis}`, opType: 'Concat', feeds: [feed('x', xs), feed('y', ys)], attrs: { axis }, op: { kind: 'concat', axis }, inputs: [f32(...xs), f32(...ys)] });
      const perm = [...xs.keys()].sort(() => r() - 0.5);
      await check({ label: `transpose ${xs} ${perm}`, opType: 'Transpose', feeds: [feed('x', xs)], attrs: { perm }, op: { kind: 'transpose', perm }, inputs: [f32(...xs)] });
      const [start, end] = [int(-5, 5), int(-5, 5)];
      await check({ label: `shape ${xs} ${start}:${end}`, opType: 'Shape', feeds: [feed('x', xs)], attrs: { start, end }, op: { kind: 'shape', start, end }, inputs: [f32(...xs)] });
      const bs = [...dimsOf(int(0, 2), 1, 3), ...xs].slice(int(0, xs.length)).map((x) => (r() < 0.3 ? 1 : r() < 0.1 ? x + 1 : x));
      await check({ label: `add ${xs} ${bs}`, opType: 'Add', feeds: [feed('x', xs), feed('y', bs)], op: { kind: 'binary', fn: 'add' }, inputs: [f32(...xs), f32(...bs)] });
    }
  });
});
