/**
 * Kernel generator for the IR `conv` op (ONNX Conv): N-d convolution with groups, strides,
 * dilations, explicit pads and an optional bias. Weights stay in ONNX layout (M, C/group, k…).
 *
 * Four strategies, chosen from the shapes:
 * - pointwise (every kernel dim 1, stride 1, no pads): a GEMM per (image, group),
 *   W[M/g × C/g] · X[C/g × pixels], on the register-blocked core in gemm-core.ts;
 * - depthwise (one input channel per group, 1-d or 2-d): conv-depthwise.ts, each invocation
 *   sliding along a row, reusing loaded inputs between neighbouring outputs;
 * - other 1-d and 2-d convs: conv-2d.ts, register-blocked over output channels × a row segment
 *   of output pixels, reading the input as aligned vec4 row segments;
 * - 3-d and up: conv-direct.ts, the same register blocking over flattened pixels with scalar
 *   loads (simpler, and rare in the target models).
 *
 * The conv-2d and N-d kernels read a zero-padded copy of the input (a scratch tensor written by a
 * first, cheap kernel) whenever the conv has pads or the rows need widening, so their inner loops
 * have no bounds checks; the depthwise kernel, which is bound by memory traffic rather than
 * arithmetic, reads the input directly with checks instead.
 *
 * The batch N may be symbolic (codegen/dims.ts): it only scales the grid's image axis (and the
 * pad kernel's flat count), while channels, spatial dims and the window — which choose the
 * strategy and the blocks — must be static.
 *
 * A target with WGSL subgroups (`ConvTilings.subgroups`) gets, by default, the forms that load
 * the weights once per subgroup and broadcast them to the lanes: the pointwise GEMM's
 * subgroup-rows form and conv-2d's subgroup-weights form. On lavapipe a storage load inside a
 * loop costs as much as 50–100 multiply-adds whatever its address, and weights are most of these
 * kernels' loads, so sharing them roughly halves the time of resnet18's convs.
 */

import type { CodegenContext, Kernel } from '../kernel.js';
import type { Node, Value } from '../../ir/graph.js';
import { convOutputSize } from '../../ir/infer.js';
import { dimsOf, dispatch1d, flatMain, numelOf, offsetToCoords, shapeOf, WG } from '../wgsl.js';
import { dimStrides } from '../../ir/shape.js';
import { dimEquals, dimFloorDiv, dimMul, type Dim } from '../../ir/dim.js';
import { u32 } from '../dims.js';
import { defaultGemmTiling, defaultSubgroupTiling, emitGemm, multipleOf4, subgroupFormApplies, SUBGROUP_ROW_LANES, type GemmSpec, type GemmTiling } from './gemm-core.js';
import { requireFloat, splitStatic } from './grid.js';
import { emitDirectConv, defaultDirectTiling, type DirectConvTiling } from './conv-direct.js';
import { emitConv2d, defaultConv2dTiling, rowWidth, as2d, packConv2dWeights, type Conv2dTiling } from './conv-2d.js';
import { emitDepthwiseConv, defaultDepthwiseTiling, type DepthwiseTiling } from './conv-depthwise.js';
import { WgslHelpers } from './wgsl-math.js';
import { anchorEpilogue, groupKernelName, type Epilogue } from '../schedule/epilogue.js';
import type { FusedGroup, InputScale } from '../schedule/fuse.js';

const prod = (d: readonly number[]): number => d.reduce((x, y) => x * y, 1);

/** Everything the conv kernels need, resolved and validated. */
export interface ConvGeometry {
  /** The batch, the one size that may be symbolic. */
  N: Dim;
  C: number;
  M: number;
  group: number;
  /** Input spatial dims, kernel dims, output spatial dims (one entry per spatial axis). */
  inDims: number[];
  kernel: number[];
  outDims: number[];
  strides: number[];
  dilations: number[];
  /** Begin and end pads per spatial axis. */
  padBegin: number[];
  padEnd: number[];
  hasBias: boolean;
}

