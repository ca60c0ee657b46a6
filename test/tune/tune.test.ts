/**
 * The GEMM tuner (src/tune): candidates, measurement on the local adapter, the cache round trip
 * (a second tune of the same signature measures nothing), and correctness of the kernels a tuned
 * tiling produces — every candidate is checked against the CPU reference, poisoned outputs, on
 * sizes that are not multiples of any block (f32, rtol 1e-4: K = 77 accumulations reordered).
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import { generateKernels } from '../../codegen/generate.js';
import { TuningCache, adapterKey } from '../../src/tune/cache.js';
import { gemmCandidates, matmulTargets, tuneMatmuls } from '../../src/tune/tune.js';
import { getDevice, runKernels } from '../helpers/gpu.js';
import { compileGraph } from '../../src/compile.js';
import { createModel } from '../../runtime/index.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-wgsl-tune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function matmulGraph(M: number, K: number, N: number) {
  const g = new Graph();
  const a = g.addInput('a', { dtype: 'float32', shape: [M, K] });
  const b = g.addInput('b', { dtype: 'float32', shape: [K, N] });
  g.outputs = g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [a, b], 'mm', [], false);
  return { g, a, b };
}

describe('GEMM tuner', () => {
  it('candidates start with the default, are distinct and fit the product', () => {
    const c = gemmCandidates(3, 5, 7);
    expect(new Set(c.map((t) => JSON.stringify(t))).size).toBe(c.length);
    expect(c.every((t) => t.rows <= 3 || t.rows === 1)).toBe(true);
    expect(gemmCandidates(256, 256, 256).length).toBeGreaterThan(10);
    // The subgroup-rows form only where the device offers subgroups and K allows vec4 rows.
    expect(gemmCandidates(256, 256, 256).some((t) => t.subgroupRows)).toBe(false);
    const sg = gemmCandidates(256, 256, 256, { subgroups: true }).filter((t) => t.subgroupRows);
    expect(sg.length).toBeGreaterThanOrEqual(4);
    expect(sg.every((t) => t.wgY === 1 && t.wgX % 8 === 0)).toBe(true);
    expect(gemmCandidates(256, 256, 255, { subgroups: true }).some((t) => t.subgroupRows)).toBe(false);
  });

  it('measures each signature once, caches the winner, and the tuned kernels are correct', async () => {
    const device = await getDevice();
    const path = join(dir, 'tuning.json');
    const { g, a, b } = matmulGraph(70, 77, 90);
    const progress: number[] = [];
    const first = await tuneMatmuls(matmulTargets(g, {}), {
      device,
      adapter: adapterKey({ vendor: 'test', architecture: '', device: '', description: 'lavapipe' }),
      cache: TuningCache.load(path),
      reps: 3,
      // Four candidates keep the test quick; the full set is checked for correctness below.
      candidates: (M, N, K) => gemmCandidates(M, N, K).slice(0, 4),
      progress: (done) => progress.push(done),
    });
    expect(first.measured).toBe(1);
    expect(progress[progress.length - 1]).toBe(4);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { adapters: Record<string, Record<string, { tiling: unknown; ms: number }>> };
    const entries = Object.values(saved.adapters['test | lavapipe']!);
    expect(entries.length).toBe(1);
    expect(entries[0]!.ms).toBeGreaterThan(0);

    const again = await tuneMatmuls(matmulTargets(g, {}), { device, adapter: 'test | lavapipe', cache: TuningCache.load(path) });
    expect(again).toMatchObject({ measured: 0, reused: 1 });
    expect(again.tilings.get('mm')).toEqual(first.tilings.get('mm'));

    const ta = randomTensor('float32', [70, 77], rng(1));
    const tb = randomTensor('float32', [77, 90], rng(2));
    const [expected] = evaluate(g.nodes[0]!.op, [ta, tb]);
    // Not just the winner: a tuner may pick any candidate on another adapter. Every register
    // block shape is covered (the workgroup shape only changes the dispatch, checked by one each).
    const all = gemmCandidates(70, 90, 77);
    const sample = all.filter((t, i) => t.wgY === 4 || i === 0 || (t.rows === 8 && t.cols === 8));
    expect(sample.length).toBeGreaterThanOrEqual(8);
    for (const tiling of sample) {
      const plan = generateKernels(g, undefined, { tilings: new Map([['mm', tiling]]) });
      expect(plan.kernels[0]!.config).toBe(`tuned ${JSON.stringify(tiling)}`);
      const out = await runKernels(plan.kernels, new Map([[a, ta], [b, tb]]));
      const c = compareTensors(out.get(g.outputs[0]!)!, expected!, 1e-4, 1e-5);
      expect(c.firstBad, `tiling ${JSON.stringify(tiling)}: max abs err ${c.maxAbs}`).toBe(-1);
    }
  }, 300_000);

  it('a tuned tiling on a symbolic product is recorded in the plan and runs at every size', async () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'sequence', 24] });
    const w = g.addConstant('w', randomTensor('float32', [24, 40], rng(5)));
    g.outputs = g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [x, w], 'proj', ['y']);
    const tiling = { rows: 2, cols: 8, wgX: 16, wgY: 4, vec4: true };
    const compiled = compileGraph(g, { modelName: 'tuned' }, { tilings: new Map([['proj', tiling]]) });
    expect(compiled.plan.kernels.map((k) => k.config)).toEqual([`tuned ${JSON.stringify(tiling)}`]);
    const model = await createModel(compiled.plan, compiled.weights, { device: await getDevice() });
    try {
      for (const [b, s] of [[1, 1], [2, 7], [3, 33]] as const) {
        const t = randomTensor('float32', [b, s, 24], rng(b * 100 + s));
        const got = (await model.run({ x: { data: t.data as Float32Array, dims: t.dims } }))['y']!;
        const want = evaluateGraph(g, { x: t }).get('y')!;
        const c = compareTensors({ dtype: 'float32', dims: got.dims, data: got.data }, want, 1e-4, 1e-5);
        expect(c.firstBad, `(${b}, ${s}): max abs err ${c.maxAbs}`).toBe(-1);
      }
    } finally {
      model.dispose();
    }
  });

  it('a tuned subgroup-rows tiling compiles into the plan and runs at every size', async () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'sequence', 32] });
    const w = g.addConstant('w', randomTensor('float32', [32, 44], rng(6)));
    g.outputs = g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [x, w], 'proj', ['y']);
    const tiling = { rows: 16, cols: 4, wgX: 8, wgY: 1, vec4: true, subgroupRows: true };
    const compiled = compileGraph(g, { modelName: 'tuned-sg' }, { tilings: new Map([['proj', tiling]]) });
    expect(compiled.plan.shaders.some((s) => s.startsWith('enable subgroups;') && s.includes('subgroupBroadcast'))).toBe(true);
    const model = await createModel(compiled.plan, compiled.weights, { device: await getDevice() });
    try {
      for (const [b, s] of [[1, 1], [2, 7], [3, 33]] as const) {
        const t = randomTensor('float32', [b, s, 32], rng(b * 100 + s + 1));
        const got = (await model.run({ x: { data: t.data as Float32Array, dims: t.dims } }))['y']!;
        const want = evaluateGraph(g, { x: t }).get('y')!;
        const c = compareTensors({ dtype: 'float32', dims: got.dims, data: got.data }, want, 1e-4, 1e-5 * Math.sqrt(32));
        expect(c.firstBad, `(${b}, ${s}): max abs err ${c.maxAbs}`).toBe(-1);
      }
    } finally {
      model.dispose();
    }
  });

  it('an unreadable cache is an error, not silently replaced', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{oops');
    expect(() => TuningCache.load(path)).toThrow(/not valid JSON.*delete it/);
  });
});
