/**
 * Resize: nearest (every rounding mode), N-d multilinear and cubic (coefficient a,
 * exclude_outside), under every coordinate transformation mode.
 *
 * One invocation per output element. Each resized axis maps its output coordinate to an input
 * coordinate with the ONNX formula, evaluated in f32 operation by operation in onnxruntime's
 * order (scales rounded to f32 first) — the exact f32 value decides nearest-neighbour ties, e.g.
 * with scale 1/7, (0 + 0.5)·7 − 0.5 is 3 in exact arithmetic but 2.9999998 in f32. This relies on
 * the driver's f32 division being correctly rounded (true on lavapipe and IEEE-conformant
 * drivers; Vulkan only promises 2.5 ulp). Where onnxruntime itself is not plain f32
 * (half_pixel_symmetric ends in double), the host replays both computations per output index and
 * the kernel carries the few nearest indices that differ as explicit corrections.
 *
 * Interpolation is the tensor product of per-axis taps (2 for linear, 4 for cubic) with
 * edge-clamped neighbours, unrolled at codegen time over the resized axes only: axes kept at
 * their length with scale 1 are skipped, so the common NCHW case interpolates over H and W with
 * 4 (linear) or 16 (cubic) loads and no work on N and C.
 *
 * tf_crop_and_resize uses the full region of interest [0, 1] on every axis (the op carries no
 * ROI; that is also onnxruntime's default when the roi input is absent); a coordinate outside
 * the input then yields `extrapolationValue`.
 *
 * Axes kept at their length may be symbolic (a batch; codegen/dims.ts): they only enter the flat
 * count and the base offset, read from the dims table. Resized axes need static lengths, since
 * their coordinate maps (and nearest-index corrections) are computed at compile time.
 */

