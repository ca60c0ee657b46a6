/**
 * The "rows" skeleton shared by reductions, arg-reductions, softmax and layer norm: the input is
 * viewed as `rows` independent rows of `extent` elements (element r of a row sits at
 * `rowBase(row) + rowOffset(r)`), and a kernel runs one or more reductions over each row, then
 * optionally a loop writing every element of the row.
 *
 * Two strategies, picked by size:
 * - `loop`: one invocation per row, a plain loop over the row. Best when rows are short or many.
 * - `workgroup`: one workgroup per row; its invocations stride over the row, then combine their
 *   partial results with a tree reduction in workgroup memory. Only for a few very long rows (a
 *   global reduction of a big tensor), where loops would leave most of the device idle; its
 *   barriers make it the slower choice on CPU-backed adapters otherwise (see `planRows`).
 *
 * Partial results are combined in a fixed order, so results are deterministic run to run.
 *
 * Symbolic sizes (a model compiled for any batch or sequence length): the row count and the row
 * length may be symbolic Dims. Both strategies have a constant workgroup size and loop over the
 * row, so only the loop bound and the row guard read the dims table; the strategy itself is
 * chosen from what is static (see `chooseMode`).
 */

import type { GpuScalar } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { dimProductOf, dimSymbols, evalDim, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import type { DeviceLimits, Kernel } from '../kernel.js';
import { u32 } from '../dims.js';
import { WG, declareBindings, dispatch1d } from '../wgsl.js';
import { highestLit, kernelName, lowestLit, mergeAxes, stridedOffsetFn } from './common.js';
import type { WgslHelpers } from './wgsl-math.js';
import { groupKernelName, type Epilogue } from '../schedule/epilogue.js';

export type RowMode = 'loop' | 'workgroup';

export interface RowPlan {
  mode: RowMode;
  rows: Dim;
  extent: Dim;
  /** Invocations per workgroup. */
  wg: number;
  workgroups: [Dim, Dim, Dim];
}

/** Invocations cooperating on one row in `workgroup` mode. */
const ROW_WG = 64;

/**
 * Static rows at most this many, over a symbolic row length, take a workgroup per row: the
 * length is unknown, and only a handful of rows leaves loops with too little parallelism
 * (measured below: 8 × 4096 was already faster as loops).
 */
const FEW_ROWS = 2;

/**
 * The strategy for `rows` rows of `extent` elements: a workgroup per row only when rows are so
 * few and so long that one invocation per row would leave the device idle.
 *
 * Measured on lavapipe (mean over the last axis): the workgroup tree pays its barriers on every
 * row, so it lost everywhere but at a handful of very long rows — 1152 rows × 49 took 2.1 ms as
 * workgroups against 0.06 ms as loops, 32 × 12544 0.36 against 0.26, 8 × 4096 0.05 against 0.03;
 * 1 × 50176 0.05 against 0.17 and 4 × 12544 0.056 against 0.065 went the other way.
 *
 * With symbols the choice cannot depend on their values: symbolic rows count as their fewest
 * (every symbol 1), which only makes the long-row case more likely where the static row length
 * warrants it; a symbolic row length is taken as long only for a static handful of rows.
 */
function chooseMode(rows: Dim, extent: Dim): RowMode {
  if (typeof extent !== 'number') return typeof rows === 'number' && rows <= FEW_ROWS ? 'workgroup' : 'loop';
  return extent >= 1024 && fewestOf(rows) * 1024 <= extent ? 'workgroup' : 'loop';
}

/**
 * A size's value with every symbol at 1 (symbolic sizes are products and sums of symbols, so this
 * is their fewest for non-empty inputs): what size-driven choices assume of a symbolic count.
 */
export function fewestOf(d: Dim): number {
  return typeof d === 'number' ? d : evalDim(d, Object.fromEntries(dimSymbols(d).map((s) => [s, 1])));
}

/** Picks the strategy (`chooseMode`); `force` overrides the choice (for tuning and tests). */
export function planRows(rows: Dim, extent: Dim, limits: DeviceLimits, force?: RowMode): RowPlan {
  const mode: RowMode = force ?? chooseMode(rows, extent);
  const maxPerDim = limits.maxComputeWorkgroupsPerDimension;
  if (mode === 'loop') {
    const wg = WG;
    return { mode, rows, extent, wg, workgroups: dispatch1d(rows, wg, maxPerDim) };
  }
  // A power of two, for the halving tree.
  const wg = 2 ** Math.floor(Math.log2(Math.min(ROW_WG, limits.maxComputeInvocationsPerWorkgroup)));
  // One workgroup per row: the same 2-d split as a flat dispatch of `rows` single invocations.
  return { mode, rows, extent, wg, workgroups: dispatch1d(rows, 1, maxPerDim) };
}

/**
 * `main`'s header: binds `row` (u32; returns past the last row, uniformly per workgroup in
 * `workgroup` mode) and `lid` (the invocation's index within its row's workgroup; 0 in `loop`).
 * The caller appends the body and the closing brace.
 */
export function rowMain(plan: RowPlan): string {
  const nx = plan.workgroups[0];
  // A symbolic dispatch's x count is known per run only: the row stride comes from num_workgroups.
  const nwg = typeof nx === 'number' ? '' : ', @builtin(num_workgroups) nwg: vec3<u32>';
  if (plan.mode === 'loop') {
    return `@compute @workgroup_size(${plan.wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>${nwg}) {
  let row = gid.x + gid.y * ${typeof nx === 'number' ? `${nx * plan.wg}u` : `(nwg.x * ${plan.wg}u)`};
  if (row >= ${u32(plan.rows)}) { return; }
  let lid = 0u;`;
  }
  // The row guard reads a literal or the uniform dims table: uniform, so the barriers that follow
  // stay in uniform control flow.
  return `@compute @workgroup_size(${plan.wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>${nwg}) {
  let row = wid.x + wid.y * ${typeof nx === 'number' ? `${nx}u` : 'nwg.x'};
  if (row >= ${u32(plan.rows)}) { return; }
  let lid = lidv.x;`;
}

/** WGSL `for` header visiting this invocation's share of the row, with `r` the element index. */
export function rowLoopHead(plan: RowPlan, r = 'r'): string {
  return plan.mode === 'loop'
    ? `for (var ${r} = 0u; ${r} < ${u32(plan.extent)}; ${r} = ${r} + 1u)`
    : `for (var ${r} = lid; ${r} < ${u32(plan.extent)}; ${r} = ${r} + ${plan.wg}u)`;
}

export interface RowReduction {
  /** Result variable name; also prefixes the shared array's name. */
  name: string;
  /** WGSL type of the accumulator. */
  type: string;
  /** Initial accumulator (the identity of `combine`). */
  init: string;
  /** Statements folding element `r` into accumulator `acc` (a `var`), e.g. `acc = acc + x(r);`. */
  step: (acc: string, r: string) => string;
  /** Expression combining two partial accumulators (workgroup mode only). */
  combine: (a: string, b: string) => string;
}

/**
 * A reduction over the row. Returns module-scope declarations (the workgroup array) and the body
 * statements, after which `let ${name}` holds the row's result in every invocation.
 */
export function rowReduce(plan: RowPlan, red: RowReduction): { decl: string; code: string } {
  const acc = `${red.name}_acc`;
  const loop = `var ${acc}: ${red.type} = ${red.init};
${rowLoopHead(plan)} {
  ${red.step(acc, 'r').split('\n').join('\n  ')}
}`;
  if (plan.mode === 'loop') return { decl: '', code: `${loop}\nlet ${red.name} = ${acc};` };
  const sh = `${red.name}_sh`;
  const code = `${loop}
${sh}[lid] = ${acc};
workgroupBarrier();
for (var s = ${plan.wg / 2}u; s > 0u; s = s >> 1u) {
  if (lid < s) { ${sh}[lid] = ${red.combine(`${sh}[lid]`, `${sh}[lid + s]`)}; }
  workgroupBarrier();
}
let ${red.name} = ${sh}[0];`;
  return { decl: `var<workgroup> ${sh}: array<${red.type}, ${plan.wg}>;`, code };
}

/**
 * The layout of a reduction of `dims` over `axes`: rows are the kept axes, a row's elements the
 * reduced axes (both row-major). Adjacent axes of the same kind merge, so a reduction over
 * trailing contiguous axes has `rowOffset(r) = r` and one division per row.
 */
export function reductionLayout(
  dims: readonly Dim[],
  axes: readonly number[],
): { rows: Dim; extent: Dim; decls: string; contiguous: boolean } {
  const strides = dimStrides(dims);
  const isRed = (i: number) => (axes.includes(i) ? 1 : 0);
  const keptDims: Dim[] = [];
  const keptStrides: Dim[] = [];
  const redDims: Dim[] = [];
  const redStrides: Dim[] = [];
  dims.forEach((d, i) => {
    (isRed(i) ? redDims : keptDims).push(d);
    (isRed(i) ? redStrides : keptStrides).push(strides[i]!);
  });
  const kept = mergeAxes<Dim>(keptDims, [keptStrides]);
  const red = mergeAxes<Dim>(redDims, [redStrides]);
  const rows = dimProductOf(keptDims);
  const extent = dimProductOf(redDims);
  const contiguous = red.dims.length <= 1 && (red.dims.length === 0 || red.strides[0]![0] === 1);
  const decls = [
    stridedOffsetFn('rowBase', kept.dims, kept.strides[0]!),
    contiguous ? 'fn rowOffset(r: u32) -> u32 { return r; }' : stridedOffsetFn('rowOffset', red.dims, red.strides[0]!),
  ].join('\n\n');
  return { rows, extent, decls, contiguous };
}

/** One reduction over the row, with statements to run once it is done. */
export interface Stage {
  red: RowReduction;
  after?: string;
}

/** max or min over the row in scalar `s`; floats propagate NaN (WGSL leaves it to the driver). */
export function extremeReduction(name: string, f: 'max' | 'min', s: GpuScalar, load: (r: string) => string, h: WgslHelpers): RowReduction {
  const init = f === 'max' ? lowestLit(s, h) : highestLit(s, h);
  if (s !== 'f32') {
    return { name, type: s, init, step: (acc, r) => `${acc} = ${f}(${acc}, ${load(r)});`, combine: (a, b) => `${f}(${a}, ${b})` };
  }
  const nan = h.use('isnan');
  return {
    name,
    type: s,
    init,
    // Once NaN, stay NaN: max(NaN, x) is x on some drivers.
    step: (acc, r) => `let x = ${load(r)};\n${acc} = select(${f}(${acc}, x), ${acc} + x, ${nan}(${acc}) || ${nan}(x));`,
    combine: (a, b) => `select(${f}(${a}, ${b}), ${a} + ${b}, ${nan}(${a}) || ${nan}(${b}))`,
  };
}

/** Σ term(x) over the row in scalar `s`. */
export function sumReduction(name: string, s: GpuScalar, load: (r: string) => string, term: (x: string) => string = (x) => x): RowReduction {
  return {
    name,
    type: s,
    init: s === 'f32' ? '0.0' : s === 'i32' ? '0' : '0u',
    step: (acc, r) => `let x = ${load(r)};\n${acc} = ${acc} + ${term('x')};`,
    combine: (a, b) => `${a} + ${b}`,
  };
}

/**
 * Assembles a rows kernel from stages. `prologue` runs first (with `row` and `base` bound);
 * `each` is a loop body run for every element `r` of the row (by all the row's invocations,
 * after the stages); `finish` runs once per row, by its leader. With an epilogue (whose output
 * array is `out0`), the kernel binds its extra inputs and stores its output instead of the
 * node's; `each`/`finish` then store through `epilogue.store`.
 */
export function rowsKernel(
  node: Node,
  rp: RowPlan,
  parts: { decls: string[]; prologue?: string; stages: Stage[]; each?: string; finish?: string },
  epilogue?: Epilogue,
): Kernel {
  const indent = (code: string, pad: string) => `${pad}${code.split('\n').join(`\n${pad}`)}`;
  const bodies = parts.stages.map((st) => {
    const r = rowReduce(rp, st.red);
    return { decl: r.decl, code: st.after ? `${r.code}\n${st.after}` : r.code };
  });
  const wgsl = [
    epilogue ? [declareBindings(node.inputs, []), epilogue.declarations()].filter((d) => d !== '').join('\n') : declareBindings(node.inputs, node.outputs),
    ...parts.decls.filter((d) => d !== ''),
    ...bodies.map((b) => b.decl).filter((d) => d !== ''),
    rowMain(rp),
    '  let base = rowBase(row);',
    ...(parts.prologue ? [indent(parts.prologue, '  ')] : []),
    ...bodies.map((b) => indent(b.code, '  ')),
    ...(parts.each ? [`  ${rowLoopHead(rp)} {`, indent(parts.each, '    '), '  }'] : []),
    ...(parts.finish ? ['  if (lid == 0u) {', indent(parts.finish, '    '), '  }'] : []),
    '}',
    '',
  ].join('\n');
  if (!epilogue) return { name: kernelName(node), wgsl, inputs: node.inputs, outputs: node.outputs, workgroups: rp.workgroups };
  const name = groupKernelName(node, epilogue.group);
  return { name, wgsl, inputs: [...node.inputs, ...epilogue.inputs], outputs: epilogue.outputs, workgroups: rp.workgroups };
}
