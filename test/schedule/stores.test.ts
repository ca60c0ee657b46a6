/**
 * Movement folded into stores (codegen/schedule/stores.ts, remap.ts) on the GPU against the CPU
 * reference: slices, transposes and concats written directly by the kernel computing the data,
 * copy groups for what no computing kernel can write, in-place concats, slices with steps in
 * both directions, a graph output that is a view of a stored path value, and the fallback when a
 * tree needs more output bindings than the device has. Outputs are poisoned before each run, so
 * an element no store reaches shows up as NaN (or a sentinel for integers).
 */

import { describe, expect, test } from 'vitest';
import { partitionGraph } from '../../codegen/schedule/fuse.js';
import type { Op } from '../../ir/ops.js';
import { Builder, binary, runScheduled, unary } from './helpers.js';

const MATMUL: Op = { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 };
const conv1x1: Op = { kind: 'conv', strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
const slice = (axes: number[], starts: number[], ends: number[], steps = axes.map(() => 1)): Op => ({ kind: 'slice', axes, starts, ends, steps });

describe('stores through movement', () => {
  test('a matmul sliced into Q, K, V writes the three slices and nothing else', async () => {
    const b = new Builder(51);
    const x = b.input('x', [2, 5, 8]);
    const qkv = b.op(MATMUL, [x, b.constant('w', [8, 12]), b.constant('bias', [12])]);
    const q = b.op(slice([2], [0], [4]), [qkv], 'q');
    const k = b.op(unary('relu'), [b.op(slice([2], [4], [8]), [qkv])], 'k');
    const v = b.op({ kind: 'reshape', shape: [10, 4] }, [b.op(slice([2], [8], [12]), [qkv])], 'v');
    const { kernels } = await runScheduled(b.outputs(q, k, v), b.feeds);
    // The matmul (three stores) and the relu on K.
    expect(kernels.length).toBe(2);
    expect(kernels[0]!.outputs).toHaveLength(3);
  });

  test('a concat of two computed values runs no kernel of its own', async () => {
    const b = new Builder(52);
    const x = b.input('x', [1, 3, 4, 5]);
    const a = b.op(unary('relu'), [b.op(conv1x1, [x, b.constant('w1', [2, 3, 1, 1])])]);
    const c = b.op(binary('mul'), [b.op(conv1x1, [x, b.constant('w2', [4, 3, 1, 1])]), b.scalar('k', 0.5)]);
    const y = b.op({ kind: 'concat', axis: 1 }, [a, c], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels.length).toBe(2);
  });

  test('a concat with a graph input: one copy kernel for the input, the rest written in place', async () => {
    const b = new Builder(53);
    const x = b.input('x', [2, 3, 4]);
    const t = b.input('t', [2, 1, 4]);
    const y = b.op({ kind: 'concat', axis: 1 }, [t, b.op(unary('tanh'), [x])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    expect(kernels.length).toBe(2);
  });

  test('a concat with two inputs nothing can write in place stays a concat kernel', async () => {
    const b = new Builder(54);
    const y = b.op({ kind: 'concat', axis: 0 }, [b.input('a', [2, 3]), b.input('c', [1, 3]), b.op(unary('neg'), [b.input('d', [4, 3])])], 'y');
    const items = partitionGraph(b.outputs(y), { acceptsEpilogue: () => false, maxBindings: 8 });
    const groups = items.flatMap((i) => (i.kind === 'group' ? [i.group] : []));
    expect(groups.map((g) => g.anchor.op.kind).sort()).toEqual(['concat', 'unary']);
    await runScheduled(b.g, b.feeds);
  });

  test('a channel shuffle and split after a concat: one copy kernel, writing into the next concat', async () => {
    const b = new Builder(55);
    const x = b.input('x', [1, 4, 3, 3]);
    const left = b.op(unary('relu'), [b.op(conv1x1, [x, b.constant('w1', [4, 4, 1, 1])])]);
    const right = b.op(unary('relu'), [b.op(conv1x1, [x, b.constant('w2', [4, 4, 1, 1])])]);
    const cat = b.op({ kind: 'concat', axis: 1 }, [left, right]);
    const r1 = b.op({ kind: 'reshape', shape: [1, 2, 4, 3, 3] }, [cat]);
    const tr = b.op({ kind: 'transpose', perm: [0, 2, 1, 3, 4] }, [r1]);
    const shuffled = b.op({ kind: 'reshape', shape: [1, 8, 3, 3] }, [tr]);
    const s0 = b.op(slice([1], [0], [4]), [shuffled]);
    const s1 = b.op(slice([1], [4], [8]), [shuffled]);
    const branch = b.op(unary('relu'), [b.op(conv1x1, [s1, b.constant('w3', [4, 4, 1, 1])])]);
    const y = b.op({ kind: 'concat', axis: 1 }, [s0, branch], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds);
    // Three convs and the shuffle copy; neither concat, transpose nor slice runs a kernel.
    expect(kernels.length).toBe(4);
  });

  test('a layer norm read by a residual add and, transposed, by a matmul stores both', async () => {
    const b = new Builder(56);
    const x = b.input('x', [3, 4, 8]);
    const ln = b.op({ kind: 'layerNorm', axis: 2, epsilon: 1e-5 }, [x, b.constant('g', [8])]);
    const tr = b.op({ kind: 'transpose', perm: [1, 0, 2] }, [ln]);
    const mm = b.op(MATMUL, [tr, b.constant('w', [8, 8])]);
    const y = b.op(binary('add'), [b.op({ kind: 'transpose', perm: [1, 0, 2] }, [mm]), ln], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds, { rtol: 1e-4 });
    // layer norm (two stores), matmul (stores transposed), add.
    expect(kernels.length).toBe(3);
  });

  test('slices with steps in both directions and clamped bounds', async () => {
    const b = new Builder(57);
    const x = b.input('x', [5, 9]);
    const e = b.op(unary('exp'), [x]);
    const a = b.op(slice([0, 1], [1, 8], [5, -100], [2, -3]), [e], 'a');
    const c = b.op(slice([1], [-4], [1000]), [e], 'c');
    const d = b.op({ kind: 'transpose', perm: [1, 0] }, [b.op(slice([0], [4], [-6], [-1]), [e])], 'd');
    const { kernels } = await runScheduled(b.outputs(a, c, d), b.feeds);
    expect(kernels.length).toBe(1);
  });

  test('a graph output that is a view of a transposed value', async () => {
    const b = new Builder(58);
    const x = b.input('x', [2, 3, 4]);
    const t = b.op({ kind: 'transpose', perm: [2, 0, 1] }, [b.op(unary('sigmoid'), [x])]);
    const y = b.op({ kind: 'reshape', shape: [4, 6] }, [t], 'y');
    const z = b.op(unary('neg'), [t], 'z');
    const { kernels } = await runScheduled(b.outputs(y, z), b.feeds);
    expect(kernels.length).toBe(2);
  });

  test('integer values move through transpose and concat', async () => {
    const b = new Builder(59);
    const i = b.input('i', [3, 4], 'int32', -50, 50);
    const j = b.op(binary('mul'), [i, b.scalar('k', 3, 'int32')]);
    const y = b.op({ kind: 'concat', axis: 0 }, [b.op({ kind: 'transpose', perm: [1, 0] }, [j]), b.input('z', [2, 3], 'int32', -5, 5)], 'y');
    await runScheduled(b.outputs(y), b.feeds);
  });

  test('too many leaves for the bindings: the value is stored and copy kernels split the leaves', async () => {
    const b = new Builder(60);
    const x = b.input('x', [2, 12]);
    const e = b.op(unary('exp'), [x]);
    const outs = Array.from({ length: 6 }, (_, k) => b.op(slice([1], [2 * k], [2 * k + 2]), [e], `s${k}`));
    const { kernels } = await runScheduled(b.outputs(...outs), b.feeds, { limits: { maxStorageBuffersPerShaderStage: 4 } });
    // exp stores itself; 6 slices over copy kernels of at most 3 outputs each.
    expect(kernels.length).toBe(3);
    for (const k of kernels) expect(k.inputs.length + k.outputs.length).toBeLessThanOrEqual(4);
  });
});

describe('padded conv inputs written by their producers', () => {
  const conv3 = (pads: number[], strides = [1, 1]): Op => ({ kind: 'conv', strides, pads, dilations: [1, 1], group: 1 });
  const padKernels = (kernels: { name: string }[]) => kernels.filter((k) => k.name.endsWith('/pad')).length;

  test('conv → relu → 3×3 conv: the first conv writes the padded copy, border zeros included', async () => {
    const b = new Builder(61);
    const x = b.input('x', [1, 3, 9, 10]);
    const a = b.op(unary('relu'), [b.op(conv3([1, 1, 1, 1]), [x, b.constant('w1', [8, 3, 3, 3]), b.constant('b1', [8])])]);
    const y = b.op(conv3([1, 2, 0, 1]), [a, b.constant('w2', [8, 8, 3, 3]), b.constant('b2', [8])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds, { rtol: 1e-4 });
    // The first conv pads the graph input itself; the second reads what the first wrote.
    expect(padKernels(kernels)).toBe(1);
    expect(kernels).toHaveLength(3);
  });

  test('a value read by a padded conv and by a residual add is stored both ways', async () => {
    const b = new Builder(62);
    const x = b.input('x', [1, 4, 7, 7]);
    const a = b.op(unary('relu'), [b.op(binary('add'), [x, b.input('r', [1, 4, 7, 7])])]);
    const c = b.op(conv3([1, 1, 1, 1]), [a, b.constant('w', [4, 4, 3, 3])]);
    const y = b.op(binary('add'), [c, a], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds, { rtol: 1e-4 });
    expect(kernels).toHaveLength(2);
    expect(kernels[0]!.outputs).toHaveLength(2);
  });

  test('strided 1×1 and 1-d convs read rows their producers widened', async () => {
    const b = new Builder(63);
    const x = b.input('x', [1, 5, 10, 10]);
    const t = b.op(unary('tanh'), [x]);
    const y1 = b.op(conv3([0, 0, 0, 0], [2, 2]), [t, b.constant('w1', [6, 5, 1, 1])], 'y1');
    const s = b.op(unary('sigmoid'), [b.input('s', [2, 3, 13])]);
    const y2 = b.op({ kind: 'conv', strides: [1], pads: [2, 1], dilations: [1], group: 1 }, [s, b.constant('w2', [4, 3, 3])], 'y2');
    const { kernels } = await runScheduled(b.outputs(y1, y2), b.feeds, { rtol: 1e-4 });
    expect(padKernels(kernels)).toBe(0);
  });

  test('a concat feeding a padded conv: its inputs (a resize and a relu) write the padded copy', async () => {
    const b = new Builder(64);
    const x = b.input('x', [1, 3, 6, 6]);
    const up = b.op(
      { kind: 'resize', mode: 'nearest', coordMode: 'asymmetric', nearestMode: 'floor', cubicCoeffA: -0.75, excludeOutside: false, extrapolationValue: 0, scales: [1, 1, 2, 2], sizes: [1, 3, 12, 12] },
      [x],
    );
    const skip = b.op(unary('relu'), [b.input('skip', [1, 2, 12, 12])]);
    const cat = b.op({ kind: 'concat', axis: 1 }, [up, skip]);
    const y = b.op(conv3([1, 1, 1, 1]), [cat, b.constant('w', [4, 5, 3, 3])], 'y');
    const { kernels } = await runScheduled(b.outputs(y), b.feeds, { rtol: 1e-4 });
    // resize and relu each writing their part of the padded concat, the conv.
    expect(kernels).toHaveLength(3);
    expect(kernels.some((k) => k.name.startsWith('copy'))).toBe(false);
    expect(padKernels(kernels)).toBe(0);
  });

  test('without bindings for the padded copy, the conv pads its input itself', async () => {
    const b = new Builder(65);
    const x = b.input('x', [1, 3, 6, 7]);
    const a = b.op(unary('relu'), [b.op(conv3([1, 1, 1, 1]), [x, b.constant('w1', [4, 3, 3, 3]), b.constant('b1', [4])])]);
    const y = b.op(conv3([1, 1, 1, 1]), [a, b.constant('w2', [4, 4, 3, 3])], 'y');
    const z = b.op(unary('neg'), [a], 'z');
    // conv + bias bind 3; storing a and its padded copy would need 5 of 4.
    const { kernels } = await runScheduled(b.outputs(y, z), b.feeds, { rtol: 1e-4, limits: { maxStorageBuffersPerShaderStage: 4 } });
    expect(padKernels(kernels)).toBe(2);
  });
});
