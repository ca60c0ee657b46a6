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
 * tf_crop_and_resize reads its region of interest from the op's second input, or uses the whole
 * input [0, 1] without one (onnxruntime's default when the roi input is absent); a coordinate
 * outside the input then yields `extrapolationValue`.
 *
 * Axes kept at their length may be symbolic (a batch; codegen/dims.ts): they only enter the flat
 * count and the base offset, read from the dims table. An axis is "static" when its lengths and
 * scale are compile-time numbers (and it has no ROI input): its coordinate map is literals, with
 * the nearest-index corrections above. Otherwise it is "dynamic": the lengths come from the dims
 * table and the scale is, where the transform needs it, the scales input's element (scales given
 * at run time, read from that buffer: a float, which the u32 dims table cannot hold, and the exact
 * value the user gave) or out/in of the bound dims (sizes given at run time: ONNX's definition,
 * divided in f32 as onnxruntime does). A dynamic axis may turn out to be kept at its length (scale
 * 1 on N and C is only known per run), so linear and cubic then loop over per-axis tap arrays and
 * skip taps of weight 0 rather than unroll 2ⁿ or 4ⁿ loads (so an Inf or NaN under a weight-0 tap
 * does not reach the sum, where 0·Inf would make NaN). Dynamic axes get no nearest corrections:
 * under half_pixel_symmetric a nearest index may differ from onnxruntime's where its final double
 * step crosses a rounding boundary. The coordinate maps themselves are in resize-coords.ts.
 */

import { dimStrides } from '../../ir/shape.js';
import type { Node } from '../../ir/graph.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { WG, dispatch1d, f32Lit, flatMain, numelOf, scalarOf, shapeOf } from '../wgsl.js';
import { anchorEpilogue, groupKernelName } from '../schedule/epilogue.js';
import type { FusedGroup } from '../schedule/fuse.js';
import { i32, u32 } from '../dims.js';
import { coordsOf, flatKernel, floatLit, unsupported } from './common.js';
import { coordExpr, cubicWeightExprs, dynamicCoordExpr, lenF, nearestCorrections, nearestExpr, type DynamicAxis } from './resize-coords.js';
import { WgslHelpers } from './wgsl-math.js';