import { nearestIndex, resizeCoordinate } from '../../ir/eval/index.js';
import type { Op } from '../../ir/ops.js';
import { dimStrides } from '../../ir/shape.js';
import type { Node } from '../../ir/graph.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { WG, dispatch1d, f32Lit, flatMain, numelOf, scalarOf, shapeOf } from '../wgsl.js';
import { anchorEpilogue, groupKernelName } from '../schedule/epilogue.js';
import type { FusedGroup } from '../schedule/fuse.js';
import { u32 } from '../dims.js';
import { coordsOf, flatKernel, floatLit, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

type ResizeOp = Extract<Op, { kind: 'resize' }>;

const f32 = Math.fround;

/** WGSL f32 expression: the input coordinate of output coordinate `c` (u32) along an axis. */
function coordExpr(op: ResizeOp, c: string, scale: number, inLen: number, outLen: number): string {
  const x = `f32(${c})`;
  const s = f32Lit(f32(scale));
  switch (op.coordMode) {
    case 'half_pixel':
      return `(${x} + 0.5) / ${s} - 0.5`;
    case 'pytorch_half_pixel':
      return outLen > 1 ? `(${x} + 0.5) / ${s} - 0.5` : '0.0';
    case 'align_corners':
      // Divides by the integer output length − 1, as the spec text and onnxruntime do.
      return outLen === 1 ? '0.0' : `(${x} * ${f32Lit(inLen - 1)}) / ${f32Lit(outLen - 1)}`;
    case 'asymmetric':
      return `${x} / ${s}`;
    case 'half_pixel_symmetric': {
      // Centres the scaled extent scale·in on the output canvas; the constants are f32 as in
      // onnxruntime (which takes the final sum in double: a 1-ulp difference at worst).
      const adjustment = f32(outLen / f32(f32(scale) * inLen));
      const offset = f32(f32(inLen / 2) * f32(1 - adjustment));
      return `${f32Lit(offset)} + ((${x} + 0.5) / ${s} - 0.5)`;
    }
    case 'tf_crop_and_resize':
      // ROI [0, 1]: start·(in − 1) + c·(end − start)·(in − 1)/(out − 1), or the ROI centre.
      return outLen > 1 ? `(${x} * ${f32Lit(inLen - 1)}) / ${f32Lit(outLen - 1)}` : f32Lit(0.5 * (inLen - 1));
    default: {
      const never: never = op.coordMode;
      throw new Error(`unknown coordinate mode ${String(never)}`);
    }
  }
}

/**
 * The f32 value `coordExpr` computes on the device, evaluated on the host with the same
 * operations in the same order (Math.fround after each), assuming correctly rounded f32 ops.
 */
function deviceCoord(op: ResizeOp, c: number, scale: number, inLen: number, outLen: number): number {
  const s = f32(scale);
  const hp = () => f32(f32(f32(c + 0.5) / s) - 0.5);
  switch (op.coordMode) {
    case 'half_pixel':
      return hp();
    case 'pytorch_half_pixel':
      return outLen > 1 ? hp() : 0;
    case 'align_corners':
    case 'tf_crop_and_resize':
      if (outLen > 1) return f32(f32(c * (inLen - 1)) / (outLen - 1));
      return op.coordMode === 'align_corners' ? 0 : f32(0.5 * (inLen - 1));
    case 'asymmetric':
      return f32(c / s);
    case 'half_pixel_symmetric': {
      const adjustment = f32(outLen / f32(s * inLen));
      const offset = f32(f32(inLen / 2) * f32(1 - adjustment));
      return f32(offset + hp());
    }
    default: {
      const never: never = op.coordMode;
      throw new Error(`unknown coordinate mode ${String(never)}`);
    }
  }
}

/**
 * Output coordinates of one axis whose nearest source index, as the device computes it, differs
 * from onnxruntime's (the reference's) — with the index to use instead. Empty for every mode but
 * half_pixel_symmetric, where onnxruntime takes the last step in double: there the device's f32
 * rounding can move a coordinate across a rounding boundary (e.g. 3.9999998 instead of 4.0).
 */
function nearestCorrections(op: ResizeOp, scale: number, inLen: number, outLen: number): [number, number][] {
  if (op.coordMode === 'tf_crop_and_resize') return []; // the reference has no ROI; same formula
  const clampI = (i: number) => Math.min(Math.max(i, 0), inLen - 1);
  const out: [number, number][] = [];
  for (let c = 0; c < outLen; c++) {
    const want = clampI(nearestIndex(op.nearestMode, resizeCoordinate(op.coordMode, c, scale, inLen, outLen)));
    const got = clampI(nearestIndex(op.nearestMode, deviceCoord(op, c, scale, inLen, outLen)));
    if (want !== got) out.push([c, want]);
  }
  return out;
}

/** WGSL i32 expression: the nearest source index of coordinate `x` (before clamping). */
function nearestExpr(op: ResizeOp, x: string, f: string): string {
  // round() rounds ties to even, but only non-ties reach it: ties are decided explicitly.
  switch (op.nearestMode) {
    case 'round_prefer_floor':
      return `i32(select(round(${x}), ${f}, ${x} == ${f} + 0.5))`;
    case 'round_prefer_ceil':
      return `i32(select(round(${x}), ${f} + 1.0, ${x} == ${f} + 0.5))`;
    case 'floor':
      return `i32(${f})`;
    case 'ceil':
      return `i32(ceil(${x}))`;
    default: {
      const never: never = op.nearestMode;
      throw new Error(`unknown nearest mode ${String(never)}`);
    }
  }
}

/** Keys cubic weights of the taps floor(x) − 1 … floor(x) + 2 at fraction t (WGSL, f32). */
function cubicWeightExprs(t: string, a: number): string[] {
  const A = f32Lit(a);
  const far = (d: string) => `((${A} * ${d} - 5.0 * ${A}) * ${d} + 8.0 * ${A}) * ${d} - 4.0 * ${A}`;
  const near = (d: string) => `((${A} + 2.0) * ${d} - (${A} + 3.0)) * ${d} * ${d} + 1.0`;
  return [far(`(${t} + 1.0)`), near(t), near(`(1.0 - ${t})`), far(`(2.0 - ${t})`)];
}

export const generateResize: KernelGenerator = (node, ctx) => resizeKernels(node, ctx);

/**
 * The resize kernel of `node`; with a fused group, its epilogue (elementwise consumers, a store
 * into a concat or a padded conv input) is rendered at the store, so the resized tensor is never
 * written on its own.
 */
export function resizeKernels(node: Node, ctx: CodegenContext, group?: FusedGroup): Kernel[] {
  const op = node.op;
  if (op.kind !== 'resize') return unsupported(node, 'not a resize');
  const x = node.inputs[0]!;
  const out = node.outputs[0]!;
  const inDims = shapeOf(x);
  const outDims = shapeOf(out);
  const rank = inDims.length;
  if (op.scales.length !== rank) unsupported(node, `scales [${op.scales}] do not match rank ${rank}`);
  const sc = scalarOf(x.type.dtype);
  if (op.mode !== 'nearest' && x.type.dtype === 'bool') unsupported(node, `${op.mode} resize is not defined on bool`);
  const strides = dimStrides(inDims);
  const h = new WgslHelpers();
  const lines: string[] = [coordsOf('idx', outDims, 'o')];
  const base: string[] = [];
  const extrapolate: string[] = [];
  // Per resized axis: its taps as (index expression, weight expression) pairs.
  const taps: { index: string; weight: string | null }[][] = [];
  for (let k = 0; k < rank; k++) {
    const inDim = inDims[k]!;
    const outDim = outDims[k]!;
    // Every mode maps an axis kept at its length with scale 1 onto itself (tf_crop_and_resize's
    // full ROI too), so such axes only contribute to the base offset.
    if (inDim === outDim && op.scales[k] === 1) {
      if (strides[k] !== 0 && inDim !== 1) base.push(`o${k} * ${u32(strides[k]!)}`);
      continue;
    }
    if (typeof inDim !== 'number' || typeof outDim !== 'number') {
      return unsupported(node, `axis ${k} is resized from ${inDim} to ${outDim}: a resized axis needs static lengths (bind the symbol with --dim)`);
    }
    const inLen = inDim;
    const outLen = outDim;
    if (inLen === 0) unsupported(node, `cannot resize the empty axis ${k}`);
    const clampIdx = (e: string) => `u32(clamp(${e}, 0, ${inLen - 1})) * ${u32(strides[k]!)}`;
    lines.push(`let x${k} = ${coordExpr(op, `o${k}`, op.scales[k]!, inLen, outLen)};`, `let f${k} = floor(x${k});`);
    if (op.coordMode === 'tf_crop_and_resize') extrapolate.push(`x${k} < 0.0 || x${k} > ${f32Lit(inLen - 1)}`);
    if (op.mode === 'nearest') {
      lines.push(`var n${k} = ${nearestExpr(op, `x${k}`, `f${k}`)};`);
      for (const [c, i] of nearestCorrections(op, op.scales[k]!, inLen, outLen)) lines.push(`if (o${k} == ${c}u) { n${k} = ${i}; }`);
      taps.push([{ index: clampIdx(`n${k}`), weight: null }]);
      continue;
    }
    lines.push(`let t${k} = x${k} - f${k};`, `let b${k} = i32(f${k});`);
    if (op.mode === 'linear') {
      taps.push([
        { index: clampIdx(`b${k}`), weight: `(1.0 - t${k})` },
        { index: clampIdx(`b${k} + 1`), weight: `t${k}` },
      ]);
      continue;
    }
    const ws = cubicWeightExprs(`t${k}`, op.cubicCoeffA);
    ws.forEach((w, j) => {
      // exclude_outside zeroes taps outside the input, then renormalizes the rest.
      const expr = op.excludeOutside ? `select(0.0, ${w}, b${k} + ${j - 1} >= 0 && b${k} + ${j - 1} < ${inLen})` : w;
      lines.push(`let w${k}_${j} = ${expr};`);
    });
    if (op.excludeOutside) lines.push(`let n${k} = w${k}_0 + w${k}_1 + w${k}_2 + w${k}_3;`);
    taps.push(ws.map((_, j) => ({ index: clampIdx(`b${k} + ${j - 1}`), weight: op.excludeOutside ? `(w${k}_${j} / n${k})` : `w${k}_${j}` })));
  }
  lines.push(`let base = ${base.length ? base.join(' + ') : '0u'};`);
  // Every combination of one tap per resized axis: a term weight·x[index].
  let combos: { index: string[]; weight: string[] }[] = [{ index: [], weight: [] }];
  for (const axisTaps of taps) {
    combos = combos.flatMap((c) => axisTaps.map((t) => ({ index: [...c.index, t.index], weight: t.weight ? [...c.weight, t.weight] : c.weight })));
  }
  const load = (c: { index: string[] }) => `in0[base${c.index.map((i) => ` + ${i}`).join('')}]`;
  let value: string;
  if (op.mode === 'nearest') {
    value = load(combos[0]!);
  } else {
    const terms = combos.map((c) => {
      const v = sc === 'f32' ? load(c) : `f32(${load(c)})`;
      return c.weight.length ? `${c.weight.join(' * ')} * ${v}` : v;
    });
    lines.push(`var acc = 0.0;`, ...terms.map((t) => `acc = acc + ${t};`));
    // Integer data interpolates in f32 and truncates toward zero, like the host.
    value = sc === 'f32' ? 'acc' : `${sc}(acc)`;
  }
  const total = numelOf(out);
  if (!group) {
    if (extrapolate.length) {
      const ev = sc === 'f32' ? floatLit(op.extrapolationValue, h) : `${sc}(${f32Lit(op.extrapolationValue)})`;
      lines.push(`if (${extrapolate.join(' || ')}) {\n  out0[idx] = ${ev};\n  return;\n}`);
    }
    lines.push(`out0[idx] = ${value};`);
    return [flatKernel(node, ctx, { inputs: [x], outputs: [out], total, prelude: h.render(), body: lines.join('\n') })];
  }
  const ep = anchorEpilogue(group, out, { firstBinding: 1, helpers: h });
  if (extrapolate.length) {
    const ev = sc === 'f32' ? floatLit(op.extrapolationValue, h) : `${sc}(${f32Lit(op.extrapolationValue)})`;
    lines.push(`if (${extrapolate.join(' || ')}) {\n  ${ep.store('idx', ev)}\n  return;\n}`);
  }
  lines.push(ep.store('idx', value));
  const maxDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const wgsl = `@group(0) @binding(0) var<storage, read> in0: array<${sc}>;
${[ep.declarations(), h.render()].filter((d) => d !== '').join('\n\n')}

${flatMain(total, WG, maxDim)}
  ${lines.join('\n').split('\n').join('\n  ')}
}
`;
  return [{ name: groupKernelName(node, group), wgsl, inputs: [x, ...ep.inputs], outputs: ep.outputs, workgroups: dispatch1d(total, WG, maxDim) }];
}
