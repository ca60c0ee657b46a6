/**
 * Kernels whose sizes come from VALUES read at run time (value symbols, src/onnx/ops/context.ts):
 * topK with a symbolic k, pad with symbolic pads (each a symbol − 1, so 0 is a legal pad) and a fill
 * value given as an input, and the slices a Split with run-time sizes lowers to (symbolic
 * offsets, parts of size 0). Each kernel is generated once for the symbolic op and run at several
 * symbol values, against the CPU reference of the op with the symbols bound, on fresh random
 * inputs with every output poisoned first (test/helpers/gpu.ts). All of them copy or compare, so
 * every comparison is exact. Also checks that static k and pads still print as WGSL literals.
 */

import { describe, expect, it } from 'vitest';
import type { KernelGenerator } from '../../codegen/kernel.js';
import { generatePad, generateSlice } from '../../codegen/kernels/movement.js';
import { generateTopK } from '../../codegen/kernels/topk.js';
import { dimAdd, type Dim } from '../../ir/dim.js';
import { evaluate } from '../../ir/eval/index.js';
import { Graph, type Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { makeCtx } from './harness.js';
import { checkWithEnv } from './symbolic-env.js';

type Env = Record<string, number>;

/** `op`'s kernels at `env` against its own CPU reference at `env`, every output, exact. */
const checkAll = (gen: KernelGenerator, op: Op, inputs: { data: Tensor; shape: Dim[] }[], env: Env) => checkWithEnv(gen, op, op, inputs, env);

/** The WGSL of `op`'s kernels on static inputs `shapes` (no dims table). */
function wgslOf(gen: KernelGenerator, op: Op, dtype: Tensor['dtype'], shapes: number[][]): string {
  const g = new Graph();
  const values = shapes.map((s, i) => g.addInput(`x${i}`, { dtype, shape: s }));
  g.add(op, values, 'node', [], false);
  return gen(g.nodes[0]!, makeCtx())
    .map((k) => k.wgsl)
    .join('\n');
}

describe('topK with k from a value', () => {
  it('values and indices at k = 1, 3, the whole axis, largest and smallest, lines across inner axes', async () => {
    for (const k of [1, 3, 12]) {
      for (const largest of [true, false]) {
        // Rounded values give ties, which must resolve to the lower index as in the reference.
        const x = randomTensor('float32', [5, 12], rng(k * 7 + Number(largest)), -4, 4);
        x.data = (x.data as Float32Array).map((v) => Math.round(v));
        await checkAll(generateTopK, { kind: 'topK', axis: 1, k: 'k', largest, sorted: true }, [{ data: x, shape: [5, 12] }], { k });
        const xi = randomTensor('int32', [3, 12, 4], rng(k + 40), -50, 50);
        await checkAll(generateTopK, { kind: 'topK', axis: 1, k: 'k', largest, sorted: true }, [{ data: xi, shape: [3, 12, 4] }], { k });
      }
    }
  });

  it('with a symbolic batch as well (k and batch both read from the table)', async () => {
    for (const [batch, k] of [[1, 2], [7, 5], [130, 1]] as const) {
      const x = randomTensor('float32', [batch, 9], rng(batch + k), -3, 3);
      await checkAll(generateTopK, { kind: 'topK', axis: 1, k: 'k', largest: true, sorted: true }, [{ data: x, shape: ['batch', 9] }], { batch, k });
    }
  });

  it('a static k stays a literal', () => {
    const wgsl = wgslOf(generateTopK, { kind: 'topK', axis: 1, k: 3, largest: true, sorted: true }, 'float32', [[2, 8]]);
    expect(wgsl).toContain('if (rank >= 3u) { return; }');
    expect(wgsl).toContain('let at = (o * 3u + rank)');
    expect(wgsl).not.toContain('SYM[');
  });
});

describe('pad with pads from a value (each a symbol − 1, so 0 is a pad)', () => {
  const pads: Dim[] = ['p0-1', 'p1-1', 'p2-1', 'p3-1', 'p4-1', 'p5-1'];
  // Symbol values (pad + 1): all zero, one side only, both sides, up to the reflect limit (< dim).
  const envs: Env[] = [
    { p0: 1, p1: 1, p2: 1, p3: 1, p4: 1, p5: 1 },
    { p0: 2, p1: 1, p2: 3, p3: 1, p4: 2, p5: 1 },
    { p0: 1, p1: 4, p2: 1, p3: 3, p4: 1, p5: 5 },
    { p0: 3, p1: 2, p2: 4, p3: 2, p4: 5, p5: 4 },
  ];
  const x = randomTensor('float32', [3, 5, 6], rng(1), -5, 5);
  const xi = randomTensor('int32', [3, 5, 6], rng(2), -500, 500);
  for (const mode of ['constant', 'edge', 'reflect'] as const) {
    it(`${mode}, f32 and i32`, async () => {
      for (const env of envs) {
        const op: Op = { kind: 'pad', mode, pads, value: -2.5 };
        await checkAll(generatePad, op, [{ data: x, shape: [3, 5, 6] }], env);
        await checkAll(generatePad, { ...op, value: 7 }, [{ data: xi, shape: [3, 5, 6] }], env);
      }
    });
  }

  it('mixed with static pads (crops included) and a symbolic axis', async () => {
    // Reflect pads below the axis length; edge padding of the symbolic axis itself.
    const reflect: Op = { kind: 'pad', mode: 'reflect', pads: [0, 'a-1', -1, 0, 'b-1', 2], value: 0 };
    const edge: Op = { kind: 'pad', mode: 'edge', pads: ['a-1', 0, 1, 'b-1', 0, -2], value: 0 };
    for (const [n, a, b] of [[1, 1, 1], [4, 3, 7], [9, 1, 2]] as const) {
      const t = randomTensor('float32', [n, 7, 5], rng(n + a + b), -5, 5);
      for (const op of [reflect, edge]) await checkAll(generatePad, op, [{ data: t, shape: ['n', 7, 5] }], { n, a, b });
    }
  });

  it('the fill value given as an input (f32 and i32)', async () => {
    const op: Op = { kind: 'pad', mode: 'constant', pads, value: 0 };
    for (const [env, fill] of envs.map((e, i) => [e, i * 3.25 - 4] as const)) {
      const v = { data: { dtype: 'float32' as const, dims: [], data: Float32Array.from([fill]) }, shape: [] };
      await checkAll(generatePad, op, [{ data: x, shape: [3, 5, 6] }, v], env);
      const vi = { data: { dtype: 'int32' as const, dims: [1], data: Int32Array.from([Math.round(fill * 10)]) }, shape: [1] };
      await checkAll(generatePad, op, [{ data: xi, shape: [3, 5, 6] }, vi], env);
    }
  });

  it('static pads still print as literals', () => {
    const wgsl = wgslOf(generatePad, { kind: 'pad', mode: 'constant', pads: [1, 0, 0, 2], value: 0 }, 'float32', [[3, 4]]);
    expect(wgsl).toContain('var p0 = i32(c0) - 1;');
    expect(wgsl).toContain('var p1 = i32(c1) - 0;');
    expect(wgsl).not.toContain('SYM[');
  });
});

describe('the slices of a Split with run-time sizes (starts at symbolic offsets, parts of size 0)', () => {
  it('three parts of axis 1 of a [4, 9, 3] tensor, sizes s_i − 1 summing to 9', async () => {
    const x = randomTensor('float32', [4, 9, 3], rng(3), -5, 5);
    const sizes: Dim[] = ['s0-1', 's1-1', 's2-1'];
    let start: Dim = 0;
    const parts = sizes.map((size) => {
      const op: Op = { kind: 'slice', axes: [1], starts: [start], ends: [dimAdd(start, size)], steps: [1] };
      start = dimAdd(start, size);
      return op;
    });
    // Sizes (2, 3, 4), (0, 9, 0), (9, 0, 0), (1, 1, 7).
    for (const [a, b, c] of [[2, 3, 4], [0, 9, 0], [9, 0, 0], [1, 1, 7]] as const) {
      const env = { s0: a + 1, s1: b + 1, s2: c + 1 };
      for (const op of parts) await checkAll(generateSlice, op, [{ data: x, shape: [4, 9, 3] }], env);
    }
  });

  it('the reference binds symbolic starts and ends', () => {
    const x: Tensor = { dtype: 'float32', dims: [6], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const op: Op = { kind: 'slice', axes: [0], starts: ['a-1'], ends: ['a+b-2'], steps: [1] };
    expect(Array.from(evaluate(op, [x], { a: 3, b: 4 })[0]!.data as Float32Array)).toEqual([3, 4, 5]);
    expect(Array.from(evaluate(op, [x], { a: 1, b: 1 })[0]!.data as Float32Array)).toEqual([]);
  });
});
