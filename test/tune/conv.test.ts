/**
 * Conv tuning (src/tune/conv.ts): which convs are targets and their signatures, the candidate
 * tilings (bounded, default first, the subgroup form only where it applies and with the default's
 * pixel row so its plain fallback reads the same padded layout), a measured round trip through the
 * cache holding both matmul and conv entries, and correctness of every candidate compiled into a
 * model — a relu feeding the conv writes the padded copy the tuned kernel reads — at batch 1 and
 * 3 of a symbolic batch, against the CPU reference (f32, rtol 1e-4 / atol 1e-5: 72-term sums
 * reordered by the register blocking).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, type Value } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { convGeometry } from '../../codegen/kernels/conv.js';
import { defaultConv2dTiling, type Conv2dTiling } from '../../codegen/kernels/conv-2d.js';
import { compileGraph } from '../../src/compile.js';
import { createModel } from '../../runtime/index.js';
import { TuningCache } from '../../src/tune/cache.js';
import { conv2dCandidates, convSignature, convTargets, MAX_CONV_CANDIDATES, pointwiseCandidates } from '../../src/tune/conv.js';
import { matmulTargets, matmulTuneTargets, tuneTargets } from '../../src/tune/tune.js';
import { getDevice, getPlainDevice } from '../helpers/gpu.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-wgsl-tune-conv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type ConvOp = { kind: 'conv'; strides: number[]; pads: number[]; dilations: number[]; group: number };
const conv3x3: ConvOp = { kind: 'conv', strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };

/** x [batch, C, H, W] → relu → conv (M, kernel k) → y, with constant weights and bias. */
function convGraph(C: number, M: number, H: number, W: number, k: number, op: ConvOp = conv3x3, seed = 1) {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['batch', C, H, W] });
  const w = g.addConstant('w', randomTensor('float32', [M, C / op.group, k, k], rng(seed)));
  const b = g.addConstant('b', randomTensor('float32', [M], rng(seed + 1)));
  const [r] = g.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [x], 'relu', ['r']);
  g.outputs = g.add(op, [r!, w, b], 'conv', ['y']);
  return { g, x };
}

async function runAtBatches(g: Graph, x: Value, tilings: ReadonlyMap<string, Conv2dTiling>, label: string, device?: GPUDevice): Promise<void> {
  const compiled = compileGraph(g, { modelName: 'tuned-conv' }, { tilings });
  // The conv's kernel is the plan's last (after the relu writing its padded input).
  const convKernel = compiled.plan.kernels[compiled.plan.kernels.length - 1];
  expect(convKernel?.name).toBe('conv');
  expect(convKernel?.config, label).toBe(`tuned ${JSON.stringify(tilings.get('conv'))}`);
  const model = await createModel(compiled.plan, compiled.weights, { device: device ?? (await getDevice()) });
  try {
    for (const batch of [1, 3]) {
      const shape = x.type.shape.map((d) => (d === 'batch' ? batch : (d as number)));
      const t = randomTensor('float32', shape, rng(batch * 7 + 3));
      const got = (await model.run({ x: { data: t.data as Float32Array, dims: t.dims } }))['y']!;
      const want = evaluateGraph(g, { x: t }).get('y')!;
      const c = compareTensors({ dtype: 'float32', dims: got.dims, data: got.data }, want, 1e-4, 1e-5);
      expect(c.firstBad, `${label} at batch ${batch}: max abs err ${c.maxAbs}`).toBe(-1);
    }
  } finally {
    model.dispose();
  }
}