export function convGeometry(node: Node): ConvGeometry {
  const op = node.op;
  if (op.kind !== 'conv') throw new Error(`generateConv: node '${node.name}' is ${op.kind}, not conv`);
  const what = `conv '${node.name}'`;
  const [x, w, b] = node.inputs;
  const y = node.outputs[0];
  if (!x || !w || !y || node.inputs.length > 3) throw new Error(`${what} needs inputs [x, w, bias?] and one output`);
  requireFloat('conv', node.name, [...node.inputs, y].map((v) => v.type.dtype));
  const xs = splitStatic(x, 1, what);
  const xd = [...xs.lead, ...xs.tail];
  const wd = dimsOf(w);
  const d = xd.length - 2;
  if (d < 1) throw new Error(`${what}: input must have rank >= 3, got [${xd}]`);
  if (wd.length !== xd.length) throw new Error(`${what}: weight [${wd}] must have the input's rank ${xd.length}`);
  const N = xs.lead[0]!;
  const C = xs.tail[0]!;
  const M = wd[0]!;
  const group = op.group;
  if (group < 1 || C % group !== 0 || M % group !== 0) throw new Error(`${what}: group ${group} must divide C=${C} and M=${M}`);
  if (wd[1] !== C / group) throw new Error(`${what}: weight has ${wd[1]} input channels per group, expected C/group = ${C / group}`);
  for (const [name, arr, n] of [['strides', op.strides, d], ['dilations', op.dilations, d], ['pads', op.pads, 2 * d]] as const) {
    if (arr.length !== n) throw new Error(`${what}: ${name} has ${arr.length} entries, expected ${n}`);
  }
  if (op.strides.some((s) => s < 1) || op.dilations.some((s) => s < 1)) throw new Error(`${what}: strides and dilations must be >= 1`);
  if (op.pads.some((p) => p < 0)) throw new Error(`${what}: negative pads [${op.pads}] are not supported`);
  if (b && (b.rank !== 1 || dimsOf(b)[0] !== M)) throw new Error(`${what}: bias must be [${M}], got [${dimsOf(b)}]`);
  const inDims = xs.tail.slice(1);
  const kernel = wd.slice(2);
  const padBegin = op.pads.slice(0, d);
  const padEnd = op.pads.slice(d);
  const outDims = inDims.map((n, i) => convOutputSize(n, kernel[i]!, op.strides[i]!, padBegin[i]!, padEnd[i]!, op.dilations[i]!));
  const expected = [N, M, ...outDims];
  if (shapeOf(y).join(',') !== expected.join(',')) throw new Error(`${what}: output is [${shapeOf(y)}], expected [${expected}]`);
  return { N, C, M, group, inDims, kernel, outDims, strides: op.strides, dilations: op.dilations, padBegin, padEnd, hasBias: !!b };
}

/**
 * WGSL statements that store accumulator `acc` (f32) as output channel `channel` at flat output
 * offset `offset` (u32 expressions): the one place every conv kernel writes its result, where the
 * bias is added and a fused epilogue (codegen/schedule/epilogue.ts) is rendered.
 */
export type ConvStore = (channel: string, offset: string, acc: string) => string;

/** What a conv kernel needs to write its result: the store, and the declarations it relies on. */
export interface ConvOutput {
  store: ConvStore;
  /**
   * Declarations after the x/w/bias bindings: a fused epilogue's inputs, the output `y`, helper
   * functions. Call it after the last `store` (stores record the helpers they use).
   */
  declarations(): string;
  /** The store is big enough that kernels should emit it once, in a loop, not once per element. */
  looped: boolean;
}

/** Tilings for each strategy; absent ones use the heuristics. */
export interface ConvTilings {
  pointwise?: GemmTiling;
  conv2d?: Conv2dTiling;
  direct?: DirectConvTiling;
  depthwise?: DepthwiseTiling;
  /** Read constant weights in ONNX layout instead of repacking them (for comparisons). */
  unpacked?: boolean;
  /**
   * The target offers WGSL subgroups (of at least 8 lanes): the default tilings are then the
   * subgroup forms — conv-2d's subgroup-weights form, the pointwise GEMM's subgroup-rows form —
   * whose WGSL starts with `enable subgroups;` (the runtime requests the feature for those). The
   * pad copy a producer writes (`convPaddedSource`) must be asked with the same value.
   */
  subgroups?: boolean;
}

