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
 */

import { resolveSlice } from '../../ir/infer.js';
import { stridesOf } from '../../ir/shape.js';
import { dimsOf, offsetToCoords } from '../wgsl.js';
import type { PathStep } from './stores.js';

type Position = { flat: string; dims: number[] } | { coords: string[]; dims: number[] };

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
  H: number;
  W: number;
  R: number;
  RW: number;
  top: number;
  left: number;
}

const prod = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** Maps flat offset `flat` in a value of `dims` along `path`; names are prefixed by `prefix`. */
export function renderPath(flat: string, dims: number[], path: readonly PathStep[], prefix: string): RenderedPath {
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
    const strides = stridesOf(p.dims);
    const terms = p.coords.map((c, k) => (p.dims[k] === 1 ? '' : strides[k] === 1 ? c : `${c} * ${strides[k]}u`)).filter((t) => t !== '');
    return fresh(terms.length ? terms.join(' + ') : '0u');
  };
  const toCoords = (p: Position): string[] => {
    if ('coords' in p) return p.coords;
    const c = `${prefix}${n++}_`;
    lines.push(...offsetToCoords(p.flat, p.dims, c).split('\n').map((l) => l.trim()));
    return p.dims.map((_, k) => `${c}${k}`);
  };

  let pos: Position = { flat, dims };
  for (const [k, { node, input, pad }] of path.entries()) {
    const op = node.op;
    if (pad) {
      if (k !== path.length - 1) throw new Error(`store path: the padded input of '${node.name}' must end the path`);
      return { lines, conditions, ...padStep(pos, pad.dims, pad.padBegin) };
    }
    const out = dimsOf(node.outputs[0]!);
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
        const inDims: number[] = pos.dims;
        const ranges = resolveSlice(inDims, op);
        const next = c.map((x, k) => {
          const r = ranges[k]!;
          if (r.start === 0 && r.step === 1 && r.size === inDims[k]) return x;
          // Distance from the first kept coordinate in the step's direction (wraps when behind it).
          const d = fresh(r.step > 0 ? `${x} - ${r.start}u` : `${r.start}u - ${x}`);
          const s = Math.abs(r.step);
          if (s === 1) {
            conditions.push(`${d} < ${r.size}u`);
            return d;
          }
          conditions.push(`${d} % ${s}u == 0u`, `${d} / ${s}u < ${r.size}u`);
          return fresh(`${d} / ${s}u`);
        });
        pos = { coords: next, dims: out };
        break;
      }
      case 'concat': {
        const axis = op.axis;
        const offset = node.inputs.slice(0, input).reduce((a, v) => a + dimsOf(v)[axis]!, 0);
        const inDims: number[] = pos.dims;
        const inner: number = prod(inDims.slice(axis + 1));
        const block: number = inDims[axis]! * inner;
        const f: string = toFlat(pos);
        const outBlock: number = out[axis]! * inner;
        // (outer, rest) of the input's block → same rest at the input's offset in the output's block.
        const outer: string = prod(inDims.slice(0, axis)) === 1 ? '0u' : fresh(`${f} / ${block}u`);
        const rest: string = outer === '0u' ? f : fresh(`${f} % ${block}u`);
        const base: string = outer === '0u' ? '' : `${outer} * ${outBlock}u + `;
        pos = { flat: fresh(`${base}${rest}${offset ? ` + ${offset * inner}u` : ''}`), dims: out };
        break;
      }
      default:
        throw new Error(`store path through '${node.name}' (${op.kind}): not a movement op`);
    }
  }
  return { lines, conditions, offset: toFlat(pos) };

  /** Into a conv's padded copy [N, C, (R,) RW] of data [N, C, (H,) W]. */
  function padStep(p: Position, padDims: number[], padBegin: number[]): { offset: string; pad: PadPosition } {
    const c = toCoords(p);
    const spatial = p.dims.length - 2;
    if (spatial < 1 || spatial > 2) throw new Error(`store path: a padded copy of rank ${p.dims.length} is not supported`);
    const C = p.dims[1]!;
    const [H, W, top, left] = spatial === 2 ? [p.dims[2]!, p.dims[3]!, padBegin[0]!, padBegin[1]!] : [1, p.dims[2]!, 0, padBegin[0]!];
    const [R, RW] = spatial === 2 ? [padDims[2]!, padDims[3]!] : [1, padDims[2]!];
    const base = fresh(`(${c[0]} * ${C}u + ${c[1]}) * ${R * RW}u`);
    const h = spatial === 2 ? c[2]! : '0u';
    const w = c[c.length - 1]!;
    const offset = fresh(`${base} + (${h} + ${top}u) * ${RW}u + ${w} + ${left}u`);
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
  const body: string[] = [];
  if (R > H) {
    body.push(`  let r0 = select(h + ${top}u, 0u, h == 0u);`, `  let r1 = select(h + ${top + 1}u, ${R}u, h == ${H - 1}u);`);
  } else {
    body.push(`  let r0 = h + ${top}u;`, '  let r1 = r0 + 1u;');
  }
  body.push('  for (var r = r0; r < r1; r++) {', `    let rb = base + r * ${RW}u;`);
  if (R > H) body.push(`    if (r != h + ${top}u) { ${target}[rb + w + ${left}u] = ${zero}; }`);
  if (left > 0) body.push(`    if (w == 0u) { for (var j = 0u; j < ${left}u; j++) { ${target}[rb + j] = ${zero}; } }`);
  if (RW > left + W) body.push(`    if (w == ${W - 1}u) { for (var j = ${left + W}u; j < ${RW}u; j++) { ${target}[rb + j] = ${zero}; } }`);
  body.push('  }');
  return `fn ${name}(base: u32, h: u32, w: u32) {\n${body.join('\n')}\n}`;
}