const f32 = Math.fround;

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
  // The ROI (tf_crop_and_resize) or the scales given at run time, as `in1` (ir/ops.ts).
  const param = node.inputs[1];
  const out = node.outputs[0]!;
  const inDims = shapeOf(x);
  const outDims = shapeOf(out);
  const rank = inDims.length;
  const crop = op.coordMode === 'tf_crop_and_resize';
  if (op.scales.length !== rank && op.scales.length !== 0) unsupported(node, `scales [${op.scales}] do not match rank ${rank}`);
  if (param && param.type.dtype !== 'float32') unsupported(node, `the ${crop ? 'roi' : 'scales'} input must be float32, got ${param.type.dtype}`);
  const sc = scalarOf(x.type.dtype);
  if (op.mode !== 'nearest' && x.type.dtype === 'bool') unsupported(node, `${op.mode} resize is not defined on bool`);
  const strides = dimStrides(inDims);
  const h = new WgslHelpers();
  const lines: string[] = [coordsOf('idx', outDims, 'o')];
  const base: string[] = [];
  const extrapolate: string[] = [];
  // Per resized axis: its taps as (index expression, weight expression) pairs.
  const taps: { axis: number; taps: { index: string; weight: string | null }[] }[] = [];
  let anyDynamic = false;
  for (let k = 0; k < rank; k++) {
    const inDim = inDims[k]!;
    const outDim = outDims[k]!;
    // The scale when known at compile time: the op's, else out/in of static or equal lengths.
    let scale: number | undefined = op.scales[k];
    if (op.scales.length === 0 && !(param && !crop)) {
      if (typeof inDim === 'number' && typeof outDim === 'number') scale = outDim / inDim;
      else if (inDim === outDim) scale = 1;
    }
    const roi = crop && param !== undefined;
    // Every mode maps an axis kept at its length with scale 1 onto itself (tf_crop_and_resize's
    // full ROI too; any ROI on a length-1 axis), so such axes only contribute to the base offset.
    if (inDim === outDim && (roi ? inDim === 1 : scale === 1)) {
      if (strides[k] !== 0 && inDim !== 1) base.push(`o${k} * ${u32(strides[k]!)}`);
      continue;
    }
    if (inDim === 0) unsupported(node, `cannot resize the empty axis ${k}`);
    const isStatic = typeof inDim === 'number' && typeof outDim === 'number' && scale !== undefined && !roi;
    anyDynamic ||= !isStatic;
    const maxIndex = typeof inDim === 'number' ? `${inDim - 1}` : `${i32(inDim)} - 1`;
    const clampIdx = (e: string) => `u32(clamp(${e}, 0, ${maxIndex})) * ${u32(strides[k]!)}`;
    // The scale as nearest's `simple` rounding reads it: a number, or a WGSL expression.
    let scaleArg: number | string;
    if (isStatic) {
      scaleArg = scale!;
      lines.push(`let x${k} = ${coordExpr(op, `o${k}`, scale!, inDim, outDim)};`);
    } else {
      const dyn: DynamicAxis = {
        inDim,
        outDim,
        scale: scale !== undefined ? f32Lit(f32(scale)) : param && !crop ? `in1[${k}]` : `(${lenF(outDim)} / ${lenF(inDim)})`,
        roi: roi ? [`in1[${k}]`, `in1[${rank + k}]`] : undefined,
      };
      scaleArg = dyn.scale;
      lines.push(`let x${k} = ${dynamicCoordExpr(op, `o${k}`, dyn)};`);
    }
    lines.push(`let f${k} = floor(x${k});`);
    if (crop) extrapolate.push(`x${k} < 0.0 || x${k} > ${lenF(inDim, 1)}`);
    if (op.mode === 'nearest') {
      lines.push(`var n${k} = ${nearestExpr(op, `x${k}`, `f${k}`, scaleArg)};`);
      if (isStatic) for (const [c, i] of nearestCorrections(op, scale!, inDim, outDim)) lines.push(`if (o${k} == ${c}u) { n${k} = ${i}; }`);
      taps.push({ axis: k, taps: [{ index: clampIdx(`n${k}`), weight: null }] });
      continue;
    }
    lines.push(`let t${k} = x${k} - f${k};`, `let b${k} = i32(f${k});`);
    if (op.mode === 'linear') {
      taps.push({
        axis: k,
        taps: [
          { index: clampIdx(`b${k}`), weight: `(1.0 - t${k})` },
          { index: clampIdx(`b${k} + 1`), weight: `t${k}` },
        ],
      });
      continue;
    }
    const inLimit = typeof inDim === 'number' ? `${inDim}` : i32(inDim);
    const ws = cubicWeightExprs(`t${k}`, op.cubicCoeffA);
    ws.forEach((w, j) => {
      // exclude_outside zeroes taps outside the input, then renormalizes the rest.
      const expr = op.excludeOutside ? `select(0.0, ${w}, b${k} + ${j - 1} >= 0 && b${k} + ${j - 1} < ${inLimit})` : w;
      lines.push(`let w${k}_${j} = ${expr};`);
    });
    if (op.excludeOutside) lines.push(`let n${k} = w${k}_0 + w${k}_1 + w${k}_2 + w${k}_3;`);
    taps.push({ axis: k, taps: ws.map((_, j) => ({ index: clampIdx(`b${k} + ${j - 1}`), weight: op.excludeOutside ? `(w${k}_${j} / n${k})` : `w${k}_${j}` })) });
  }
  lines.push(`let base = ${base.length ? base.join(' + ') : '0u'};`);
  const load = (index: string[]) => `in0[base${index.map((i) => ` + ${i}`).join('')}]`;
  let value: string;
  if (op.mode === 'nearest') {
    value = load(taps.map((t) => t.taps[0]!.index));
  } else if (anyDynamic) {
    lines.push(...tapLoops(taps, sc));
    value = sc === 'f32' ? 'acc' : `${sc}(acc)`;
  } else {
    // Every combination of one tap per resized axis: a term weight·x[index].
    let combos: { index: string[]; weight: string[] }[] = [{ index: [], weight: [] }];
    for (const axisTaps of taps) {
      combos = combos.flatMap((c) => axisTaps.taps.map((t) => ({ index: [...c.index, t.index], weight: t.weight ? [...c.weight, t.weight] : c.weight })));
    }
    const terms = combos.map((c) => {
      const v = sc === 'f32' ? load(c.index) : `f32(${load(c.index)})`;
      return c.weight.length ? `${c.weight.join(' * ')} * ${v}` : v;
    });
    lines.push(`var acc = 0.0;`, ...terms.map((t) => `acc = acc + ${t};`));
    // Integer data interpolates in f32 and truncates toward zero, like the host.
    value = sc === 'f32' ? 'acc' : `${sc}(acc)`;
  }
  const total = numelOf(out);
  const inputs = param ? [x, param] : [x];
  if (!group) {
    if (extrapolate.length) {
      const ev = sc === 'f32' ? floatLit(op.extrapolationValue, h) : `${sc}(${f32Lit(op.extrapolationValue)})`;
      lines.push(`if (${extrapolate.join(' || ')}) {\n  out0[idx] = ${ev};\n  return;\n}`);
    }
    lines.push(`out0[idx] = ${value};`);
    return [flatKernel(node, ctx, { inputs, outputs: [out], total, prelude: h.render(), body: lines.join('\n') })];
  }
  const ep = anchorEpilogue(group, out, { firstBinding: inputs.length, helpers: h });
  if (extrapolate.length) {
    const ev = sc === 'f32' ? floatLit(op.extrapolationValue, h) : `${sc}(${f32Lit(op.extrapolationValue)})`;
    lines.push(`if (${extrapolate.join(' || ')}) {\n  ${ep.store('idx', ev)}\n  return;\n}`);
  }
  lines.push(ep.store('idx', value));
  const maxDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const paramDecl = param ? '\n@group(0) @binding(1) var<storage, read> in1: array<f32>;' : '';
  const wgsl = `@group(0) @binding(0) var<storage, read> in0: array<${sc}>;${paramDecl}
${[ep.declarations(), h.render()].filter((d) => d !== '').join('\n\n')}

${flatMain(total, WG, maxDim)}
  ${lines.join('\n').split('\n').join('\n  ')}
}
`;
  return [{ name: groupKernelName(node, group), wgsl, inputs: [...inputs, ...ep.inputs], outputs: ep.outputs, workgroups: dispatch1d(total, WG, maxDim) }];
}

