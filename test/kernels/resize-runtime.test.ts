/**
 * Resize kernels whose geometry is known only at run time (codegen/kernels/resize.ts "dynamic"
 * axes), against the CPU reference: output sizes are symbols bound per run, the scales come from a
 * scales input read in the shader (scales given per run) or from out/in of the bound dims (sizes
 * given per run), tf_crop_and_resize reads its region of interest from an input, and input dims
 * may be symbols too. Each kernel is generated once and run at several scale / size / ROI values
 * (fresh random inputs each run, outputs poisoned by runKernels), covering nearest under every
 * nearest mode, linear and cubic (both coefficients, exclude_outside) under every coordinate
 * transformation mode, upsampling and downsampling and scale 1 on N and C; integer data; and a
 * fused epilogue (resize → relu) compiled through codegen/generate.ts with a scales input.
 *
 * Tolerances: nearest copies (exact); linear/cubic weights are f32 against the float64 reference
 * (rtol 1e-5, atol 5e-6 for values in [-5, 5]); half_pixel_symmetric's coordinate ends in f32 here
 * and in double in the reference, so its weights may move by ~1e-7 (atol 1e-5).
 */

import { describe, expect, it } from 'vitest';
import { generateResize } from '../../codegen/kernels/resize.js';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import { generateKernels } from '../../codegen/generate.js';
import { Graph, type Node, type Tensor, type Value } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import { RESIZE_COORD_MODES, type Op, type ResizeCoordMode, type ResizeNearestMode } from '../../ir/ops.js';
import type { Dim } from '../../ir/dim.js';
import { valueSymbolOf } from '../../runtime/dim-expr.js';
import { runKernels, runnablePlan } from '../helpers/gpu.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';
import { makeCtx } from './harness.js';

type ResizeOp = Extract<Op, { kind: 'resize' }>;

// tf_crop_and_resize has its own tests (it reads a roi instead of scales).
const COORD: ResizeCoordMode[] = RESIZE_COORD_MODES.filter((m) => m !== 'tf_crop_and_resize');
const NEAREST: ResizeNearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
const OUT: Dim[] = ['s0', 's1', 's2', 's3'];

let seed = 70;
const f32t = (values: number[]): Tensor => ({ dtype: 'float32', dims: [values.length], data: Float32Array.from(values) });

/** A resize op with symbolic output sizes and no compile-time scales (both known per run). */
function runtimeOp(extra: Partial<ResizeOp> = {}): ResizeOp {
  return {
    kind: 'resize',
    mode: 'nearest',
    coordMode: 'half_pixel',
    nearestMode: 'round_prefer_floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    scales: [],
    sizes: OUT,
    ...extra,
  };
}

/** One run: the input's dims, the output's dims, and the second input's values (if any). */
interface Run {
  inDims: number[];
  outDims: number[];
  param?: number[];
}

/** A run with scales given per run: out = ⌊in · scale⌋ as the runtime binds it. */
const byScales = (inDims: number[], scales: number[]): Run => ({
  inDims,
  outDims: inDims.map((d, i) => valueSymbolOf(Math.fround(scales[i]!), { scaleOf: d }, {})),
  param: scales,
});

/**
 * Generates the kernel of `op` once, for x declared `declared` (symbols allowed) and a float param
 * input of `paramLength` elements when given, then runs it for each run against `evaluate`.
 */
async function checkRuns(
  op: ResizeOp,
  declared: Dim[],
  runs: Run[],
  opts: { dtype?: 'float32' | 'int32'; paramLength?: number; rtol?: number; atol?: number } = {},
): Promise<string> {
  const dtype = opts.dtype ?? 'float32';
  const g = new Graph();
  const x = g.addInput('x', { dtype, shape: declared });
  const p = opts.paramLength !== undefined ? g.addInput('p', { dtype: 'float32', shape: [opts.paramLength] }) : undefined;
  const [y] = g.add(op, p ? [x, p] : [x], 'node', [], false);
  const node = g.nodes[g.nodes.length - 1] as Node;
  const table = new DimTable();
  const kernels = withDimTable(table, () => generateResize(node, makeCtx())).map(attachDims);
  expect(kernels).toHaveLength(1);
  if (op.sizes.some((d) => typeof d === 'string')) expect(kernels[0]!.usesDims).toBe(true);
  for (const run of runs) {
    const env: Record<string, number> = {};
    declared.forEach((d, i) => typeof d === 'string' && (env[d] = run.inDims[i]!));
    op.sizes.forEach((d, i) => typeof d === 'string' && (env[d] = run.outDims[i]!));
    const xt = randomTensor(dtype, run.inDims, rng(seed++), -5, 5);
    const feeds = new Map<Value, Tensor>([[x, xt]]);
    const inputs = [xt];
    if (p) {
      const pt = f32t(run.param!);
      feeds.set(p, pt);
      inputs.push(pt);
    }
    const actual = (await runKernels(kernels, feeds, { table, env })).get(y!)!;
    const [expected] = evaluate({ ...op, sizes: run.outDims }, inputs);
    const float = dtype === 'float32' && op.mode !== 'nearest';
    const rtol = opts.rtol ?? (float ? 1e-5 : 0);
    const atol = opts.atol ?? (float ? 5e-6 : dtype === 'int32' && op.mode !== 'nearest' ? 1 : 0);
    const c = compareTensors(actual, expected!, rtol, atol);
    if (c.firstBad >= 0) {
      const i = c.firstBad;
      throw new Error(`${JSON.stringify(op).slice(0, 160)} run ${JSON.stringify(run)}: element ${i} = ${actual.data[i]} expected ${expected!.data[i]} (max abs err ${c.maxAbs})`);
    }
  }
  return kernels[0]!.wgsl;
}

