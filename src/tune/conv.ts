/**
 * Conv targets for `compile --tune`: which conv nodes are tuned, the signature their measurement
 * is cached under, and the candidate tilings tried for each.
 *
 * Two strategies of codegen/kernels/conv.ts take a tiling worth measuring: the 1-d/2-d kernel
 * (conv-2d.ts, register-blocked over output channels × a row segment of pixels) and the pointwise
 * (1×1, stride 1, no pads) GEMM. Depthwise and 3-d+ convs keep their heuristic tilings: they are
 * bound by memory traffic or rare in the target models. The batch may be symbolic; it is evaluated
 * at the tuning binding, as for matmuls (src/tune/tune.ts).
 *
 * Candidates keep few variants per signature (at most 8) so that tuning a CNN on lavapipe stays
 * within minutes: every candidate costs a shader compile and a few timed runs. A symbolic batch
 * is measured at the binding's value capped by `MAX_TUNE_MACS` (the signature says which).
 */

import { evalDim } from '../../ir/dim.js';
import type { Graph, Node } from '../../ir/graph.js';
import type { CodegenContext, Kernel } from '../../codegen/kernel.js';
import type { KernelTiling } from '../../codegen/generate.js';
import { convGeometry, convKernels, isPointwiseConv, type ConvGeometry } from '../../codegen/kernels/conv.js';
import { as2d, defaultConv2dTiling, type Conv2dTiling } from '../../codegen/kernels/conv-2d.js';
import { defaultSubgroupTiling, SUBGROUP_ROW_LANES, type GemmTiling } from '../../codegen/kernels/gemm-core.js';
import { gemmCandidates, type CandidateOptions, type TuneTarget } from './tune.js';

/** At most this many candidates per conv signature (see the file comment). */
export const MAX_CONV_CANDIDATES = 8;

/**
 * Multiply-adds one measured dispatch may do at most: a symbolic batch is measured at the tuning
 * binding's value or at fewer images, as many as fit this. Tiles are per image (the batch is only
 * the grid's z axis), so the ranking of tilings hardly moves with the batch — 2^27 multiply-adds
 * take 10–40 ms on lavapipe, well above the timing noise — while the memory planner's reference
 * batch (64) would make resnet18's first conv 7 GMAC and 196 MiB of output: seconds per run on
 * lavapipe, and more than a storage binding may hold.
 */
export const MAX_TUNE_MACS = 2 ** 27;

/** The signature of a conv: dtype, input and weight dims, window attributes, group. */
export function convSignature(node: Node, dims: number[][]): string {
  const op = node.op;
  if (op.kind !== 'conv') throw new Error(`convSignature: node '${node.name}' is ${op.kind}`);
  const [x, w] = dims;
  return (
    `conv(${node.inputs[0]!.type.dtype}[${x!.join('x')}],[${w!.join('x')}];` +
    `s=${op.strides.join(',')};p=${op.pads.join(',')};d=${op.dilations.join(',')};g=${op.group}` +
    `${node.inputs.length > 2 ? ';bias' : ''})`
  );
}

/**
 * The tunable conv nodes of `graph` (pointwise, or 1-d/2-d and not depthwise), with symbolic
 * dims evaluated at `env` and their candidates for a device with the given options.
 */
export function convTargets(graph: Graph, env: Readonly<Record<string, number>>, options: CandidateOptions = {}): TuneTarget[] {
  const out: TuneTarget[] = [];
  for (const node of graph.nodes) {
    if (node.op.kind !== 'conv') continue;
    let geo: ConvGeometry;
    try {
      geo = convGeometry(node);
    } catch {
      continue; // codegen reports it; nothing to tune
    }
    const candidates = convCandidates(node, geo, options);
    if (candidates.length === 0) continue;
    const dims = node.inputs.map((v) => v.type.shape.map((d) => evalDim(d, env)));
    if (typeof node.inputs[0]!.type.shape[0] !== 'number') {
      const perImage = geo.M * (geo.C / geo.group) * [...geo.outDims, ...geo.kernel].reduce((a, b) => a * b, 1);
      dims[0]![0] = Math.max(1, Math.min(dims[0]![0]!, Math.floor(MAX_TUNE_MACS / Math.max(1, perImage))));
    }
    out.push({ node, signature: convSignature(node, dims), dims, candidates, kernels: convTilingKernels });
  }
  return out;
}

/**
 * The candidates of a conv node, its default first; empty for a strategy that is not tuned. The
 * subgroup forms need constant weights (they read the packed copy, conv-2d.ts).
 */
