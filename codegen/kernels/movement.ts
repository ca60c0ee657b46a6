/**
 * Data movement kernels: transpose, expand, tile, slice, pad and concat. None computes anything;
 * each maps an output element to the input element it copies (or to a pad value), so every one
 * is a flat kernel around one index function.
 *
 * Index functions are emitted with the shapes as literals. Axes whose mapping is a plain stride
 * (transpose, expand, unit-step slices of whole axes) are merged first, so e.g. a transpose that
 * swaps two blocks costs two div/mods per element, not one per axis.
 */

import type { Node, Value } from '../../ir/graph.js';
import { resolveSlice } from '../../ir/infer.js';
import { stridesOf } from '../../ir/shape.js';
import type { Kernel, KernelGenerator } from '../kernel.js';
import { dimsOf, scalarOf, sizeOf } from '../wgsl.js';
import { flatKernel, mergeAxes, stridedOffsetFn, typedLit, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

/** out0[idx] = in0[src(idx)] where `src` is the strided map of (outDims, inStrides), merged. */
function stridedCopy(node: Node, ctx: Parameters<KernelGenerator>[1], outDims: number[], inStrides: number[]): Kernel[] {
  const m = mergeAxes(outDims, [inStrides]);
  const out = node.outputs[0]!;
  return [
    flatKernel(node, ctx, {
      inputs: [node.inputs[0]!],
      outputs: [out],
      total: sizeOf(out),
      prelude: stridedOffsetFn('src', m.dims, m.strides[0]!),
      body: 'out0[idx] = in0[src(idx)];',
    }),
  ];
}

export const generateTranspose: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'transpose') return unsupported(node, 'not a transpose');
  const inStrides = stridesOf(dimsOf(node.inputs[0]!));
  if (op.perm.length !== inStrides.length) unsupported(node, `perm [${op.perm}] does not match rank ${inStrides.length}`);
  // Output axis i walks input axis perm[i].
  return stridedCopy(node, ctx, dimsOf(node.outputs[0]!), op.perm.map((p) => inStrides[p]!));
};

/** Strides of `v` aligned right against `outRank` axes, 0 on broadcast (size-1 or missing) axes. */
function broadcastStrides(dims: readonly number[], outRank: number): number[] {
  const own = stridesOf(dims);
  return Array.from({ length: outRank }, (_, i) => {
    const k = i - (outRank - dims.length);
    return k >= 0 && dims[k] !== 1 ? own[k]! : 0;
  });
}

export const generateExpand: KernelGenerator = (node, ctx) => {
  if (node.op.kind !== 'expand') return unsupported(node, 'not an expand');
  const outDims = dimsOf(node.outputs[0]!);
  return stridedCopy(node, ctx, outDims, broadcastStrides(dimsOf(node.inputs[0]!), outDims.length));
};

/**
 * A WGSL fn `src(i: u32) -> i32`: the input offset output element i copies, or -1 for "use the
 * fill value". `axis(k, c)` returns statements that read output coordinate `c` (u32) of axis k
 * and set `ic` (i32) to the input coordinate, or set `inside = false`.
 */
function mappedOffsetFn(outDims: readonly number[], inStrides: readonly number[], axis: (k: number, c: string) => string): string {
  const lines = ['fn src(i: u32) -> i32 {', '  var r = i;', '  var o = 0;', '  var inside = true;', '  var ic = 0;'];
  for (let k = outDims.length - 1; k >= 0; k--) {
    const d = outDims[k]!;
    const c = `c${k}`;
    lines.push(k > 0 ? `  let ${c} = r % ${d}u;\n  r = r / ${d}u;` : `  let ${c} = r;`);
    lines.push(`  ${axis(k, c).split('\n').join('\n  ')}`);
    lines.push(`  o = o + ic * ${inStrides[k]};`);
  }
  lines.push('  return select(-1, o, inside);', '}');
  return lines.join('\n');
}

export const generateTile: KernelGenerator = (node, ctx) => {
  if (node.op.kind !== 'tile') return unsupported(node, 'not a tile');
  const inDims = dimsOf(node.inputs[0]!);
  const out = node.outputs[0]!;
  const prelude = mappedOffsetFn(dimsOf(out), stridesOf(inDims), (k, c) => `ic = i32(${c} % ${inDims[k]}u);`);
  return [flatKernel(node, ctx, { inputs: [node.inputs[0]!], outputs: [out], total: sizeOf(out), prelude, body: 'out0[idx] = in0[src(idx)];' })];
};

