/**
 * The attribute schema of every op: which keys an op object carries and what kind of value each
 * holds. It is derived from the `Op` union by a mapped type, so adding an op (or an attribute)
 * to ir/ops.ts is a type error here until the schema learns it — the same guarantee an exhaustive
 * switch gives.
 *
 * Users: `inferTypes` validates every op object against it (a malformed op from an importer or a
 * pass fails with "conv: attribute 'group' is missing" rather than a TypeError deep in a rule),
 * and the text parser uses it to rebuild typed op objects from generic key/value pairs.
 */

import type { Op, OpKind } from '../ops.js';

/**
 * What kind of JS value an attribute holds. `dims` are numbers or symbolic dim expressions
 * (ir/dim.ts); `dim` is one of them.
 */
export type AttrKind = 'number' | 'boolean' | 'string' | 'numbers' | 'dims' | 'dim';

/** A parsed or printed attribute value (the union of what every AttrKind holds). */
export type AttrValue = number | boolean | string | (number | string)[];

type AttrsOf<K extends OpKind> = Omit<Extract<Op, { kind: K }>, 'kind'>;

/** Maps an attribute's TS type to its kind; `never` (a type error below) for anything else. */
type KindOf<T> = [T] extends [number]
  ? 'number'
  : [T] extends [boolean]
    ? 'boolean'
    : [T] extends [string]
      ? 'string'
      : [T] extends [number[]]
        ? 'numbers'
        : [T] extends [(number | string)[]]
          ? 'dims'
          : [T] extends [number | string]
            ? 'dim'
            : never;

type Schema = { [K in OpKind]: { [A in keyof AttrsOf<K>]-?: KindOf<AttrsOf<K>[A]> } };

export const OP_ATTRS: Schema = {
  unary: { fn: 'string', alpha: 'number', beta: 'number' },
  binary: { fn: 'string' },
  where: {},
  cast: { to: 'string' },
  conv: { strides: 'numbers', pads: 'numbers', dilations: 'numbers', group: 'number' },
  convTranspose: {
    strides: 'numbers',
    pads: 'numbers',
    dilations: 'numbers',
    group: 'number',
    outputPadding: 'numbers',
  },
  batchNorm: { epsilon: 'number' },
  pool: {
    type: 'string',
    kernel: 'numbers',
    strides: 'numbers',
    pads: 'numbers',
    dilations: 'numbers',
    ceilMode: 'boolean',
    countIncludePad: 'boolean',
    indices: 'string',
  },
  matmul: { transA: 'boolean', transB: 'boolean', alpha: 'number', beta: 'number' },
  reduce: { fn: 'string', axes: 'numbers', keepdims: 'boolean' },
  argReduce: { fn: 'string', axis: 'number', keepdims: 'boolean', selectLastIndex: 'boolean' },
  softmax: { axis: 'number', log: 'boolean' },
  layerNorm: { axis: 'number', epsilon: 'number' },
  attention: { heads: 'number', scale: 'number' },
  reshape: { shape: 'dims' },
  transpose: { perm: 'numbers' },
  concat: { axis: 'number' },
  slice: { axes: 'numbers', starts: 'dims', ends: 'dims', steps: 'numbers' },
  gather: { axis: 'number' },
  gatherElements: { axis: 'number' },
  pad: { mode: 'string', pads: 'dims', value: 'number' },
  expand: { shape: 'dims' },
  tile: { repeats: 'numbers' },
  resize: {
    mode: 'string',
    coordMode: 'string',
    nearestMode: 'string',
    cubicCoeffA: 'number',
    excludeOutside: 'boolean',
    extrapolationValue: 'number',
    scales: 'numbers',
    sizes: 'dims',
  },
  shape: { start: 'number', end: 'number' },
  cumSum: { axis: 'number', exclusive: 'boolean', reverse: 'boolean' },
  trilu: { upper: 'boolean', k: 'number' },
  range: {},
  arange: { start: 'number', delta: 'number', length: 'dim', dtype: 'string' },
  rnn: {
    cell: 'string',
    direction: 'string',
    hiddenSize: 'number',
    activations: 'dims',
    activationAlpha: 'numbers',
    activationBeta: 'numbers',
    clip: 'number',
    inputForget: 'boolean',
    linearBeforeReset: 'boolean',
  },
  scatterElements: { axis: 'number', reduction: 'string' },
  scatterND: { reduction: 'string' },
  gatherND: { batchDims: 'number' },
  topK: { axis: 'number', k: 'dim', largest: 'boolean', sorted: 'boolean' },
  gridSample: { mode: 'string', padding: 'string', alignCorners: 'boolean' },
  roiAlign: {
    mode: 'string',
    outputHeight: 'number',
    outputWidth: 'number',
    samplingRatio: 'number',
    spatialScale: 'number',
    halfPixel: 'boolean',
  },
  det: {},
  dft: { axis: 'number', length: 'number', inverse: 'boolean', onesided: 'boolean' },
};

export function isOpKind(s: string): s is OpKind {
  return Object.prototype.hasOwnProperty.call(OP_ATTRS, s);
}

/** The schema of one op kind as a plain record (for generic iteration). */
export function attrSchema(kind: OpKind): Readonly<Record<string, AttrKind>> {
  return OP_ATTRS[kind] as Record<string, AttrKind>;
}

/** Whether `value` is a well-formed value of `kind`. */
export function attrMatches(kind: AttrKind, value: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'numbers':
      return Array.isArray(value) && value.every((x) => typeof x === 'number');
    case 'dims':
      return Array.isArray(value) && value.every((x) => typeof x === 'number' || typeof x === 'string');
    case 'dim':
      return typeof value === 'number' || typeof value === 'string';
  }
}

/**
 * Checks that `op` has exactly the attributes its kind declares, each of the right kind.
 * Throws "<kind>: attribute 'x' …" on the first problem.
 */
export function checkOpAttrs(op: Op): void {
  const kind: string = op.kind;
  if (!isOpKind(kind)) throw new Error(`unknown op kind '${kind}'`);
  const schema = attrSchema(kind);
  const record = op as unknown as Record<string, unknown>;
  for (const [name, k] of Object.entries(schema)) {
    if (record[name] === undefined) throw new Error(`${kind}: attribute '${name}' is missing`);
    if (!attrMatches(k, record[name])) throw new Error(`${kind}: attribute '${name}' must be ${k}, got ${JSON.stringify(record[name])}`);
  }
  for (const name of Object.keys(record)) {
    if (name !== 'kind' && !(name in schema)) throw new Error(`${kind}: unknown attribute '${name}'`);
  }
}
