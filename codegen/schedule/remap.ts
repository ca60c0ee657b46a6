/**
 * WGSL for a store path (codegen/schedule/stores.ts): from an element's flat offset in the value
 * a kernel computes to its flat offset in the value it stores into, through reshapes, transposes,
 * slices and concats, plus the condition for elements a slice drops.
 *
 * The position is tracked either as a flat offset or as per-axis coordinates, converting only when
 * a step needs the other form: a reshape is free on a flat offset, a concat along an axis is two
 * divisions of one (the block of the input's axis and everything inside it moves as a whole), and
 * transposes and slices work on coordinates. Slice bounds use unsigned wrap-around, so one compare
 * rejects coordinates on both sides of the range.
 *
 * Dims may be symbolic (a model compiled for any batch or sequence length): sizes, strides and
 * offsets are then Dim expressions (ir/dim.ts) rendered as reads of the dims table.
 */

import { resolveSliceDims } from '../../ir/infer.js';
import { dimAdd, dimConstDiff, dimMul, dimProductOf, dimSub, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import { u32 } from '../dims.js';
import { offsetToCoords, shapeOf } from '../wgsl.js';
import type { PathStep } from './stores.js';

type Position = { flat: string; dims: Dim[] } | { coords: string[]; dims: Dim[] };

export interface RenderedPath {
  /** Statements to run first (they bind `${prefix}*` names). */
  lines: string[];
  /** Conditions that must all hold for the element to be stored (empty: always). */
  conditions: string[];
  /** The flat offset in the target value. */
  offset: string;
  /** When the path ends in a conv's padded input copy: what `padBorder` needs. */
  pad?: PadPosition;
}

/** An element's place in a padded copy: its plane's base offset and its row and column. */
export interface PadPosition {
  base: string;
  h: string;
  w: string;
  /** Data rows and columns; padded rows and row width; zeros before the data. */
  H: Dim;
  W: Dim;
  R: Dim;
  RW: Dim;
  top: number;
  left: number;
}

/** Maps flat offset `flat` in a value of `dims` along `path`; names are prefixed by `prefix`. */
export function renderPath(flat: string, dims: readonly Dim[], path: readonly PathStep[], prefix: string): RenderedPath {
  const lines: string[] = [];
  const conditions: string[] = [];
  let n = 0;
  const fresh = (e: string): string => {
    const name = `${prefix}${n++}`;
    lines.push(`let ${name} = ${e};`);
    return name;
  };
  const toFlat = (p: Position): string => {
    if ('flat' in p) return p.flat;
    const strides = dimStrides(p.dims);
    const terms = p.coords.map((c, k) => (p.dims[k] === 1 ? '' : strides[k] === 1 ? c : `${c} * ${u32(strides[k]!)}`)).filter((t) => t !== '');
    return fresh(terms.length ? terms.join(' + ') : '0u');
  };
  const toCoords = (p: Position): string[] => {
    if ('coords' in p) return p.coords;
    const c = `${prefix}${n++}_`;
    lines.push(...offsetToCoords(p.flat, p.dims, c).split('\n').map((l) => l.trim()));
    return p.dims.map((_, k) => `${c}${k}`);
  };

  let pos: Position = { flat, dims: [...dims] };
  for (const [k, { node, input, pad }] of path.entries()) {
    const op = node.op;
    if (pad) {
      if (k !== path.length - 1) throw new Error(`store path: the padded input of '${node.name}' must end the path`);
      return { lines, conditions, ...padStep(pos, pad.dims, pad.padBegin) };
    }
    const out = shapeOf(node.outputs[0]!);
    switch (op.kind) {
      case 'reshape':
        pos = { flat: toFlat(pos), dims: out };
        break;
      case 'transpose': {
        const c = toCoords(pos);
        pos = { coords: op.perm.map((p) => c[p]!), dims: out };
        break;
      }
      case 'slice': {
        const c = toCoords(pos);
        const inDims: Dim[] = pos.dims;
        const ranges = resolveSliceDims(inDims, op);
        const next = c.map((x, k) => {
          const r = ranges[k]!;
          // Start and size may be symbolic (a slice bound relative to a symbolic dim).
          const start: Dim = r.start;
          const size: Dim = r.size;
          if (start === 0 && r.step === 1 && size === inDims[k]) return x;
          // Distance from the first kept coordinate in the step's direction (wraps when behind it).
          const d = fresh(r.step > 0 ? `${x} - ${u32(start)}` : `${u32(start)} - ${x}`);
          const s = Math.abs(r.step);
          if (s === 1) {
            conditions.push(`${d} < ${u32(size)}`);
            return d;
          }
          conditions.push(`${d} % ${s}u == 0u`, `${d} / ${s}u < ${u32(size)}`);
          return fresh(`${d} / ${s}u`);
        });
        pos = { coords: next, dims: out };
        break;
      }
      case 'concat': {
        const axis = op.axis;
        const offset = dimAdd(...node.inputs.slice(0, input).map((v) => v.type.shape[axis]!));
        const inDims: Dim[] = pos.dims;
        const inner: Dim = dimProductOf(inDims.slice(axis + 1));
        const block: Dim = dimMul(inDims[axis]!, inner);
        const f: string = toFlat(pos);
        const outBlock: Dim = dimMul(out[axis]!, inner);
        // (outer, rest) of the input's block → same rest at the input's offset in the output's block.
        const outer: string = dimProductOf(inDims.slice(0, axis)) === 1 ? '0u' : fresh(`${f} / ${u32(block)}`);
        const rest: string = outer === '0u' ? f : fresh(`${f} % ${u32(block)}`);
        const base: string = outer === '0u' ? '' : `${outer} * ${u32(outBlock)} + `;
        const shift = dimMul(offset, inner);
        pos = { flat: fresh(`${base}${rest}${shift !== 0 ? ` + ${u32(shift)}` : ''}`), dims: out };
        break;
      }
      default:
        throw new Error(`store path through '${node.name}' (${op.kind}): not a movement op`);
    }
  }
  return { lines, conditions, offset: toFlat(pos) };

  /** Into a conv's padded copy [N, C, (R,) RW] of data [N, C, (H,) W]. */
  function padStep(p: Position, padDims: readonly Dim[], padBegin: number[]): { offset: string; pad: PadPosition } {
    const c = toCoords(p);
    const spatial = p.dims.length - 2;
    if (spatial < 1 || spatial > 2) throw new Error(`store path: a padded copy of rank ${p.dims.length} is not supported`);
    const C = p.dims[1]!;
    const [H, W, top, left]: [Dim, Dim, number, number] =
      spatial === 2 ? [p.dims[2]!, p.dims[3]!, padBegin[0]!, padBegin[1]!] : [1, p.dims[2]!, 0, padBegin[0]!];
    const [R, RW]: [Dim, Dim] = spatial === 2 ? [padDims[2]!, padDims[3]!] : [1, padDims[2]!];
    const base = fresh(`(${c[0]} * ${u32(C)} + ${c[1]}) * ${u32(dimMul(R, RW))}`);
    const h = spatial === 2 ? c[2]! : '0u';
    const w = c[c.length - 1]!;
    const offset = fresh(`${base} + (${h} + ${top}u) * ${u32(RW)} + ${w} + ${left}u`);
    return { offset, pad: { base, h, w, H, W, R, RW, top, left } };
  }
}

/**
 * A WGSL function `name(base, h, w)` zeroing the part of a padded copy's border that element
 * (h, w) of a plane owns: left of its row when w = 0, right of it when w = W - 1, and the same
 * for every row above the data when h = 0 and below it when h = H - 1. Every border element has
 * exactly one owner, so the copy is complete after one pass, with no separate clearing kernel.
 */
export function padBorderFn(name: string, target: string, zero: string, p: PadPosition): string {
  const { H, W, R, RW, top, left } = p;
  // Whether padded rows (columns right of the data) exist; with symbolic sizes whose difference
  // is not a constant, assume they may: the general form is correct when there are none.
  const moreRows = (dimConstDiff(R, H) ?? 1) > 0;
  const moreCols = (dimConstDiff(RW, dimAdd(left, W)) ?? 1) > 0;
  const body: string[] = [];
  if (moreRows) {
    body.push(`  let r0 = select(h + ${top}u, 0u, h == 0u);`, `  let r1 = select(h + ${top + 1}u, ${u32(R)}, h == ${u32(dimSub(H, 1))});`);
  } else {
    body.push(`  let r0 = h + ${top}u;`, '  let r1 = r0 + 1u;');
  }
  body.push('  for (var r = r0; r < r1; r++) {', `    let rb = base + r * ${u32(RW)};`);
  if (moreRows) body.push(`    if (r != h + ${top}u) { ${target}[rb + w + ${left}u] = ${zero}; }`);
  if (left > 0) body.push(`    if (w == 0u) { for (var j = 0u; j < ${left}u; j++) { ${target}[rb + j] = ${zero}; } }`);
  if (moreCols) body.push(`    if (w == ${u32(dimSub(W, 1))}) { for (var j = ${u32(dimAdd(left, W))}; j < ${u32(RW)}; j++) { ${target}[rb + j] = ${zero}; } }`);
  body.push('  }');
  return `fn ${name}(base: u32, h: u32, w: u32) {\n${body.join('\n')}\n}`;
}