export const generateConv = (node: Node, ctx: CodegenContext): Kernel[] => convKernels(node, ctx);

/** The conv kernels of `node`, with a fused group's epilogue rendered at the store when given. */
export function convKernels(node: Node, ctx: CodegenContext, tilings: ConvTilings = {}, group?: FusedGroup): Kernel[] {
  const subgroups = tilings.subgroups ?? targetHasSubgroups(ctx);
  if (!subgroups) return convKernelsOnce(node, ctx, { ...tilings, subgroups }, group);
  // A subgroup kernel carries its plain twin as a fallback for devices without subgroups
  // (Kernel.fallback): the same kernels in the same order bound to the same values — the padded
  // layout and the packed weights do not depend on the form, and the plain pass is handed the
  // scratch values (padded copy, packed weights) the first pass made. Otherwise plain kernels only.
  const made: Value[] = [];
  const recording: CodegenContext = { ...ctx, scratch: (type, name) => (made.push(ctx.scratch(type, name)), made[made.length - 1]!) };
  const kernels = convKernelsOnce(node, recording, { ...tilings, subgroups }, group);
  let next = 0;
  const replaying: CodegenContext = {
    ...ctx,
    scratch: (type, name) => {
      const v = made[next++];
      return v && v.type.dtype === type.dtype && v.type.shape.join() === type.shape.join() ? v : ctx.scratch(type, name);
    },
  };
  // A (tuned) subgroup-weights tiling's twin is the plain default, which reads the same padded layout.
  const plainTilings = { ...tilings, subgroups: false, ...(tilings.conv2d?.subgroupWeights ? { conv2d: undefined } : {}) };
  const plain = convKernelsOnce(node, replaying, plainTilings, group);
  const same = (a: readonly Value[], b: readonly Value[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  const paired = plain.length === kernels.length && plain.every((p, i) => same(p.inputs, kernels[i]!.inputs) && same(p.outputs, kernels[i]!.outputs));
  if (!paired) return plain;
  return kernels.map((k, i) => (k.fallback || !k.wgsl.startsWith('enable subgroups;') ? k : { ...k, fallback: { wgsl: plain[i]!.wgsl, workgroups: plain[i]!.workgroups } }));
}

/** Whether the codegen target offers subgroups of enough lanes for the subgroup forms. */
export function targetHasSubgroups(ctx: Pick<CodegenContext, 'limits'>): boolean {
  return (ctx.limits.subgroupMinSize ?? 0) >= SUBGROUP_ROW_LANES;
}

function convKernelsOnce(node: Node, ctx: CodegenContext, tilings: ConvTilings, group?: FusedGroup): Kernel[] {
  const geo = convGeometry(node);
  const y = node.outputs[0]!;
  if (numelOf(y) === 0) return [];
  const maxDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const pointwise = geo.kernel.every((k) => k === 1) && geo.strides.every((s) => s === 1) && [...geo.padBegin, ...geo.padEnd].every((p) => p === 0);
  const [x, w, bias] = node.inputs as [Value, Value, Value | undefined];
  const scale = group?.inputScale;
  if (scale && !pointwise) throw new Error(`conv '${node.name}': an input scale is only folded into a 1×1 conv`);
  const h = new WgslHelpers();
  const ep = anchorEpilogue(group, y, { firstBinding: (bias ? 3 : 2) + (scale ? 1 : 0), helpers: h });
  const out: ConvOutput = {
    store: (channel, offset, acc) => (bias ? `let v = ${acc} + bias[${channel}];\n${ep.store(offset, 'v')}` : ep.store(offset, acc)),
    declarations: () => [ep.declarations(), h.render()].filter((d) => d !== '').join('\n\n'),
    looped: ep.isHeavy(),
  };
  const name = groupKernelName(node, group);
  if (pointwise) return [pointwiseKernel(node, geo, out, ep, tilings.pointwise, maxDim, scale, tilings.subgroups ?? false)];
  const kernels: Kernel[] = [];
  const hasPads = [...geo.padBegin, ...geo.padEnd].some((p) => p > 0);
  /**
   * The kernel's input: x itself, or a zero-padded copy of it with the given spatial dims — made
   * here by a pad kernel, unless the groups producing x already wrote it (`group.padded`).
   */
  const source = (dims: number[]): Value => {
    if (!hasPads && dims.join(',') === geo.inDims.join(',')) return x;
    if (group?.padded) {
      const want = [geo.N, geo.C, ...dims];
      if (shapeOf(group.padded).join(',') !== want.join(',')) {
        throw new Error(`conv '${node.name}': the padded input written for it is [${shapeOf(group.padded)}], the kernel reads [${want}]`);
      }
      return group.padded;
    }
    const padded = ctx.scratch({ dtype: x.type.dtype, shape: [geo.N, geo.C, ...dims] }, `${node.name}_padded`);
    kernels.push(padKernel(`${node.name}/pad`, x, padded, geo.padBegin, maxDim));
    return padded;
  };
  const finish = (src: Value, emitted: { wgsl: string; workgroups: [Dim, Dim, Dim] }, weights: Value = w): Kernel[] => {
    const inputs = [...(bias ? [src, weights, bias] : [src, weights]), ...ep.inputs];
    kernels.push({ name, wgsl: emitted.wgsl, inputs, outputs: ep.outputs, workgroups: emitted.workgroups });
    return kernels;
  };
  if (geo.inDims.length <= 2 && geo.C === geo.group) {
    return finish(x, emitDepthwiseConv(geo, out, tilings.depthwise ?? defaultDepthwiseTiling(geo), maxDim));
  }
  if (geo.inDims.length <= 2) {
    // Rows padded to a vec4-aligned width (see conv-2d.ts).
    const t = tilings.conv2d ?? defaultConv2dTiling(geo, tilings.subgroups ?? false);
    const rowW = rowWidth(geo, t.pixels);
    const g2 = as2d(geo);
    const rows = g2.inDims[0] + g2.padBegin[0] + g2.padEnd[0];
    const src = source(geo.inDims.length === 2 ? [rows, rowW] : [rowW]);
    // Constant weights are repacked for vec4 loads (conv-2d.ts); the packed copy is a constant
    // of its own, so weights.bin holds that layout and nothing is rearranged at load or run time.
    const pack = w.data !== undefined && t.channels % 4 === 0 && !tilings.unpacked;
    const weights = pack ? packedWeights(w, geo, ctx) : w;
    return finish(src, emitConv2d(geo, out, rows, rowW, t, maxDim, pack), weights);
  }
  const padded = geo.inDims.map((n, i) => n + geo.padBegin[i]! + geo.padEnd[i]!);
  return finish(source(padded), emitDirectConv(geo, out, padded, tilings.direct ?? defaultDirectTiling(geo), maxDim));
}

/** Whether `node` is a conv its GEMM kernel computes (1×1 window, stride 1, no pads). */
export function isPointwiseConv(node: Node): boolean {
  const op = node.op;
  if (op.kind !== 'conv') return false;
  const w = node.inputs[1];
  return !!w && w.type.shape.slice(2).every((k) => k === 1) && op.strides.every((s) => s === 1) && op.pads.every((p) => p === 0);
}

/** The zero-padded copy of a conv's input its kernel reads: full dims and pads before the data. */
export interface PaddedSource {
  /** [N, C, (rows,) row width]; the batch N may be symbolic. */
  dims: Dim[];
  /** Zeros before the data on each spatial axis (the rest of each axis after the data is zeros too). */
  padBegin: number[];
}

/**
 * The padded copy of its input the 1-d/2-d conv kernel of `node` reads (rows widened and aligned
 * for vec4 loads, see conv-2d.ts), or undefined when the kernel reads the input itself (pointwise,
 * depthwise, rows that already fit) or pads it its own way (3-d and up). Producers of the input
 * may write this copy directly (codegen/schedule/stores.ts), so no pad kernel runs. The batch
 * of its dims may be symbolic.
 */
export function convPaddedSource(node: Node, tilings: ConvTilings = {}): PaddedSource | undefined {
  let geo: ConvGeometry;
  try {
    geo = convGeometry(node);
  } catch {
    return undefined;
  }
  const spatial = geo.inDims.length;
  const pads = [...geo.padBegin, ...geo.padEnd];
  const pointwise = geo.kernel.every((k) => k === 1) && geo.strides.every((s) => s === 1) && pads.every((p) => p === 0);
  if (pointwise || spatial > 2 || geo.C === geo.group || prod(geo.outDims) === 0) return undefined;
  const t = tilings.conv2d ?? defaultConv2dTiling(geo, tilings.subgroups ?? false);
  const rowW = rowWidth(geo, t.pixels);
  const g2 = as2d(geo);
  const rows = g2.inDims[0] + g2.padBegin[0] + g2.padEnd[0];
  const dims = spatial === 2 ? [rows, rowW] : [rowW];
  if (pads.every((p) => p === 0) && dims.join(',') === geo.inDims.join(',')) return undefined;
  return { dims: [geo.N, geo.C, ...dims], padBegin: geo.padBegin };
}

/** `w` repacked by `packConv2dWeights`, as a new constant value. */
function packedWeights(w: Value, geo: ConvGeometry, ctx: CodegenContext): Value {
  const Cg = geo.C / geo.group;
  const K = prod(geo.kernel);
  const data = packConv2dWeights(w.data!.data as ArrayLike<number>, geo.M, geo.group, Cg, K);
  const v = ctx.scratch({ dtype: w.type.dtype, shape: [data.length] }, `${w.name}.packed`);
  v.data = { dtype: w.type.dtype, dims: [data.length], data };
  return v;
}

/** 1×1 stride-1 conv: out[n, g·Mg + m, p] = Σ_c W[g·Mg + m, c] · X[n, g·Cg + c, p]. */
function pointwiseKernel(
  node: Node,
  geo: ConvGeometry,
  out: ConvOutput,
  ep: Epilogue,
  tiling: GemmTiling | undefined,
  maxDim: number,
  scale?: InputScale,
  subgroups = false,
): Kernel {
  const { N, C, M, group: G, hasBias } = geo;
  // x · scale (one factor per image and input channel, or one for all) read as scaled weights.
  const sCount = scale ? numelOf(scale.scale) : 0;
  if (scale && sCount !== 1 && sCount !== C && !dimEquals(sCount, dimMul(N, C))) {
    throw new Error(`conv '${node.name}': input scale '${scale.scale.name}' is not per channel`);
  }
  const sBase = sCount === 1 ? '0u' : sCount === C ? `g * ${C / G}u` : `n * ${C}u + g * ${C / G}u`;
  const Cg = C / G;
  const Mg = M / G;
  const P = prod(geo.inDims);
  const batch = dimMul(N, G);
  // Base offsets step by these strides; vec4 loads need every one a multiple of 4.
  const aligned = (...steps: [Dim, number][]) => steps.every(([extent, step]) => extent === 1 || step % 4 === 0);
  const declarations = (aVec4: boolean, bVec4: boolean): string => {
    const t = (v: boolean) => (v ? 'array<vec4<f32>>' : 'array<f32>');
    return [
      `@group(0) @binding(0) var<storage, read> x: ${t(bVec4)};`,
      `@group(0) @binding(1) var<storage, read> w: ${t(aVec4)};`,
      ...(hasBias ? ['@group(0) @binding(2) var<storage, read> bias: array<f32>;'] : []),
      ...(scale ? [`@group(0) @binding(${hasBias ? 3 : 2}) var<storage, read> sc: array<f32>;`] : []),
      out.declarations(),
    ].join('\n');
  };
  const a: GemmSpec['a'] = {
    name: 'w',
    kContiguous: true,
    ld: Cg,
    baseAligned4: aligned([G, Mg * Cg]),
    kScale: scale ? (k) => (sCount === 1 ? 'sc[0]' : `sc[sBase + ${k}]`) : undefined,
  };
  // With subgroups, the weight rows (A) are loaded once per subgroup and broadcast (gemm-core.ts),
  // where the layout allows that form; else the plain heuristic tiling.
  const shared = subgroups ? defaultSubgroupTiling(Mg, P, Cg, SUBGROUP_ROW_LANES) : undefined;
  const chosen = tiling ?? (shared && subgroupFormApplies({ a, K: Cg }, shared) ? shared : defaultGemmTiling(Mg, P, Cg));
  const { wgsl, workgroups, fallback } = emitGemm(
    {
      M: Mg,
      N: P,
      K: Cg,
      batch,
      a,
      b: { name: 'x', kContiguous: false, ld: P, baseAligned4: aligned([N, C * P], [G, Cg * P]) },
      declarations,
      batchPrologue: [
        `let n = bz / ${G}u;`,
        `let g = bz % ${G}u;`,
        `let aBase = g * ${Mg * Cg}u;`,
        `let bBase = n * ${C * P}u + g * ${Cg * P}u;`,
        `let oBase = n * ${M * P}u + g * ${Mg * P}u;`,
        `let chBase = g * ${Mg}u;`,
        ...(scale ? [`let sBase = ${sBase};`] : []),
      ].join('\n  '),
      store: (m, p, acc) => out.store(`chBase + ${m}`, `oBase + ${m} * ${P}u + ${p}`, acc),
      loopedStore: out.looped,
    },
    chosen,
    maxDim,
  );
  const [x, w, bias] = node.inputs;
  const inputs = [scale ? scale.source : x!, w!, ...(bias ? [bias] : []), ...(scale ? [scale.scale] : []), ...ep.inputs];
  return { name: groupKernelName(node, ep.group), wgsl, inputs, outputs: ep.outputs, workgroups, ...(fallback ? { fallback } : {}) };
}

/**
 * Copies x (N, C, spatial…) into the zero-padded `dst` (same rank, each spatial dim at least the
 * input's plus its pads), `padBegin` zeros before each spatial axis and zeros after. Writes a vec4
 * per invocation when rows allow (the conv kernels' rows always do).
 */
function padKernel(name: string, x: Value, dst: Value, padBegin: number[], maxDim: number): Kernel {
  // Only the batch (axis 0) may be symbolic; it enters the flat count, not the index math.
  const xd = shapeOf(x);
  const dd = shapeOf(dst);
  const rank = dd.length;
  const lanes = multipleOf4(dd[rank - 1]!) ? 4 : 1;
  const total = dimFloorDiv(numelOf(dst), lanes);
  // Source coordinates from destination coords; the unsigned wrap of (coord - pad) makes one
  // compare per axis catch both sides.
  const shifts: string[] = [];
  const checks: string[] = [];
  for (let i = 2; i < rank - 1; i++) {
    shifts.push(`let s${i} = o${i} - ${padBegin[i - 2]}u;`);
    checks.push(`s${i} < ${u32(xd[i]!)}`);
  }
  const xStrides = dimStrides(xd);
  const rowBase = ['o0', 'o1', ...Array.from({ length: rank - 3 }, (_, k) => `s${k + 2}`)]
    .map((c, i) => `${c} * ${u32(xStrides[i]!)}`)
    .join(' + ');
  const last = rank - 1;
  const lines: string[] = [`let e = idx * ${lanes}u;`, offsetToCoords('e', dd, 'o'), ...shifts];
  lines.push(`let rowOk = ${checks.length ? checks.join(' && ') : 'true'};`);
  lines.push(`let rb = ${rowBase};`);
  const comps: string[] = [];
  for (let l = 0; l < lanes; l++) {
    lines.push(`let c${l} = o${last} + ${l}u - ${padBegin[last - 2]}u;`);
    lines.push(`var v${l} = 0.0;`);
    lines.push(`if (rowOk && c${l} < ${u32(xd[last]!)}) { v${l} = x[rb + c${l}]; }`);
    comps.push(`v${l}`);
  }
  lines.push(lanes === 4 ? `y[idx] = vec4<f32>(${comps.join(', ')});` : 'y[idx] = v0;');
  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<${lanes === 4 ? 'vec4<f32>' : 'f32'}>;

${flatMain(total, WG, maxDim)}
  ${lines.join('\n  ')}
}
`;
  return { name, wgsl, inputs: [x], outputs: [dst], workgroups: dispatch1d(total, WG, maxDim) };
}