// Up, down and mixed per axis, N and C at scale 1 and not; 0.6 and 1/7 are inexact in f32.
const SCALE_RUNS = [byScales([2, 3, 5, 7], [1, 1, 2.5, 0.75]), byScales([2, 3, 5, 7], [0.5, 2, 0.6, 1.5]), byScales([2, 3, 5, 7], [1, 1, 1 / 7 * 8, 3])];
const SIZE_RUNS: Run[] = [
  { inDims: [2, 3, 5, 7], outDims: [2, 3, 9, 4] },
  { inDims: [2, 3, 5, 7], outDims: [1, 4, 2, 13] },
  { inDims: [2, 3, 5, 7], outDims: [2, 3, 1, 1] },
];

describe('scales given per run (read from the scales input)', () => {
  for (const coordMode of COORD) {
    // align_corners uses only lengths: its op has no scales input.
    const paramLength = coordMode === 'align_corners' ? undefined : 4;
    const runs = paramLength ? SCALE_RUNS : SCALE_RUNS.map((r) => ({ ...r, param: undefined }));
    const atol = coordMode === 'half_pixel_symmetric' ? 1e-5 : undefined;
    it(`nearest, linear, cubic with ${coordMode}`, async () => {
      // Every nearest mode on two transforms, one each on the others (each kernel costs a JIT).
      // Not half_pixel_symmetric: there a dynamic axis's f32 coordinate can round across an
      // index boundary where the host's last step in double does not (the kernel's header).
      const modes = coordMode === 'half_pixel' || coordMode === 'asymmetric' ? NEAREST : coordMode === 'half_pixel_symmetric' ? [] : [NEAREST[COORD.indexOf(coordMode) % 4]!];
      for (const nearestMode of modes) await checkRuns(runtimeOp({ coordMode, nearestMode }), [2, 3, 5, 7], runs, { paramLength });
      const wgsl = await checkRuns(runtimeOp({ mode: 'linear', coordMode }), [2, 3, 5, 7], runs, { paramLength, atol });
      if (paramLength) expect(wgsl).toContain('in1[3]');
      for (const [cubicCoeffA, excludeOutside] of [[-0.75, false], [-0.5, true]] as const) {
        await checkRuns(runtimeOp({ mode: 'cubic', coordMode, cubicCoeffA, excludeOutside }), [2, 3, 5, 7], runs, { paramLength, atol });
      }
    });
  }
});

describe('Resize-10 nearest (simple: ceil where the axis downsamples, floor elsewhere)', () => {
  it('scales per run, mixing up and down across axes', async () => {
    await checkRuns(runtimeOp({ coordMode: 'asymmetric', nearestMode: 'simple' }), [2, 3, 5, 7], SCALE_RUNS, { paramLength: 4 });
  });
});