export function convCandidates(node: Node, geo: ConvGeometry, options: CandidateOptions = {}): KernelTiling[] {
  const Mg = geo.M / geo.group;
  const Cg = geo.C / geo.group;
  if (isPointwiseConv(node)) {
    const P = geo.inDims.reduce((a, b) => a * b, 1);
    return pointwiseCandidates(Mg, P, Cg, geo.group, options);
  }
  if (geo.inDims.length > 2 || geo.C === geo.group) return [];
  return conv2dCandidates(geo, { ...options, subgroups: !!options.subgroups && node.inputs[1]!.data !== undefined });
}

/**
 * Conv-2d candidates around the default: channel blocks of 4/8/16, pixel rows of 4/8, and
 * workgroup shapes; with subgroups, the subgroup-weights form (one row of 8 or 16 lanes). The
 * subgroup forms keep the default's `pixels`: their plain fallback (conv.ts `convKernels`) is the
 * default plain tiling, which must read the same padded row width (conv-2d.ts `rowWidth`). Plain
 * candidates may change it: codegen asks `convPaddedSource` with the tuned tiling, so a producer
 * writing the padded copy writes the layout the tuned kernel reads.
 */
export function conv2dCandidates(geo: ConvGeometry, options: CandidateOptions = {}): Conv2dTiling[] {
  const Mg = geo.M / geo.group;
  const subgroups = !!options.subgroups;
  const def = defaultConv2dTiling(geo, subgroups);
  const px = def.pixels;
  const out: Conv2dTiling[] = [];
  const seen = new Set<string>();
  const add = (t: Conv2dTiling) => {
    const key = JSON.stringify(t);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  };
  add(def);
  // Packed weights (a vec4 per 4 channels) need channel blocks that are multiples of 4.
  if (subgroups && Mg % 4 === 0) {
    for (const [channels, wgX] of [[8, 16], [16, 16], [16, 8], [4, 16]] as const) {
      if (channels <= Mg) add({ channels, pixels: px, wgX, wgY: 1, unroll: 1, subgroupWeights: true });
    }
  }
  // Wider pixel rows than the output row are the same work on more zeros: pixels 4 only.
  const narrow = as2d(geo).outDims[1] <= 4;
  for (const [channels, pixels, wgX, wgY] of [
    [8, 8, 8, 8],
    [16, 8, 8, 8],
    [8, 4, 16, 4],
    [4, 8, 16, 4],
    [16, 4, 8, 8],
    [8, 8, 64, 1],
  ] as const) {
    if (channels > Mg) continue;
    add({ channels, pixels: narrow ? 4 : pixels, wgX, wgY, unroll: 1 });
  }
  return out.slice(0, MAX_CONV_CANDIDATES);
}

/**
 * GEMM candidates for a pointwise conv (W[Mg × Cg] · X[Cg × P] per image and group): the default
 * the kernel would take (with subgroups, the subgroup-rows form when the weight layout allows it,
 * as conv.ts `pointwiseKernel` decides), the subgroup-rows blocks, then plain blocks on a 16×4
 * workgroup — capped like the conv-2d candidates.
 */
export function pointwiseCandidates(Mg: number, P: number, Cg: number, group: number, options: CandidateOptions = {}): GemmTiling[] {
  // The weight rows are read as vec4 along k only when each group's block starts aligned.
  const aligned = Cg % 4 === 0 && (group === 1 || (Mg * Cg) % 4 === 0);
  const sg = !!options.subgroups && aligned;
  const all = gemmCandidates(Mg, P, Cg, { subgroups: sg });
  const shared = sg ? defaultSubgroupTiling(Mg, P, Cg, SUBGROUP_ROW_LANES) : undefined;
  const picked = [...(shared ? [shared] : []), all[0]!, ...all.filter((t) => t.subgroupRows), ...all.filter((t) => !t.subgroupRows && t.wgX === 16 && t.wgY === 4)];
  const seen = new Set<string>();
  return picked.filter((t) => (seen.has(JSON.stringify(t)) ? false : (seen.add(JSON.stringify(t)), true))).slice(0, MAX_CONV_CANDIDATES);
}

/** The kernels of a (standalone) conv node with one candidate tiling, as codegen would emit them. */
function convTilingKernels(node: Node, ctx: CodegenContext, tiling: KernelTiling): Kernel[] {
  // subgroups: false — the candidate decides the form; no plain twin is needed to time it.
  return convKernels(node, ctx, 'channels' in tiling ? { conv2d: tiling, subgroups: false } : { pointwise: tiling, subgroups: false });
}
