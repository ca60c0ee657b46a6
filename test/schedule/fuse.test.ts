/**
 * Fused kernels on the GPU against the CPU reference evaluator: each graph is generated with
 * fusion (codegen/generate.ts + codegen/schedule/), run on random inputs with every output buffer
 * poisoned first, and compared output by output with `evaluateGraph`. One case per anchor kernel
 * path (conv: 2-d, pointwise, depthwise, N-d; matmul plain and batch-folded; pool; reduce;
 * softmax; layer norm) and per epilogue shape: same-shape residual, per-channel broadcast, scalar
 * constants as literals, chains with two external inputs, a value with two consumers, a graph
 * output inside a chain, integer and bool values, reshapes inside a group, and the binding limit.
 */

import { describe, expect, test } from 'vitest';
import type { Op } from '../../ir/ops.js';
import { Builder, binary, runScheduled, unary } from './helpers.js';

const conv = (pads: number[], group = 1, strides = [1, 1]): Op => ({ kind: 'conv', strides, pads, dilations: strides.map(() => 1), group });
const MATMUL: Op = { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 };

describe('fused conv epilogues', () => {
  test('3×3 conv (conv-2d path) + bias + relu + same-shape residual + relu: one kernel after the pad', async () => {
    const b = new Builder(11);
    const x = b.input('x', [1, 5, 9, 11]);
    const r = b.input('r', [1, 6, 9, 11]);
    const c = b.op(conv([1, 1, 1, 1]), [x, b.constant('w', [6, 5, 3, 3]), b.constant('bias', [6])]);
    const y = b.op(unary('relu'), [b.op(binary('add'), [b.op(unary('relu'), [c]), r])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels.filter((k) => !k.name.endsWith('/pad'))).toHaveLength(1);
  });

  test('pointwise conv + clip (relu6) + mul by a scalar constant: the constant is a literal', async () => {
    const b = new Builder(12);
    const x = b.input('x', [2, 8, 5, 6]);
    const c = b.op(conv([0, 0, 0, 0]), [x, b.constant('w', [12, 8, 1, 1]), b.constant('bias', [12])]);
    const y = b.op(binary('mul'), [b.op(unary('clip', 0, 0.5), [c]), b.scalar('k', 1.5)], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
    expect(kernels[0]!.inputs).toHaveLength(3); // x, w, bias
  });

  test('depthwise conv + silu + per-channel broadcast input ([C,1,1]) + residual', async () => {
    const b = new Builder(13);
    const x = b.input('x', [1, 6, 10, 7]);
    const s = b.input('s', [6, 1, 1]);
    const c = b.op(conv([1, 1, 1, 1], 6), [x, b.constant('w', [6, 1, 3, 3]), b.constant('bias', [6])]);
    const y = b.op(binary('add'), [b.op(binary('mul'), [s, b.op(unary('silu'), [c])]), x], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });

  test('3-d conv (direct path) + sigmoid + hardSwish', async () => {
    const b = new Builder(14);
    const x = b.input('x', [1, 3, 4, 5, 6]);
    const c = b.op({ kind: 'conv', strides: [1, 1, 1], pads: [1, 0, 1, 1, 0, 1], dilations: [1, 1, 1], group: 1 }, [x, b.constant('w', [5, 3, 2, 3, 3])]);
    const y = b.op(unary('hardSwish'), [b.op(unary('sigmoid'), [c])], 'y');
    await runScheduled(b.outputs(y), b.feeds);
  });

  test('a conv output with two consumers is stored once and read by both', async () => {
    const b = new Builder(15);
    const x = b.input('x', [1, 4, 6, 6]);
    const c = b.op(conv([1, 1, 1, 1]), [x, b.constant('w', [4, 4, 3, 3])]);
    const y1 = b.op(unary('relu'), [c], 'y1');
    const y2 = b.op(binary('mul'), [c, b.scalar('two', 2)], 'y2');
    const { kernels } = await runScheduled(b.outputs(y1, y2), b.feeds);
    expect(kernels.filter((k) => !k.name.endsWith('/pad'))).toHaveLength(3);
  });

  test('a graph output inside a chain is stored, and the chain continues in its own kernel', async () => {
    const b = new Builder(16);
    const x = b.input('x', [1, 4, 6, 6]);
    const c = b.op(conv([0, 0, 0, 0]), [x, b.constant('w', [4, 4, 1, 1])]);
    const mid = b.op(unary('relu'), [c], 'mid');
    const y = b.op(binary('sub'), [mid, b.input('r', [1, 4, 6, 6])], 'y');
    const { kernels } = await runScheduled(b.outputs(mid, y), b.feeds);
    expect(kernels).toHaveLength(2);
  });

  test('the binding limit splits the epilogue and every kernel stays within it', async () => {
    const b = new Builder(17);
    const x = b.input('x', [1, 2, 4, 8]);
    let v = b.op(conv([0, 0, 0, 0]), [x, b.constant('w', [3, 2, 1, 1]), b.constant('bias', [3])]);
    for (let i = 0; i < 5; i++) v = b.op(binary(i % 2 ? 'mul' : 'add'), [v, b.input(`r${i}`, [1, 3, 4, 8])]);
    const y = b.op(unary('tanh'), [v], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds, { limits: { maxStorageBuffersPerShaderStage: 6 } });
    expect(kernels.length).toBeGreaterThan(1);
  });
});

describe('fused matmul epilogues', () => {
  test('batched matmul with c + gelu + residual broadcast along rows', async () => {
    const b = new Builder(21);
    const a = b.input('a', [3, 5, 7]);
    const m = b.op(MATMUL, [a, b.input('bm', [3, 7, 9]), b.constant('c', [9])]);
    const y = b.op(binary('add'), [b.op(unary('gelu'), [m]), b.input('res', [1, 9])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });

  test('batch-folded matmul → reshape → residual add → erf: the reshape is absorbed', async () => {
    const b = new Builder(22);
    const a = b.input('a', [2, 6, 8]);
    const m = b.op(MATMUL, [a, b.constant('w', [8, 12]), b.constant('bias', [12])]); // [2,6,12]
    const v = b.op({ kind: 'reshape', shape: [12, 12] }, [m]);
    const y = b.op(unary('erf'), [b.op(binary('add'), [v, b.input('res', [12, 12])])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });
});

describe('fused reduction-family epilogues', () => {
  test('global average pool as reduce mean + sigmoid + mul by a per-channel constant', async () => {
    const b = new Builder(31);
    const x = b.input('x', [2, 6, 9, 9]);
    const r = b.op({ kind: 'reduce', fn: 'mean', axes: [2, 3], keepdims: true }, [x]);
    const y = b.op(binary('mul'), [b.op(unary('sigmoid'), [r]), b.constant('k', [1, 6, 1, 1])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });

  test('softmax + where with a broadcast bool mask and a scalar', async () => {
    const b = new Builder(32);
    const x = b.input('x', [2, 3, 40]);
    const mask = b.input('mask', [2, 1, 40], 'bool');
    const s = b.op({ kind: 'softmax', axis: 2, log: false }, [x]);
    const y = b.op({ kind: 'where' }, [mask, s, b.scalar('zero', 0)], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });

  test('layer norm + residual add + relu', async () => {
    const b = new Builder(33);
    const x = b.input('x', [4, 3, 32]);
    const ln = b.op({ kind: 'layerNorm', axis: 2, epsilon: 1e-5 }, [x, b.constant('g', [32]), b.constant('beta', [32])]);
    const y = b.op(unary('relu'), [b.op(binary('add'), [ln, x])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds, { rtol: 1e-4, atol: 1e-5 });
    expect(kernels).toHaveLength(1);
  });

  test('max pool + relu + cast to int32', async () => {
    const b = new Builder(34);
    const x = b.input('x', [1, 3, 8, 8], 'float32', -4, 4);
    const p = b.op({ kind: 'pool', type: 'max', kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: false, indices: 'none' }, [x]);
    const y = b.op({ kind: 'cast', to: 'int32' }, [b.op(unary('relu'), [p])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });
});

describe('elementwise groups', () => {
  test('a DAG with two external inputs and broadcasting inside is one kernel', async () => {
    const b = new Builder(41);
    const a = b.input('a', [2, 3, 4]);
    const c = b.input('c', [3, 1]);
    const d = b.input('d', [4]);
    const ab = b.op(binary('mul'), [a, b.op(unary('exp'), [a])]);
    const cd = b.op(binary('add'), [b.op(unary('tanh'), [c]), d]); // [3,4], recomputed per element
    const y = b.op(binary('div'), [ab, b.op(binary('max'), [cd, b.scalar('one', 1)])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });

  test('integer and bool values: comparisons, where, casts, int64 literals', async () => {
    const b = new Builder(42);
    const i = b.input('i', [3, 5], 'int32', -20, 20);
    const f = b.input('f', [3, 5]);
    const sum = b.op(binary('mul'), [b.op(binary('add'), [i, b.scalar('k', 7, 'int32')]), b.scalar('m', -3, 'int32')]);
    const big = b.op(binary('greater'), [sum, b.scalar('z', 0, 'int32')]);
    const y = b.op({ kind: 'where' }, [big, f, b.op({ kind: 'cast', to: 'float32' }, [sum])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels).toHaveLength(1);
  });

  test('fused and unfused schedules agree on a mixed graph', async () => {
    const b = new Builder(43);
    const x = b.input('x', [1, 4, 6, 6]);
    const c = b.op(conv([1, 1, 1, 1]), [x, b.constant('w', [4, 4, 3, 3]), b.constant('bias', [4])]);
    const r = b.op({ kind: 'reduce', fn: 'mean', axes: [2, 3], keepdims: true }, [b.op(unary('relu'), [c])]);
    const y = b.op(binary('mul'), [x, b.op(unary('sigmoid'), [r])], 'y');
    const fused = await runScheduled(b.outputs(y), b.feeds);
    const plain = await runScheduled(b.g, b.feeds, { fuse: false });
    expect(fused.kernels.length).toBeLessThan(plain.kernels.length);
  });
});

describe('input scales folded into a 1×1 conv', () => {
  test('squeeze-excitation: reduce → conv → silu → conv → sigmoid → mul → 1×1 conv', async () => {
    const b = new Builder(71);
    const x = b.input('x', [1, 8, 6, 5]);
    const se = b.op({ kind: 'reduce', fn: 'mean', axes: [2, 3], keepdims: true }, [x]);
    const fc1 = b.op(unary('silu'), [b.op(conv([0, 0, 0, 0]), [se, b.constant('w1', [2, 8, 1, 1]), b.constant('b1', [2])])]);
    const gate = b.op(unary('sigmoid'), [b.op(conv([0, 0, 0, 0]), [fc1, b.constant('w2', [8, 2, 1, 1]), b.constant('b2', [8])])]);
    const scaled = b.op(binary('mul'), [gate, x]);
    const y = b.op(binary('add'), [b.op(conv([0, 0, 0, 0]), [scaled, b.constant('w3', [6, 8, 1, 1]), b.constant('b3', [6])]), b.input('r', [1, 6, 6, 5])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds, { rtol: 1e-4 });
    // reduce, fc1+silu, fc2+sigmoid, and the projection reading x with the gate folded in.
    expect(kernels).toHaveLength(4);
    expect(kernels[3]!.name.startsWith('mul+')).toBe(true);
  });

  test('a per-image scale with batch 2 and groups; K not a multiple of 4 (scalar loads)', async () => {
    const b = new Builder(72);
    const x = b.input('x', [2, 6, 3, 4]);
    const s = b.input('s', [2, 6, 1, 1]);
    const y1 = b.op(conv([0, 0, 0, 0], 2), [b.op(binary('mul'), [x, s]), b.constant('w', [4, 3, 1, 1])], 'y1');
    const t = b.input('t', [2, 7, 3, 4]);
    const y2 = b.op(conv([0, 0, 0, 0]), [b.op(binary('mul'), [b.input('k', [7, 1, 1]), t]), b.constant('w2', [5, 7, 1, 1])], 'y2');
    const { kernels } = await runScheduled(b.outputs(y1, y2), b.feeds, { rtol: 1e-4 });
    expect(kernels).toHaveLength(2);
  });

  test('a scale that is not per channel, or a product read elsewhere, stays a multiply', async () => {
    const b = new Builder(73);
    const x = b.input('x', [1, 4, 3, 4]);
    const p = b.op(binary('mul'), [x, b.input('w4', [4])]); // per column, not per channel
    const y1 = b.op(conv([0, 0, 0, 0]), [p, b.constant('w', [3, 4, 1, 1])], 'y1');
    const q = b.op(binary('mul'), [x, b.input('c', [1, 4, 1, 1])]);
    const y2 = b.op(conv([0, 0, 0, 0]), [q, b.constant('v', [3, 4, 1, 1])], 'y2');
    const { kernels } = await runScheduled(b.outputs(y1, y2, q), b.feeds, { rtol: 1e-4 });
    expect(kernels).toHaveLength(4);
  });
});
