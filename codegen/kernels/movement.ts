/**
 * Data movement kernels: transpose, expand, tile, slice, pad and concat. None computes anything;
 * each maps an output element to the input element it copies (or to a pad value), so every one
 * is a flat kernel around one index function.
 *
 * Index functions are emitted with static shapes as literals; symbolic dims (a model compiled for
 * any batch or sequence length) and the sizes derived from them are reads of the dims table
 * (codegen/dims.ts). Axes whose mapping is a plain stride (transpose, expand, unit-step slices of
 * whole axes) are merged first, so e.g. a transpose that swaps two blocks costs two div/mods per
 * element, not one per axis.
 */

import type { Node, Value } from '../../ir/graph.js';
import { resolveSliceDims } from '../../ir/infer.js';
import { dimAdd, dimMax, dimMul, dimProductOf, dimSub, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import type { Kernel, KernelGenerator } from '../kernel.js';
import { i32, u32 } from '../dims.js';
import { numelOf, scalarOf, shapeOf } from '../wgsl.js';
import { flatKernel, mergeAxes, stridedOffsetFn, typedLit, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

/** A size as a WGSL integer: an abstract-int literal when static, else an i32 table read. */
function int(d: Dim): string {
  return typeof d === 'number' ? String(d) : i32(d);
}

/** out0[idx] = in0[src(idx)] where `src` is the strided map of (outDims, inStrides), merged. */
function stridedCopy(node: Node, ctx: Parameters<KernelGenerator>[1], outDims: Dim[], inStrides: Dim[]): Kernel[] {
  const m = mergeAxes<Dim>(outDims, [inStrides]);
  const out = node.outputs[0]!;
  return [
    flatKernel(node, ctx, {
      inputs: [node.inputs[0]!],
      outputs: [out],
      total: numelOf(out),
      prelude: stridedOffsetFn('src', m.dims, m.strides[0]!),
      body: 'out0[idx] = in0[src(idx)];',
    }),
  ];
}

export const generateTranspose: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'transpose') return unsupported(node, 'not a transpose');
  const inStrides = dimStrides(shapeOf(node.inputs[0]!));
  if (op.perm.length !== inStrides.length) unsupported(node, `perm [${op.perm}] does not match rank ${inStrides.length}`);
  // Output axis i walks input axis perm[i].
  return stridedCopy(node, ctx, shapeOf(node.outputs[0]!), op.perm.map((p) => inStrides[p]!));
};

/** Strides of `v` aligned right against `outRank` axes, 0 on broadcast (size-1 or missing) axes. */
function broadcastStrides(dims: readonly Dim[], outRank: number): Dim[] {
  const own = dimStrides(dims);
  return Array.from({ length: outRank }, (_, i): Dim => {
    const k = i - (outRank - dims.length);
    return k >= 0 && dims[k] !== 1 ? own[k]! : 0;
  });
}

export const generateExpand: KernelGenerator = (node, ctx) => {
  if (node.op.kind !== 'expand') return unsupported(node, 'not an expand');
  const outDims = shapeOf(node.outputs[0]!);
  return stridedCopy(node, ctx, outDims, broadcastStrides(shapeOf(node.inputs[0]!), outDims.length));
};

/**
 * A WGSL fn `src(i: u32) -> i32`: the input offset output element i copies, or -1 for "use the
 * fill value". `axis(k, c)` returns statements that read output coordinate `c` (u32) of axis k
 * and set `ic` (i32) to the input coordinate, or set `inside = false`.
 */
function mappedOffsetFn(outDims: readonly Dim[], inStrides: readonly Dim[], axis: (k: number, c: string) => string): string {
  const lines = ['fn src(i: u32) -> i32 {', '  var r = i;', '  var o = 0;', '  var inside = true;', '  var ic = 0;'];
  for (let k = outDims.length - 1; k >= 0; k--) {
    const d = outDims[k]!;
    const c = `c${k}`;
    lines.push(k > 0 ? `  let ${c} = r % ${u32(d)};\n  r = r / ${u32(d)};` : `  let ${c} = r;`);
    lines.push(`  ${axis(k, c).split('\n').join('\n  ')}`);
    lines.push(`  o = o + ic * ${int(inStrides[k]!)};`);
  }
  lines.push('  return select(-1, o, inside);', '}');
  return lines.join('\n');
}

export const generateTile: KernelGenerator = (node, ctx) => {
  if (node.op.kind !== 'tile') return unsupported(node, 'not a tile');
  const inDims = shapeOf(node.inputs[0]!);
  const out = node.outputs[0]!;
  const prelude = mappedOffsetFn(shapeOf(out), dimStrides(inDims), (k, c) => `ic = i32(${c} % ${u32(inDims[k]!)});`);
  return [flatKernel(node, ctx, { inputs: [node.inputs[0]!], outputs: [out], total: numelOf(out), prelude, body: 'out0[idx] = in0[src(idx)];' })];
};

export const generateSlice: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'slice') return unsupported(node, 'not a slice');
  const inDims = shapeOf(node.inputs[0]!);
  // ONNX clamping happens here, on Dims: a start relative to a symbolic dim is an expression.
  const ranges = resolveSliceDims(inDims, op);
  const strides = dimStrides(inDims);
  // Output coordinate c of axis k reads input start + c·step; fold the starts into one base offset
  // and the steps into strides, which makes a slice a strided copy.
  const base = dimAdd(...ranges.map((r, k) => dimMul(r.start, strides[k]!)));
  const outDims = shapeOf(node.outputs[0]!);
  const m = mergeAxes<Dim>(
    outDims,
    [ranges.map((r, k) => dimMul(Math.abs(r.step), strides[k]!))],
    (k) => (ranges[k]!.step < 0 ? 1 : 0),
  );
  // Negative steps subtract: emit the positive-step part as one strided fn and the negative part
  // as another (merging only within one sign keeps both strided).
  const pos = m.strides[0]!.map((s, i): Dim => (m.groups[i] === 0 ? s : 0));
  const neg = m.strides[0]!.map((s, i): Dim => (m.groups[i] === 1 ? s : 0));
  const out = node.outputs[0]!;
  const prelude = [stridedOffsetFn('fwd', m.dims, pos), stridedOffsetFn('back', m.dims, neg)].join('\n\n');
  return [
    flatKernel(node, ctx, {
      inputs: [node.inputs[0]!],
      outputs: [out],
      total: numelOf(out),
      prelude,
      body: `out0[idx] = in0[${u32(base)} + fwd(idx) - back(idx)];`,
    }),
  ];
};