/**
 * Linear or cubic with a dynamic axis: per resized axis, arrays of its tap weights and offsets,
 * then one nested loop per axis accumulating weight·x into `acc` (f32). Taps of weight 0 are
 * skipped, so an axis that turns out to keep its length (weights 1, 0, …) costs one load.
 */
function tapLoops(taps: { axis: number; taps: { index: string; weight: string | null }[] }[], sc: string): string[] {
  const lines: string[] = [];
  for (const { axis: k, taps: t } of taps) {
    lines.push(`var tw${k} = array<f32, ${t.length}>(${t.map((x) => x.weight!).join(', ')});`);
    lines.push(`var ti${k} = array<u32, ${t.length}>(${t.map((x) => x.index).join(', ')});`);
  }
  lines.push('var acc = 0.0;');
  let indent = '';
  let prevWeight = '';
  let prevOffset = 'base';
  for (const { axis: k, taps: t } of taps) {
    lines.push(`${indent}for (var j${k} = 0u; j${k} < ${t.length}u; j${k}++) {`);
    indent += '  ';
    lines.push(`${indent}if (tw${k}[j${k}] == 0.0) { continue; }`);
    lines.push(`${indent}let v${k} = ${prevWeight ? `${prevWeight} * ` : ''}tw${k}[j${k}];`);
    lines.push(`${indent}let p${k} = ${prevOffset} + ti${k}[j${k}];`);
    prevWeight = `v${k}`;
    prevOffset = `p${k}`;
  }
  const v = sc === 'f32' ? `in0[${prevOffset}]` : `f32(in0[${prevOffset}])`;
  lines.push(`${indent}acc = acc + ${prevWeight} * ${v};`);
  for (let i = taps.length; i > 0; i--) {
    indent = indent.slice(2);
    lines.push(`${indent}}`);
  }
  return lines;
}
