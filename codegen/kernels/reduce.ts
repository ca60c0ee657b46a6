/**
 * Reductions (`reduce`, every ReduceFn, any set of axes) and arg-reductions (`argReduce`).
 *
 * The input is viewed as rows (kept axes) of elements (reduced axes) by `reductionLayout`, and
 * each row is reduced by one invocation or one workgroup (see row-reduce.ts for which). Floats
 * accumulate in f32; integers in their own 32-bit word (exact, wrapping like the host), except
 * the fns that need real arithmetic (l2's root, logs), which finish in f32 and truncate. max and
 * min propagate NaN as numpy does. Empty reductions yield the fn's identity (sum 0, prod 1,
 * max −∞, …; mean 0/0 = NaN), as ONNX-18 specifies. Kept and reduced extents may be symbolic
 * (read from the dims table, codegen/dims.ts).
 */

import type { GpuScalar } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import type { ReduceFn } from '../../ir/ops.js';
import type { Dim } from '../../ir/dim.js';
import { f32 as f32Dim, i32 as i32Dim, u32 as u32Dim } from '../dims.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { anchorEpilogue } from '../schedule/epilogue.js';
import type { FusedGroup } from '../schedule/fuse.js';
import { scalarOf, shapeOf } from '../wgsl.js';
import { highestLit, lowestLit, unsupported } from './common.js';
import { wrapInt } from './elementwise.js';
import {
  extremeReduction,
  planRows,
  reductionLayout,
  rowsKernel,
  sumReduction,
  type RowReduction,
  type Stage,
} from './row-reduce.js';
import { WgslHelpers } from './wgsl-math.js';

/**
 * The stages of `fn` accumulating in `s`, and the final value's expression (in `s`, before any
 * conversion to the output's scalar).
 */
function plan(fn: ReduceFn, s: GpuScalar, extent: Dim, load: (r: string) => string, h: WgslHelpers): { stages: Stage[]; result: string } {
  const f32 = (e: string) => (s === 'f32' ? e : `f32(${e})`);
  switch (fn) {
    case 'sum':
    case 'sumSquare':
      return { stages: [{ red: sumReduction('total', s, load, fn === 'sum' ? undefined : (x) => `${x} * ${x}`) }], result: 'total' };
    case 'mean':
      // Integer means truncate toward zero, as WGSL integer division does.
      return { stages: [{ red: sumReduction('total', s, load) }], result: `total / ${meanDivisor(s, extent)}` };
    case 'l1':
      return { stages: [{ red: sumReduction('total', s, load, (x) => (s === 'u32' ? x : `abs(${x})`)) }], result: 'total' };
    case 'l2':
      return { stages: [{ red: sumReduction('total', s, load, (x) => `${x} * ${x}`) }], result: `sqrt(${f32('total')})` };
    case 'logSum':
      return { stages: [{ red: sumReduction('total', s, load) }], result: `log(${f32('total')})` };
    case 'prod':
      return {
        stages: [
          {
            red: {
              name: 'total',
              type: s,
              init: s === 'f32' ? '1.0' : s === 'i32' ? '1' : '1u',
              step: (acc, r) => `${acc} = ${acc} * ${load(r)};`,
              combine: (a, b) => `${a} * ${b}`,
            },
          },
        ],
        result: 'total',
      };
    case 'max':
    case 'min':
      return { stages: [{ red: extremeReduction('total', fn, s, load, h) }], result: 'total' };
    case 'logSumExp': {
      // Always in f32 (see the caller). Shift by the row max so exp cannot overflow; a row of
      // −∞ (or an empty one) keeps shift 0, giving log(0) = −∞.
      const inf = h.use('isinf');
      return {
        stages: [
          { red: extremeReduction('mx', 'max', 'f32', load, h), after: `let shift = select(mx, 0.0, ${inf}(mx));` },
          { red: sumReduction('total', 'f32', load, (x) => `exp(${x} - shift)`) },
        ],
        result: 'shift + log(total)',
      };
    }
    default: {
      const never: never = fn;
      throw new Error(`unknown reduce fn ${String(never)}`);
    }
  }
}

