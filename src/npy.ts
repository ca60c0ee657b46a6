/**
 * Reading and writing NumPy .npy files (format versions 1, 2 and 3), for `run --input x=file.npy`
 * and for saving outputs. Little-endian (or byte-order-free) C-order arrays of the types models
 * take as inputs: f4, f2, i4, i8, u1 and b1. Anything else — big-endian data, Fortran order with
 * more than one axis, other dtypes, truncated data — is an NpyError saying what the file has.
 *
 * float16 data are returned as a Float32Array of values, the host convention of ir/dtype.ts.
 */

import type { DType, HostArray } from '../ir/dtype.js';
import { halfToFloat } from '../runtime/convert.js';
import { NpyError } from './errors.js';

export interface NpyArray {
  dtype: DType;
  dims: number[];
  data: HostArray;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** descr (without byte order) → dtype and element size. */
const DESCRS: Record<string, { dtype: DType; bytes: number }> = {
  f4: { dtype: 'float32', bytes: 4 },
  f2: { dtype: 'float16', bytes: 2 },
  i4: { dtype: 'int32', bytes: 4 },
  i8: { dtype: 'int64', bytes: 8 },
  u1: { dtype: 'uint8', bytes: 1 },
  b1: { dtype: 'bool', bytes: 1 },
};

/** Parses the header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }. */
function parseHeader(header: string, what: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`${what}: malformed .npy header: ${header.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new NpyError(`${what}: bad dimension '${s}' in .npy shape (${shapeText})`);
      return n;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Decodes .npy bytes; `what` names the file in errors. */
export function readNpy(bytes: Uint8Array, what = '.npy file'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new NpyError(`${what} is not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(`${what}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(`${what}: .npy format version ${major} is not supported (1, 2 and 3 are)`);
  }
  if (headerStart + headerLen > bytes.length) throw new NpyError(`${what}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const { descr, fortran, shape } = parseHeader(header, what);

  const order = descr[0]!;
  const code = '<>=|'.includes(order) ? descr.slice(1) : descr;
  const kind = DESCRS[code];
  if (!kind) throw new NpyError(`${what}: dtype '${descr}' is not supported (supported: ${Object.keys(DESCRS).join(', ')})`);
  if (order === '>' && kind.bytes > 1) throw new NpyError(`${what}: big-endian data ('${descr}') is not supported; save it little-endian`);
  if (fortran && shape.filter((d) => d !== 1).length > 1) {
    throw new NpyError(`${what}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  }

  const n = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  const need = n * kind.bytes;
  if (bytes.length - start < need) {
    throw new NpyError(`${what}: truncated data: shape (${shape.join(', ')}) of ${descr} needs ${need} bytes, file has ${bytes.length - start}`);
  }
  // Copy into a fresh buffer: the data offset is not necessarily aligned for the typed array, and
  // a Node Buffer's slice() is a view on a shared pool, so `new Uint8Array(view)` does the copy.
  const raw = new Uint8Array(bytes.subarray(start, start + need)).buffer;
  let data: HostArray;
  switch (kind.dtype) {
    case 'float32':
      data = new Float32Array(raw);
      break;
    case 'float16': {
      const bits = new Uint16Array(raw);
      data = Float32Array.from(bits, halfToFloat);
      break;
    }
    case 'int32':
      data = new Int32Array(raw);
      break;
    case 'int64':
      data = new BigInt64Array(raw);
      break;
    default:
      data = new Uint8Array(raw);
  }
  if (kind.dtype === 'bool') data = (data as Uint8Array).map((x) => (x ? 1 : 0));
  return { dtype: kind.dtype, dims: shape, data };
}

/** Float → IEEE half bits, rounding to nearest even (overflow to ±Infinity, NaN kept). */
export function floatToHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit 1) and round to nearest even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is still correct
  return sign | h;
}

const WRITE_DESCR: Partial<Record<DType, string>> = {
  float32: '<f4',
  float16: '<f2',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  bool: '|b1',
};

/** Encodes an array as .npy (version 1.0). */
export function writeNpy(arr: NpyArray): Uint8Array {
  const descr = WRITE_DESCR[arr.dtype];
  if (!descr) throw new NpyError(`cannot write ${arr.dtype} as .npy (supported: ${Object.keys(WRITE_DESCR).join(', ')})`);
  const shape = arr.dims.length === 1 ? `(${arr.dims[0]},)` : `(${arr.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so the data starts at a multiple of 64 bytes, the header ending in '\n'.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  let body: Uint8Array;
  if (arr.dtype === 'float16') {
    const bits = Uint16Array.from(arr.data as ArrayLike<number>, floatToHalf);
    body = new Uint8Array(bits.buffer);
  } else if (arr.dtype === 'bool' || arr.dtype === 'uint8') {
    body = Uint8Array.from(arr.data as ArrayLike<number>, (x) => (arr.dtype === 'bool' ? (x ? 1 : 0) : x));
  } else {
    const d = arr.data;
    const typed =
      arr.dtype === 'int64'
        ? d instanceof BigInt64Array
          ? d
          : BigInt64Array.from(d as ArrayLike<number>, (x) => BigInt(x))
        : arr.dtype === 'int32'
          ? d instanceof Int32Array
            ? d
            : Int32Array.from(d as ArrayLike<number>)
          : d instanceof Float32Array
            ? d
            : Float32Array.from(d as ArrayLike<number>);
    body = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  }
  const out = new Uint8Array(total + body.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, total);
  return out;
}
