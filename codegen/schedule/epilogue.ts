/**
 * Renders a fused group (codegen/schedule/fuse.ts) as WGSL at an anchor kernel's one store — its
 * elementwise epilogue, then a store into every value the group writes (remapped through movement
 * ops and into padded conv inputs by remap.ts) — and the kernels of purely elementwise groups and
 * of copy groups.
 *
 * An anchor kernel (conv, matmul, pool, reduce, softmax, layer norm) owns its bindings up to its
 * own inputs; an `Epilogue` adds the group's extra inputs after them and the values it stores
 * after those (the Kernel binding contract: inputs, then outputs), and turns "the anchor's value
 * `acc` at flat output offset `offset`" into statements that evaluate the epilogue and store the
 * result. Without a group it is the plain store, so anchors have one code path.
 *
 * Index math: each external operand is read at its broadcast offset, computed straight from the
 * flat output offset over merged axes (a per-channel bias of a conv output is `offset / (H·W)`,
 * a same-shape residual is `offset` itself). Values inside a group are evaluated at the output
 * element's coordinates; a node smaller than the output (a broadcast inside an elementwise group)
 * is evaluated at the projection of those coordinates, which is exact because broadcasting
 * composes. Across a reshape only full-size values flow, so each node's operands are indexed in
 * its own "frame": its output dims when full size, else those of the node consuming it.
 *
 * Shapes may be symbolic (a model compiled for any batch or sequence length): sizes, strides and
 * element counts are then Dim expressions (ir/dim.ts) read from the dims table (codegen/dims.ts),
 * and "full size" means an element count equal to the output's for every value of the symbols.
 */