describe('sizes given per run (scale = out / in of the bound dims)', () => {
  for (const coordMode of COORD) {
    const atol = coordMode === 'half_pixel_symmetric' ? 1e-5 : undefined;
    it(`nearest, linear, cubic with ${coordMode}`, async () => {
      if (coordMode !== 'half_pixel_symmetric') await checkRuns(runtimeOp({ coordMode, nearestMode: 'round_prefer_ceil' }), [2, 3, 5, 7], SIZE_RUNS);
      await checkRuns(runtimeOp({ mode: 'linear', coordMode }), [2, 3, 5, 7], SIZE_RUNS, { atol });
      await checkRuns(runtimeOp({ mode: 'cubic', coordMode, excludeOutside: true }), [2, 3, 5, 7], SIZE_RUNS, { atol });
    });
  }
  it('symbolic input dims and output sizes; static axes mixed with symbolic ones', async () => {
    const runs: Run[] = [
      { inDims: [1, 3, 4, 6], outDims: [1, 3, 8, 6] },
      { inDims: [3, 3, 7, 2], outDims: [3, 3, 3, 5] },
    ];
    for (const mode of ['nearest', 'linear', 'cubic'] as const) {
      await checkRuns(runtimeOp({ mode, sizes: ['n', 3, 'h2', 'w2'] }), ['n', 3, 'h', 'w'], runs.map((r) => ({ ...r })));
    }
    // A static input axis resized to a symbolic size (and the reverse).
    await checkRuns(runtimeOp({ mode: 'linear', sizes: [2, 3, 's2', 4] }), [2, 3, 5, 'w'], [
      { inDims: [2, 3, 5, 3], outDims: [2, 3, 11, 4] },
      { inDims: [2, 3, 5, 9], outDims: [2, 3, 2, 4] },
    ]);
  });
  it('integer data: nearest copies, linear truncates like the host', async () => {
    await checkRuns(runtimeOp({ coordMode: 'asymmetric', nearestMode: 'floor' }), [2, 3, 5, 7], SIZE_RUNS, { dtype: 'int32' });
    // f32 weights vs the float64 reference can straddle an integer boundary: off by one at most.
    await checkRuns(runtimeOp({ mode: 'linear' }), [2, 3, 5, 7], SIZE_RUNS, { dtype: 'int32' });
  });
});

describe('tf_crop_and_resize with a roi input', () => {
  // Regions inside, partly outside (extrapolated) and reversed (end < start flips the axis).
  const rois = [
    [0, 0, 0.2, 0.1, 1, 1, 0.8, 0.9],
    [0, 0.5, -0.3, 0.4, 1, 1, 1.2, 1.7],
    [0, 0, 0.9, 0.7, 1, 1, 0.1, 0.2],
  ];
  for (const mode of ['nearest', 'linear', 'cubic'] as const) {
    it(`${mode}, symbolic and static sizes, extrapolation value`, async () => {
      const runs = rois.flatMap((roi): Run[] => [
        { inDims: [1, 2, 5, 6], outDims: [1, 2, 4, 9], param: roi },
        { inDims: [1, 2, 5, 6], outDims: [1, 3, 1, 3], param: roi },
      ]);
      await checkRuns(runtimeOp({ mode, coordMode: 'tf_crop_and_resize', extrapolationValue: 7.5 }), [1, 2, 5, 6], runs, { paramLength: 8 });
      // Static sizes: the lengths are literals, the region is still read per run.
      const fixed = runtimeOp({ mode, coordMode: 'tf_crop_and_resize', extrapolationValue: -2, sizes: [1, 2, 4, 9], scales: [1, 1, 0.8, 1.5] });
      await checkRuns(fixed, [1, 2, 5, 6], rois.map((roi) => ({ inDims: [1, 2, 5, 6], outDims: [1, 2, 4, 9], param: roi })), { paramLength: 8 });
    });
  }
});

describe('fused epilogue', () => {
  it('resize (scales input) → relu is one kernel, run at several scales', async () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: [1, 2, 4, 5] });
    const scales = g.addInput('scales', { dtype: 'float32', shape: [4] });
    g.valueSymbols.push(...OUT.map((name, index) => ({ name: name as string, input: 'scales', index, scaleOf: x.type.shape[index]! })));
    const r = g.add(runtimeOp({ mode: 'linear' }), [x, scales], 'resize', [], false)[0]!;
    g.outputs = [g.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [r], 'relu', [], false)[0]!];
    const plan = generateKernels(g);
    expect(plan.kernels.map((k) => k.name)).toEqual(['resize+relu']);
    const { kernels, root, table } = runnablePlan(plan);
    for (const s of [[1, 1, 2, 1.5], [1, 2, 0.5, 3]]) {
      const run = byScales([1, 2, 4, 5], s);
      const env = Object.fromEntries(OUT.map((name, i) => [name, run.outDims[i]!]));
      const xt = randomTensor('float32', [1, 2, 4, 5], rng(seed++), -5, 5);
      const got = (await runKernels(kernels, new Map([[x, xt], [scales, f32t(s)]]), { table, env })).get(root(g.outputs[0]!))!;
      const [resized] = evaluate({ ...runtimeOp({ mode: 'linear' }), sizes: run.outDims }, [xt, f32t(s)]);
      const [want] = evaluate({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [resized!]);
      const c = compareTensors({ ...got, dims: want!.dims }, want!, 1e-5, 5e-6);
      expect(c.firstBad, `scales ${s}: max abs err ${c.maxAbs}`).toBe(-1);
    }
  });
});