describe('conv tuner', () => {
  it('targets pointwise and 2-d convs, with the batch evaluated into the signature', () => {
    const { g } = convGraph(8, 16, 10, 10, 3);
    const x2 = g.addInput('x2', { dtype: 'float32', shape: ['batch', 8, 10, 10] });
    const dw = g.addConstant('dw', randomTensor('float32', [8, 1, 3, 3], rng(9)));
    const pw = g.addConstant('pw', randomTensor('float32', [12, 8, 1, 1], rng(10)));
    g.add({ ...conv3x3, group: 8 }, [x2, dw], 'depthwise', ['d']);
    g.add({ ...conv3x3, pads: [0, 0, 0, 0] }, [x2, pw], 'pointwise', ['p']);
    const targets = convTargets(g, { batch: 2 });
    expect(targets.map((t) => t.node.name)).toEqual(['conv', 'pointwise']);
    expect(targets[0]!.signature).toBe('conv(float32[2x8x10x10],[16x8x3x3];s=1,1;p=1,1,1,1;d=1,1;g=1;bias)');
    expect(targets[1]!.signature).toBe(convSignature(targets[1]!.node, [[2, 8, 10, 10], [12, 8, 1, 1]]));
    expect(convTargets(g, { batch: 5 })[0]!.signature).toContain('[5x8x10x10]');
    // Pointwise convs take GEMM tilings, 2-d convs conv-2d tilings.
    expect(targets[1]!.candidates.every((t) => 'rows' in t)).toBe(true);
    expect(targets[0]!.candidates.every((t) => 'channels' in t)).toBe(true);
  });

  it('candidates: bounded, distinct, default first; the subgroup form only with subgroups, on the default pixels', () => {
    for (const [C, M, H, W] of [[8, 16, 10, 10], [64, 64, 56, 56], [256, 256, 14, 14], [3, 6, 9, 3], [512, 512, 7, 7]] as const) {
      const { g } = convGraph(C, M, H, W, 3);
      const geo = convGeometry(g.nodes[1]!);
      for (const subgroups of [false, true]) {
        const c = conv2dCandidates(geo, { subgroups });
        const what = `${C}→${M} ${H}×${W} subgroups=${subgroups}`;
        expect(c.length, what).toBeGreaterThanOrEqual(M >= 8 ? 3 : 2);
        expect(c.length, what).toBeLessThanOrEqual(MAX_CONV_CANDIDATES);
        expect(c[0], what).toEqual(defaultConv2dTiling(geo, subgroups));
        expect(new Set(c.map((t) => JSON.stringify(t))).size, what).toBe(c.length);
        expect(c.every((t) => t.pixels % 4 === 0 && t.wgX * t.wgY <= 256 && (t.channels <= M || t === c[0])), what).toBe(true);
        // The default itself is the subgroup form on a subgroup target; the others are variants.
        const sg = c.slice(1).filter((t) => t.subgroupWeights);
        if (!subgroups || M % 4 !== 0) expect(sg, what).toEqual([]);
        else expect(sg.length, what).toBeGreaterThanOrEqual(2);
        const px = defaultConv2dTiling(geo, false).pixels;
        expect(sg.every((t) => t.wgY === 1 && t.wgX % 8 === 0 && t.pixels === px && t.channels % 4 === 0), what).toBe(true);
      }
    }
    // Pointwise: GEMM candidates, capped; subgroup-rows only when the weight rows are vec4-aligned.
    const pw = pointwiseCandidates(64, 3136, 64, 1, { subgroups: true });
    expect(pw.length).toBeLessThanOrEqual(MAX_CONV_CANDIDATES);
    expect(pw[0]!.subgroupRows).toBe(true);
    expect(pointwiseCandidates(64, 3136, 66, 1, { subgroups: true }).some((t) => t.subgroupRows)).toBe(false);
    expect(pointwiseCandidates(64, 3136, 64, 1).some((t) => t.subgroupRows)).toBe(false);
  });

  it('every candidate compiles into a model that matches the reference at batch 1 and 3, config recorded', async () => {
    const { g, x } = convGraph(8, 16, 10, 10, 3);
    const geo = convGeometry(g.nodes[1]!);
    const all = [...conv2dCandidates(geo, { subgroups: true }), ...conv2dCandidates(geo, { subgroups: false })];
    const seen = new Set<string>();
    const distinct = all.filter((t) => !seen.has(JSON.stringify(t)) && seen.add(JSON.stringify(t)));
    expect(distinct.some((t) => t.pixels !== defaultConv2dTiling(geo).pixels)).toBe(true); // a changed row width
    expect(distinct.some((t) => t.subgroupWeights)).toBe(true);
    for (const t of distinct) await runAtBatches(g, x, new Map([['conv', t]]), JSON.stringify(t));
    // A strided, dilated conv on odd sizes with a narrower pixel row than its default.
    const s = convGraph(6, 8, 13, 11, 3, { kind: 'conv', strides: [2, 2], pads: [2, 1, 0, 2], dilations: [2, 1], group: 1 }, 5);
    await runAtBatches(s.g, s.x, new Map([['conv', { channels: 4, pixels: 4, wgX: 16, wgY: 4, unroll: 1 }]]), 'strided');
  }, 300_000);

  it('a subgroup tiling keeps the plain default as its fallback, which runs on a device without subgroups', async () => {
    const { g } = convGraph(8, 16, 10, 10, 3);
    const geo = convGeometry(g.nodes[1]!);
    const t: Conv2dTiling = { channels: 16, pixels: defaultConv2dTiling(geo).pixels, wgX: 8, wgY: 1, unroll: 1, subgroupWeights: true };
    const { plan } = compileGraph(g, { modelName: 'sg' }, { tilings: new Map([['conv', t]]) });
    const k = plan.kernels.find((x) => x.config);
    expect(k?.name).toBe('conv');
    expect(plan.shaders[k!.shader]!.startsWith('enable subgroups;')).toBe(true);
    expect(k!.fallback).toBeDefined();
    expect(plan.shaders[k!.fallback!.shader]!.includes('subgroup')).toBe(false);
    await runAtBatches(g, g.inputs[0]!, new Map([['conv', t]]), 'fallback', await getPlainDevice());
    // Without subgroups in the target the tuned subgroup form is not used (nor recorded).
    const plain = compileGraph(g, { modelName: 'sg' }, { tilings: new Map([['conv', t]]), subgroups: false }).plan;
    expect(plain.kernels.some((x) => x.config)).toBe(false);
    expect(plain.shaders.some((x) => x.includes('subgroup'))).toBe(false);
  });

  it('measures conv and matmul signatures, caches both kinds, and reuses them', async () => {
    const device = await getDevice();
    const path = join(dir, 'tuning.json');
    const { g } = convGraph(8, 16, 10, 10, 3);
    const a = g.addInput('a', { dtype: 'float32', shape: [20, 24] });
    const bw = g.addConstant('bw', randomTensor('float32', [24, 12], rng(4)));
    g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [a, bw], 'mm', ['m']);
    const env = { batch: 1 };
    const targets = () => [
      ...matmulTuneTargets(matmulTargets(g, env), { candidates: () => [{ rows: 1, cols: 4, wgX: 64, wgY: 1, vec4: true }, { rows: 2, cols: 4, wgX: 16, wgY: 4, vec4: true }] }),
      ...convTargets(g, env).map((t) => ({ ...t, candidates: t.candidates.slice(0, 3) })),
    ];
    const progress: [number, number][] = [];
    const adapter = 'test | conv';
    const first = await tuneTargets(targets(), { device, adapter, cache: TuningCache.load(path), reps: 2, progress: (d, t) => progress.push([d, t]) });
    expect(first).toMatchObject({ measured: 2, reused: 0 });
    expect(progress[progress.length - 1]).toEqual([5, 5]);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { adapters: Record<string, Record<string, { tiling: object; ms: number; defaultMs: number }>> };
    const entries = saved.adapters[adapter]!;
    const conv = Object.entries(entries).find(([sig]) => sig.startsWith('conv('))![1];
    expect('channels' in conv.tiling).toBe(true);
    expect(conv.ms).toBeGreaterThan(0);
    expect(conv.ms).toBeLessThanOrEqual(conv.defaultMs);
    expect(Object.keys(entries).some((sig) => sig.startsWith('matmul('))).toBe(true);

    const again = await tuneTargets(targets(), { device, adapter, cache: TuningCache.load(path) });
    expect(again).toMatchObject({ measured: 0, reused: 2 });
    expect(again.tilings.get('conv')).toEqual(first.tilings.get('conv'));
    expect(again.tilings.get('mm')).toEqual(first.tilings.get('mm'));
  }, 120_000);
});