export const generateSlice: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'slice') return unsupported(node, 'not a slice');
  const inDims = dimsOf(node.inputs[0]!);
  const ranges = resolveSlice(inDims, op);
  const strides = stridesOf(inDims);
  // Output coordinate c of axis k reads input start + c·step; fold the starts into one base offset
  // and the steps into strides, which makes a slice a strided copy.
  const base = ranges.reduce((acc, r, k) => acc + r.start * strides[k]!, 0);
  const outDims = dimsOf(node.outputs[0]!);
  const m = mergeAxes(
    outDims,
    [ranges.map((r, k) => Math.abs(r.step) * strides[k]!)],
    (k) => (ranges[k]!.step < 0 ? 1 : 0),
  );
  // Negative steps subtract: emit the positive-step part as one strided fn and the negative part
  // as another (merging only within one sign keeps both strided).
  const pos = m.strides[0]!.map((s, i) => (m.groups[i] === 0 ? s : 0));
  const neg = m.strides[0]!.map((s, i) => (m.groups[i] === 1 ? s : 0));
  const out = node.outputs[0]!;
  const prelude = [stridedOffsetFn('fwd', m.dims, pos), stridedOffsetFn('back', m.dims, neg)].join('\n\n');
  return [
    flatKernel(node, ctx, {
      inputs: [node.inputs[0]!],
      outputs: [out],
      total: sizeOf(out),
      prelude,
      body: `out0[idx] = in0[${base}u + fwd(idx) - back(idx)];`,
    }),
  ];
};

export const generatePad: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'pad') return unsupported(node, 'not a pad');
  const x = node.inputs[0]!;
  const inDims = dimsOf(x);
  const rank = inDims.length;
  if (op.pads.length !== 2 * rank) unsupported(node, `needs ${2 * rank} pads, got ${op.pads.length}`);
  const h = new WgslHelpers();
  const axis = (k: number, c: string): string => {
    const begin = op.pads[k]!;
    const end = op.pads[rank + k]!;
    // Negative pads crop first: the kept range is [lo, lo + len) of the input, and padding is
    // placed around it (as numpy and onnxruntime do).
    const lo = Math.max(0, -begin);
    const len = inDims[k]! - lo - Math.max(0, -end);
    if (len < 0) unsupported(node, `pads crop more than axis ${k} holds`);
    if (len === 0 && op.mode !== 'constant') unsupported(node, `${op.mode} padding of an empty axis ${k}`);
    const shift = Math.max(0, begin);
    const lines = [`var p${k} = i32(${c}) - ${shift};`];
    if (begin <= 0 && end <= 0) {
      // Only cropping: always inside.
    } else if (op.mode === 'constant') {
      lines.push(`inside = inside && p${k} >= 0 && p${k} < ${len};`);
    } else if (op.mode === 'edge' || len === 1) {
      lines.push(`p${k} = clamp(p${k}, 0, ${len - 1});`);
    } else {
      // numpy 'reflect' (edge not repeated) is periodic with period 2·(len - 1).
      const period = 2 * (len - 1);
      lines.push(`p${k} = ((p${k} % ${period}) + ${period}) % ${period};`, `p${k} = select(p${k}, ${period} - p${k}, p${k} >= ${len});`);
    }
    lines.push(`ic = p${k} + ${lo};`);
    return lines.join('\n');
  };
  const out = node.outputs[0]!;
  const fill = typedLit(op.value, scalarOf(x.type.dtype), h);
  const prelude = [h.render(), mappedOffsetFn(dimsOf(out), stridesOf(inDims), axis)].filter((s) => s).join('\n\n');
  const body = `let s = src(idx);\nout0[idx] = select(${fill}, in0[max(s, 0)], s >= 0);`;
  return [flatKernel(node, ctx, { inputs: [x], outputs: [out], total: sizeOf(out), prelude, body })];
};

/**
 * Concat: each input is a run of `outer` blocks of (its axis length × inner) elements, landing
 * at a fixed column offset of the output's blocks, so a copy needs one div/mod per element.
 * Inputs are split into groups that fit the storage-buffer limit (one binding is the output);
 * each group is one kernel covering the elements of its inputs, back to back.
 */
export const generateConcat: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'concat') return unsupported(node, 'not a concat');
  const out = node.outputs[0]!;
  const outDims = dimsOf(out);
  const axis = op.axis;
  if (axis < 0 || axis >= outDims.length) unsupported(node, `axis ${axis} out of range for rank ${outDims.length}`);
  const inner = outDims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outBlock = outDims[axis]! * inner;
  // Column offsets of each input within an output block; empty inputs have nothing to copy.
  let col = 0;
  const parts: { v: Value; col: number; block: number; size: number }[] = [];
  for (const v of node.inputs) {
    const block = dimsOf(v)[axis]! * inner;
    if (sizeOf(v) > 0) parts.push({ v, col, block, size: sizeOf(v) });
    col += block;
  }
  const perKernel = Math.max(1, ctx.limits.maxStorageBuffersPerShaderStage - 1);
  const kernels: Kernel[] = [];
  for (let g = 0; g * perKernel < parts.length; g++) {
    const group = parts.slice(g * perKernel, (g + 1) * perKernel);
    let start = 0;
    const branches = group.map((p, i) => {
      const s = start;
      start += p.size;
      return `if (idx < ${start}u) {
  let l = idx - ${s}u;
  out0[(l / ${p.block}u) * ${outBlock}u + ${p.col}u + l % ${p.block}u] = in${i}[l];
  return;
}`;
    });
    const suffix = parts.length > perKernel ? `part${g}` : undefined;
    kernels.push(flatKernel(node, ctx, { inputs: group.map((p) => p.v), outputs: [out], total: start, body: branches.join('\n'), suffix }));
  }
  return kernels;
};