import type { Node, Value } from '../../ir/graph.js';
import { isElementwise, type Op } from '../../ir/ops.js';
import { dimEquals, dimMul, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import type { CodegenContext, Kernel } from '../kernel.js';
import { u32 } from '../dims.js';
import { numelOf, scalarOf, shapeOf, WG, dispatch1d, flatMain } from '../wgsl.js';
import { elementwiseExpr, WgslHelpers } from '../kernels/elementwise.js';
import { mergeAxes, typedLit } from '../kernels/common.js';
import { isInlineConstant, type FusedGroup, type StoreTarget } from './fuse.js';
import { padBorderFn, renderPath } from './remap.js';

type ElementwiseOp = Extract<Op, { kind: 'unary' | 'binary' | 'where' | 'cast' }>;

export interface EpilogueOptions {
  /** Binding number of the first extra input; the output's binding follows the extra inputs. */
  firstBinding: number;
  /** The anchor kernel's helper set, so shared functions are declared once. */
  helpers: WgslHelpers;
  /** WGSL name the anchor gives its output array (default `y`). */
  outputName?: string;
}

/**
 * WGSL expression for the offset in a tensor of `dims` broadcast into `frame`, from flat index `i`.
 * Symbolic dims and strides read the dims table (codegen/dims.ts).
 */
export function broadcastFromFlat(dims: readonly Dim[], frame: readonly Dim[], i: string): string {
  const own = dimStrides(dims);
  const strides = frame.map((_, k): Dim => {
    const j = k - (frame.length - dims.length);
    return j >= 0 && dims[j] !== 1 ? own[j]! : 0;
  });
  const merged = mergeAxes(frame, [strides]);
  const d = merged.dims;
  const s = merged.strides[0]!;
  const terms: string[] = [];
  let inner: Dim = 1;
  for (let m = d.length - 1; m >= 0; m--) {
    if (s[m] !== 0) {
      let t = inner === 1 ? i : `(${i} / ${u32(inner)})`;
      if (m > 0) t = `(${t} % ${u32(d[m]!)})`;
      terms.push(s[m] === 1 ? t : `${t} * ${u32(s[m]!)}`);
    }
    inner = dimMul(inner, d[m]!);
  }
  return terms.length ? terms.reverse().join(' + ') : '0u';
}

/** A scalar constant as a WGSL literal of its GPU scalar type. */
function literal(v: Value, h: WgslHelpers): string {
  const t = v.data!;
  const x = t.data[0]!;
  return typedLit(typeof x === 'bigint' ? Number(x) : x, scalarOf(t.dtype), h);
}

/** A name for the kernel of a group: the anchor's node name and the fused ops. */
export function groupKernelName(node: Node, group: FusedGroup | undefined): string {
  const scaled = group?.inputScale ? 'mul+' : '';
  if (!group || group.epilogue.length === 0) return `${scaled}${node.name}`;
  const what = group.epilogue.map((n) => (n.op.kind === 'unary' || n.op.kind === 'binary' ? n.op.fn : n.op.kind));
  return `${scaled}${node.name}+${what.join('+')}`;
}

export class Epilogue {
  /** Extra inputs, bound in this order from `firstBinding`. */
  readonly inputs: Value[];
  /** The values the kernel stores into, bound in this order after the extra inputs. */
  readonly outputs: Value[];
  readonly outputBinding: number;
  readonly outputName: string;
  private readonly nodes: Node[];
  private readonly stores: StoreTarget[];
  private readonly h: WgslHelpers;
  private readonly firstBinding: number;
  /** Module-scope functions the stores call (by name), declared with the bindings. */
  private readonly fns = new Map<string, string>();

  /**
   * `anchorOut` is the anchor's own output (the value its kernel computes as `acc`), or undefined
   * for an elementwise group, whose nodes are all rendered here. A copy group's value is `acc`.
   */
  constructor(
    readonly group: FusedGroup | undefined,
    private readonly anchorOut: Value | undefined,
    opts: EpilogueOptions,
  ) {
    if (!group && !anchorOut) throw new Error('Epilogue needs a group or an anchor output');
    this.inputs = group && !group.copy ? group.inputs : [];
    this.stores = group?.stores ?? [{ value: anchorOut!, path: [] }];
    this.outputs = [...new Set(this.stores.map((t) => t.value))];
    this.nodes = group ? (anchorOut ? group.epilogue : [group.anchor, ...group.epilogue]) : [];
    this.h = opts.helpers;
    this.firstBinding = opts.firstBinding;
    this.outputBinding = opts.firstBinding + this.inputs.length;
    this.outputName = opts.outputName ?? 'y';
    for (const n of this.nodes) {
      if (!isElementwise(n.op)) throw new Error(`epilogue node '${n.name}' (${n.op.kind}) is not elementwise`);
    }
  }

  /**
   * Whether the store is costly enough in code that a kernel storing many elements per invocation
   * should loop over one copy of it rather than unroll it: it writes a padded copy's border, or
   * evaluates a long epilogue.
   */
  isHeavy(): boolean {
    return this.stores.some((t) => t.path.some((s) => s.pad)) || this.nodes.length > 4;
  }

  /** WGSL name of output `j`: the anchor's own name for the first, `ep_out<j>` for the others. */
  private outName(j: number): string {
    return j === 0 ? this.outputName : `ep_out${j}`;
  }

  /** The extra inputs' and the outputs' storage declarations, and functions the stores call. */
  declarations(): string {
    const lines = this.inputs.map(
      (v, k) => `@group(0) @binding(${this.firstBinding + k}) var<storage, read> ep_in${k}: array<${scalarOf(v.type.dtype)}>;`,
    );
    this.outputs.forEach((v, j) => {
      lines.push(`@group(0) @binding(${this.outputBinding + j}) var<storage, read_write> ${this.outName(j)}: array<${scalarOf(v.type.dtype)}>;`);
    });
    return [...lines, ...this.fns.values()].join('\n');
  }

  /**
   * WGSL statements storing the group's result for output element `offset` (a u32 expression),
   * given the anchor's value `acc` there (an expression of the anchor output's scalar type; unused
   * for an elementwise group). Meant for a block of its own: it declares `ep_*` names.
   */
  store(offset: string, acc = ''): string {
    const plain = this.stores.length === 1 && this.stores[0]!.path.length === 0;
    if (this.nodes.length === 0 && this.anchorOut && plain) return `${this.outputName}[${offset}] = ${acc};`;
    const lines: string[] = [`let ep_i = ${offset};`];
    const names = new Map<Value, string>();
    if (this.anchorOut) {
      lines.push(`let ep_a = ${acc};`);
      names.set(this.anchorOut, 'ep_a');
    }
    // Reshapes inside the group alias their input's name (flat offsets agree at full size).
    const alias = new Map<Value, Value>();
    for (const r of this.group?.views ?? []) alias.set(r.outputs[0]!, r.inputs[0]!);
    const resolve = (v: Value): Value => {
      let x = v;
      while (alias.has(x)) x = alias.get(x)!;
      return x;
    };
    const frames = this.frames(resolve);
    const total = dimMul(...this.valueShape());
    const loads = new Map<string, string>();
    const operand = (v: Value, frame: Dim[]): string => {
      const r = resolve(v);
      const own = names.get(r);
      if (own) return own;
      if (isInlineConstant(r)) return literal(r, this.h);
      const k = this.inputs.indexOf(r);
      if (k < 0) throw new Error(`epilogue operand '${r.name}' is neither computed in the group nor one of its inputs`);
      // Equal element counts (for every symbol value) mean the same layout as the frame.
      const off = dimEquals(numelOf(r), total) ? 'ep_i' : broadcastFromFlat(shapeOf(r), frame, 'ep_i');
      const key = `ep_in${k}[${off}]`;
      let name = loads.get(key);
      if (!name) {
        name = `ep_x${loads.size}`;
        loads.set(key, name);
        lines.push(`let ${name} = ${key};`);
      }
      return name;
    };
    this.nodes.forEach((n, j) => {
      const frame = frames.get(n)!;
      const args = n.inputs.map((v) => operand(v, frame));
      let expr: string;
      try {
        expr = elementwiseExpr(n.op as ElementwiseOp, args, n.inputs.map((v) => v.type.dtype), this.h);
      } catch (e) {
        throw new Error(`node '${n.name}' (${n.op.kind}): ${(e as Error).message}`, { cause: e });
      }
      const name = `ep_v${j}`;
      lines.push(`let ${name} = ${expr};`);
      names.set(n.outputs[0]!, name);
    });
    const value = this.group?.output ?? this.anchorOut!;
    const result = names.get(resolve(value));
    if (!result) throw new Error(`epilogue value '${value.name}' is not computed by the group`);
    this.stores.forEach((t, s) => {
      const out = this.outName(this.outputs.indexOf(t.value));
      if (t.path.length === 0) {
        lines.push(`${out}[ep_i] = ${result};`);
        return;
      }
      const p = renderPath('ep_i', shapeOf(value), t.path, `ep_p${s}_`);
      let write = `${out}[${p.offset}] = ${result};`;
      if (p.pad) {
        // The padded copy's border zeros are written by the elements on the data's edges.
        const fn = `ep_border_${out}`;
        const zero = scalarOf(t.value.type.dtype) === 'f32' ? '0.0' : `${scalarOf(t.value.type.dtype)}(0)`;
        this.fns.set(fn, padBorderFn(fn, out, zero, p.pad));
        write += ` ${fn}(${p.pad.base}, ${p.pad.h}, ${p.pad.w});`;
      }
      lines.push('{', ...p.lines, p.conditions.length ? `if (${p.conditions.join(' && ')}) { ${write} }` : write, '}');
    });
    return lines.join('\n');
  }

  /** Dims of the value the group computes per element. */
  private valueShape(): Dim[] {
    return shapeOf(this.group?.output ?? this.anchorOut!);
  }

  /**
   * The dims each rendered node's operands are indexed in: its own output dims when they hold
   * every output element, else the frame of the node that consumes it.
   */
  private frames(resolve: (v: Value) => Value): Map<Node, Dim[]> {
    const total = dimMul(...this.valueShape());
    const frames = new Map<Node, Dim[]>();
    for (let j = this.nodes.length - 1; j >= 0; j--) {
      const n = this.nodes[j]!;
      const out = n.outputs[0]!;
      if (dimEquals(numelOf(out), total)) {
        frames.set(n, shapeOf(out));
        continue;
      }
      const consumer = this.nodes.slice(j + 1).find((c) => c.inputs.some((v) => resolve(v) === out));
      if (!consumer) throw new Error(`epilogue node '${n.name}' is smaller than the output and has no consumer in the group`);
      frames.set(n, frames.get(consumer)!);
    }
    return frames;
  }
}

/** Whether a group only stores its anchor's output as is (no epilogue, no remapped stores). */
export function isPlainGroup(group: FusedGroup): boolean {
  const [t, ...rest] = group.stores;
  const own = !t || (t.path.length === 0 && t.value === group.output);
  return group.epilogue.length === 0 && !group.copy && !group.padded && !group.inputScale && rest.length === 0 && own;
}

/** A plain store (no fusion) or the group's epilogue for an anchor whose output is `anchorOut`. */
export function anchorEpilogue(group: FusedGroup | undefined, anchorOut: Value, opts: EpilogueOptions): Epilogue {
  return new Epilogue(group && !isPlainGroup(group) ? group : undefined, anchorOut, opts);
}

/** One kernel for a purely elementwise group: one invocation per element of its value. */
export function generateElementwiseGroup(group: FusedGroup, ctx: CodegenContext): Kernel[] {
  // A symbolic total that is 0 at run time gives a 0-group dispatch, which the runtime skips.
  const total = numelOf(group.output);
  if (total === 0) return [];
  const h = new WgslHelpers();
  const ep = new Epilogue(group, undefined, { firstBinding: 0, helpers: h, outputName: 'out0' });
  return [flatGroupKernel(groupKernelName(group.anchor, group), ep, h, '', ep.store('idx'), total, group.inputs, ctx)];
}

/** The kernel of a copy group: reads each element of its value once and stores it along its paths. */
export function generateCopyGroup(group: FusedGroup, ctx: CodegenContext): Kernel[] {
  const src = group.output;
  const total = numelOf(src);
  if (total === 0) return [];
  const h = new WgslHelpers();
  const ep = new Epilogue(group, src, { firstBinding: 1, helpers: h, outputName: 'out0' });
  const decl = `@group(0) @binding(0) var<storage, read> src: array<${scalarOf(src.type.dtype)}>;`;
  const targets = ep.outputs.map((v) => v.name).join(', ');
  return [flatGroupKernel(`copy ${src.name} → ${targets}`, ep, h, decl, ep.store('idx', 'src[idx]'), total, [src], ctx)];
}

function flatGroupKernel(name: string, ep: Epilogue, h: WgslHelpers, decl: string, body: string, total: Dim, inputs: Value[], ctx: CodegenContext): Kernel {
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const wgsl = [[decl, ep.declarations()].filter((d) => d !== '').join('\n'), h.render(), `${flatMain(total, WG, maxPerDim)}\n  ${body.split('\n').join('\n  ')}\n}\n`]
    .filter((s) => s !== '')
    .join('\n\n');
  return { name, wgsl, inputs, outputs: ep.outputs, workgroups: dispatch1d(total, WG, maxPerDim) };
}
