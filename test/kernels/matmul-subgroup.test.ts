/**
 * The subgroup-rows GEMM form (codegen/kernels/gemm-core.ts `subgroupRows`): each lane of a
 * subgroup loads one of A's rows and the block's rows are broadcast across the subgroup. Checked
 * against the CPU reference on random inputs with outputs poisoned before the run: sizes off every
 * block (ragged rows, columns and row groups), batches with broadcast batch dims and the folded
 * batch, a bias and a fused epilogue, a symbolic M, a capped dispatch, and the layouts where the
 * form does not apply (transposed A, K not a multiple of 4), which must fall back to the plain form.
 *
 * Needs the `subgroups` feature (lavapipe and current GPUs offer it; the test device requests it).
 * Tolerance as in matmul.test.ts: f32 sums over K terms in another order, atol ∝ sqrt(K).
 */

import { describe, expect, it } from 'vitest';
import { generateMatmul, matmulKernels } from '../../codegen/kernels/matmul.js';
import { generateKernels } from '../../codegen/generate.js';
import type { GemmTiling } from '../../codegen/kernels/gemm-core.js';
import type { Op } from '../../ir/ops.js';
import { Graph, type Node, type Tensor } from '../../ir/graph.js';
import type { CodegenContext } from '../../codegen/kernel.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';
import { getDevice, runKernels } from '../helpers/gpu.js';
import { check } from './harness.js';

type Mm = Extract<Op, { kind: 'matmul' }>;
const mm = (o: Partial<Omit<Mm, 'kind'>> = {}): Mm => ({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1, ...o });
const tol = (K: number) => ({ rtol: 1e-4, atol: 1e-5 * Math.sqrt(K) });

let seed = 500;
const rand = (dims: number[]): Tensor => randomTensor('float32', dims, rng(seed++));

const sg = (rows: number, cols: number, wgX: number): GemmTiling => ({ rows, cols, wgX, wgY: 1, vec4: true, subgroupRows: true });

/** A generator with a fixed tiling that records whether the kernel took the subgroup form. */
function withTiling(tiling: GemmTiling, seen: boolean[]) {
  return (node: Node, ctx: CodegenContext) => {
    const kernels = matmulKernels(node, ctx, tiling);
    seen.push(kernels.every((k) => k.wgsl.includes('subgroupBroadcast')));
    return kernels;
  };
}