/**
 * Pad: each output coordinate maps to an input coordinate or to the fill value. Static pads are
 * literals; symbolic ones (a pads input read at run time, ≥ 0 by inference) are table reads, and
 * the fill value may be a one-element input (in1) instead of a literal.
 */
export const generatePad: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'pad') return unsupported(node, 'not a pad');
  const x = node.inputs[0]!;
  const inDims = shapeOf(x);
  const rank = inDims.length;
  if (op.pads.length !== 2 * rank) unsupported(node, `needs ${2 * rank} pads, got ${op.pads.length}`);
  // How much a pad crops (a negative static pad); symbolic pads are ≥ 0 (checked by inference).
  const crop = (p: Dim): number => (typeof p === 'number' ? Math.max(0, -p) : 0);
  const h = new WgslHelpers();
  const axis = (k: number, c: string): string => {
    const begin = op.pads[k]!;
    const end = op.pads[rank + k]!;
    // Negative pads crop first: the kept range is [lo, lo + len) of the input, and padding is
    // placed around it (as numpy and onnxruntime do).
    const lo = crop(begin);
    const len = dimSub(inDims[k]!, lo + crop(end));
    if (typeof len === 'number' && len < 0) unsupported(node, `pads crop more than axis ${k} holds`);
    if (len === 0 && op.mode !== 'constant') unsupported(node, `${op.mode} padding of an empty axis ${k}`);
    const shift: Dim = typeof begin === 'number' ? Math.max(0, begin) : begin;
    const lines = [`var p${k} = i32(${c}) - ${int(shift)};`];
    if (typeof begin === 'number' && typeof end === 'number' && begin <= 0 && end <= 0) {
      // Only cropping: always inside.
    } else if (op.mode === 'constant') {
      lines.push(`inside = inside && p${k} >= 0 && p${k} < ${int(len)};`);
    } else if (op.mode === 'edge' || len === 1) {
      lines.push(`p${k} = clamp(p${k}, 0, ${int(dimSub(len, 1))});`);
    } else {
      // numpy 'reflect' (edge not repeated) is periodic with period 2·(len - 1). A symbolic axis
      // may be 1 long at run time: a period of 1 then maps every position to 0, as it should.
      const period = int(typeof len === 'number' ? 2 * (len - 1) : dimMax(dimMul(2, dimSub(len, 1)), 1));
      lines.push(`p${k} = ((p${k} % ${period}) + ${period}) % ${period};`, `p${k} = select(p${k}, ${period} - p${k}, p${k} >= ${int(len)});`);
    }
    lines.push(`ic = p${k} + ${lo};`);
    return lines.join('\n');
  };
  const out = node.outputs[0]!;
  const fill = node.inputs[1] ? 'in1[0]' : typedLit(op.value, scalarOf(x.type.dtype), h);
  const prelude = [h.render(), mappedOffsetFn(shapeOf(out), dimStrides(inDims), axis)].filter((s) => s).join('\n\n');
  const body = `let s = src(idx);\nout0[idx] = select(${fill}, in0[max(s, 0)], s >= 0);`;
  return [flatKernel(node, ctx, { inputs: node.inputs, outputs: [out], total: numelOf(out), prelude, body })];
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
  const outDims = shapeOf(out);
  const axis = op.axis;
  if (axis < 0 || axis >= outDims.length) unsupported(node, `axis ${axis} out of range for rank ${outDims.length}`);
  const inner = dimProductOf(outDims.slice(axis + 1));
  const outBlock = dimMul(outDims[axis]!, inner);
  // Column offsets of each input within an output block; empty inputs have nothing to copy (a
  // symbolic one that is empty at run time just covers no invocations).
  let col: Dim = 0;
  const parts: { v: Value; col: Dim; block: Dim; size: Dim }[] = [];
  for (const v of node.inputs) {
    const block = dimMul(v.type.shape[axis]!, inner);
    const size = numelOf(v);
    if (size !== 0) parts.push({ v, col, block, size });
    col = dimAdd(col, block);
  }
  const perKernel = Math.max(1, ctx.limits.maxStorageBuffersPerShaderStage - 1);
  const kernels: Kernel[] = [];
  for (let g = 0; g * perKernel < parts.length; g++) {
    const group = parts.slice(g * perKernel, (g + 1) * perKernel);
    let start: Dim = 0;
    const branches = group.map((p, i) => {
      const s = start;
      start = dimAdd(start, p.size);
      return `if (idx < ${u32(start)}) {
  let l = idx - ${u32(s)};
  out0[(l / ${u32(p.block)}) * ${u32(outBlock)} + ${u32(p.col)} + l % ${u32(p.block)}] = in${i}[l];
  return;
}`;
    });
    const suffix = parts.length > perKernel ? `part${g}` : undefined;
    kernels.push(flatKernel(node, ctx, { inputs: group.map((p) => p.v), outputs: [out], total: start, body: branches.join('\n'), suffix }));
  }
  return kernels;
};