/** The element count as a WGSL literal or table read of accumulator scalar `s`. */
function meanDivisor(s: GpuScalar, extent: Dim): string {
  if (typeof extent === 'number') return s === 'f32' ? `${extent}.0` : `${extent}${s === 'u32' ? 'u' : ''}`;
  return s === 'f32' ? f32Dim(extent) : s === 'u32' ? u32Dim(extent) : i32Dim(extent);
}

function axesOf(node: Node, axes: readonly number[], rank: number): number[] {
  const all = axes.length === 0 ? [...Array(rank).keys()] : [...axes];
  for (const a of all) if (a < 0 || a >= rank) unsupported(node, `axis ${a} out of range for rank ${rank}`);
  return all;
}

export const generateReduce: KernelGenerator = (node, ctx: CodegenContext) => reduceKernels(node, ctx);

/** The reduce kernel of `node`, with a fused group's epilogue rendered at the store when given. */
export function reduceKernels(node: Node, ctx: CodegenContext, group?: FusedGroup): Kernel[] {
  const op = node.op;
  if (op.kind !== 'reduce') return unsupported(node, 'not a reduce');
  const x = node.inputs[0]!;
  const dims = shapeOf(x);
  const s = scalarOf(x.type.dtype);
  if (x.type.dtype === 'bool') unsupported(node, 'reduce is not defined on bool');
  const layout = reductionLayout(dims, axesOf(node, op.axes, dims.length));
  const rp = planRows(layout.rows, layout.extent, ctx.limits);
  const h = new WgslHelpers();
  // logSumExp of integers is real arithmetic throughout; every other fn accumulates in the
  // input's own scalar.
  const acc: GpuScalar = op.fn === 'logSumExp' ? 'f32' : s;
  const load = (r: string) => (acc === s ? `in0[base + rowOffset(${r})]` : `f32(in0[base + rowOffset(${r})])`);
  const { stages, result } = plan(op.fn, acc, layout.extent, load, h);
  const resultIsF32 = acc === 'f32' || op.fn === 'l2' || op.fn === 'logSum';
  // Real-valued results of integer reductions truncate toward zero into the output, like the host.
  // 8/16-bit integer results wrap to their width, as the host stores them.
  const value = wrapInt(resultIsF32 && s !== 'f32' ? `${s}(${result})` : result, x.type.dtype);
  const ep = anchorEpilogue(group, node.outputs[0]!, { firstBinding: node.inputs.length, helpers: h, outputName: 'out0' });
  const finish = ep.store('row', value);
  return [rowsKernel(node, rp, { decls: [h.render(), layout.decls], stages, finish }, ep)];
}

export const generateArgReduce: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'argReduce') return unsupported(node, 'not an argReduce');
  const x = node.inputs[0]!;
  const dims = shapeOf(x);
  const s = scalarOf(x.type.dtype);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const layout = reductionLayout(dims, [op.axis]);
  const rp = planRows(layout.rows, layout.extent, ctx.limits);
  // A candidate beats the incumbent when strictly better, or — with selectLastIndex — equal.
  // An index of -1 marks an invocation that saw no element.
  const h = new WgslHelpers();
  const cmp = op.fn === 'max' ? '>' : '<';
  const beats = op.selectLastIndex ? `${cmp}=` : cmp;
  const red: RowReduction = {
    name: 'best',
    type: 'ArgAcc',
    init: `ArgAcc(${op.fn === 'max' ? lowestLit(s, h) : highestLit(s, h)}, -1)`,
    step: (acc, r) => `let x = in0[base + rowOffset(${r})];\nif (${acc}.i < 0 || x ${beats} ${acc}.v) { ${acc} = ArgAcc(x, i32(${r})); }`,
    combine: (a, b) => `argCombine(${a}, ${b})`,
  };
  const decls = [
    h.render(),
    `struct ArgAcc { v: ${s}, i: i32 }`,
    `fn argCombine(a: ArgAcc, b: ArgAcc) -> ArgAcc {
  if (b.i < 0) { return a; }
  if (a.i < 0) { return b; }
  // Partial results cover interleaved indices, so ties are settled by the index itself.
  if (b.v ${cmp} a.v || (b.v == a.v && b.i ${op.selectLastIndex ? '>' : '<'} a.i)) { return b; }
  return a;
}`,
    layout.decls,
  ];
  return [rowsKernel(node, rp, { decls, stages: [{ red }], finish: 'out0[row] = max(best.i, 0);' })];
};