describe('matmul, subgroup-rows form', () => {
  it('the test device offers subgroups of at least 8 lanes', async () => {
    const device = await getDevice();
    expect(device.features.has('subgroups')).toBe(true);
  });

  it('2-d products with ragged rows, columns and row groups, B plain and transposed', async () => {
    // M = 37: 16- and 24-row blocks end in a partial block and a partial 8-row group.
    const [M, K, N] = [37, 28, 45];
    for (const [i, tiling] of [sg(16, 4, 8), sg(8, 4, 8), sg(24, 4, 16), sg(8, 8, 8), sg(3, 4, 8)].entries()) {
      const seen: boolean[] = [];
      const transB = i % 2 === 1;
      await check(withTiling(tiling, seen), mm({ transB }), [rand([M, K]), rand(transB ? [N, K] : [K, N])], tol(K));
      expect(seen, JSON.stringify(tiling)).toEqual([true]);
    }
  });

  it('alpha, beta and a bias broadcast along rows and columns', async () => {
    const [M, K, N] = [21, 16, 18];
    for (const cDims of [[N], [M, 1], [M, N]]) {
      const seen: boolean[] = [];
      await check(withTiling(sg(16, 4, 8), seen), mm({ alpha: 0.5, beta: -1.5 }), [rand([M, K]), rand([K, N]), rand(cDims)], tol(K));
      expect(seen).toEqual([true]);
    }
  });

  it('batched products: broadcast batch dims, the folded batch, a per-batch bias', async () => {
    const cases: Tensor[][] = [
      [rand([3, 1, 20, 12]), rand([4, 12, 9])],
      [rand([2, 3, 9, 16]), rand([16, 10])],
      [rand([3, 9, 16]), rand([16, 10]), rand([3, 1, 10])],
    ];
    for (const inputs of cases) {
      const seen: boolean[] = [];
      await check(withTiling(sg(16, 4, 8), seen), mm(), inputs, tol(16));
      expect(seen).toEqual([true]);
    }
  });

  it('a symbolic M (batch·sequence rows) and a capped dispatch', async () => {
    const seen: boolean[] = [];
    await check(withTiling(sg(16, 4, 8), seen), mm(), [rand([2, 19, 24]), rand([24, 40])], { ...tol(24), constants: [1], symbolic: { 0: ['batch', 'sequence', 24] } });
    const capped = await check(withTiling(sg(8, 4, 8), seen), mm(), [rand([30, 12, 8]), rand([30, 8, 20])], {
      ...tol(8),
      limits: { maxComputeWorkgroupsPerDimension: 8 },
    });
    expect(capped.kernels[0]!.workgroups.every((d) => typeof d === 'number' && d <= 8)).toBe(true);
    expect(seen).toEqual([true, true]);
  });

  it('falls back to the plain form where it does not apply (transposed A, K % 4, 2-d workgroup)', async () => {
    const seen: boolean[] = [];
    await check(withTiling(sg(16, 4, 8), seen), mm({ transA: true }), [rand([16, 13]), rand([16, 11])], tol(16));
    await check(withTiling(sg(16, 4, 8), seen), mm(), [rand([13, 27]), rand([27, 11])], tol(27));
    await check(withTiling({ ...sg(8, 4, 8), wgY: 2 }, seen), mm(), [rand([13, 16]), rand([16, 11])], tol(16));
    await check(withTiling(sg(8, 4, 4), seen), mm(), [rand([13, 16]), rand([16, 11])], tol(16));
    expect(seen).toEqual([false, false, false, false]);
  });

  it('is the default for big products only where the device facts say subgroups of 8+ lanes', async () => {
    const [M, K, N] = [130, 64, 258]; // 2.15M multiply-adds: over the size threshold; M, N ragged
    const uses = (r: { kernels: { wgsl: string }[] }) => r.kernels[0]!.wgsl.includes('subgroupBroadcast');
    const a = rand([M, K]);
    const b = rand([K, N]);
    expect(uses(await check(generateMatmul, mm(), [a, b], { ...tol(K), limits: { subgroupMinSize: 8 } }))).toBe(true);
    expect(uses(await check(generateMatmul, mm(), [a, b], tol(K)))).toBe(false);
    expect(uses(await check(generateMatmul, mm(), [a, b], { ...tol(K), limits: { subgroupMinSize: 4 } }))).toBe(false);
    // A transposed: the form does not apply, the plain default is used instead.
    expect(uses(await check(generateMatmul, mm({ transA: true }), [rand([K, M]), b], { ...tol(K), limits: { subgroupMinSize: 8 } }))).toBe(false);
  });

  it('a fused epilogue (bias add, then relu) lands in the subgroup kernel store', async () => {
    const [M, K, N] = [29, 32, 22];
    const g = new Graph();
    const a = g.addInput('a', { dtype: 'float32', shape: [M, K] });
    const b = g.addInput('b', { dtype: 'float32', shape: [K, N] });
    const bias = g.addInput('bias', { dtype: 'float32', shape: [N] });
    const [p] = g.add(mm(), [a, b], 'mm', [], false);
    const [s] = g.add({ kind: 'binary', fn: 'add' }, [p!, bias], 'add', [], false);
    g.outputs = g.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [s!], 'relu', [], false);
    const plan = generateKernels(g, undefined, { tilings: new Map([['mm', sg(16, 4, 8)]]) });
    expect(plan.kernels.length).toBe(1);
    expect(plan.kernels[0]!.wgsl).toContain('subgroupBroadcast');
    const feeds = { a: rand([M, K]), b: rand([K, N]), bias: rand([N]) };
    const out = await runKernels(plan.kernels, new Map([[a, feeds.a], [b, feeds.b], [bias, feeds.bias]]));
    const expected = evaluateGraph(g, feeds).get(g.outputs[0]!.name)!;
    const c = compareTensors(out.get(g.outputs[0]!)!, expected, 1e-4, 1e-5 * Math.sqrt(K));
    expect(c.firstBad, `max abs err ${c.maxAbs}`).toBe(-1);
  });
});
