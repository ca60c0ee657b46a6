/**
 * TensorProto → host `Tensor`, for every storage form ONNX allows: little-endian `raw_data`
 * (inline or in an external file), or the typed repeated fields (`float_data`, `int32_data` for
 * all narrow types including float16 bits and bool, `int64_data`, `double_data`, `uint64_data`).
 *
 * Host representation follows ir/dtype.ts: float16 and bfloat16 become Float32Array (exact),
 * bool becomes Uint8Array of 0/1, int64/uint64 stay BigInt64Array/BigUint64Array. Large raw
 * tensors are zero-copy: a typed array viewing the model file's buffer when the bytes happen to
 * be aligned for the element type (protobuf gives no alignment guarantee), else exactly one copy.
 * String tensors decode to an empty Uint8Array with their dims: the importer rejects them by
 * dtype, and nothing can read their data by mistake. Also here: int64 conversions and the
 * densifying of SparseTensorProto initializers.
 */

import type { Tensor } from '../../ir/graph.js';
import type { DType, HostArray } from '../../ir/dtype.js';
import { ONNX_DTYPE_CODES, allocHost, hostBytesPerElement } from '../../ir/dtype.js';
import { halfToFloat } from '../../runtime/convert.js';
import { DecodeProblem, invalid } from './decode-error.js';
import { has } from './proto.js';
import type { LongLike, SparseTensorProtoMsg, TensorProtoMsg } from './proto.js';

/** Reads the bytes of a tensor stored outside the model file (see external.ts). */
export interface ExternalSource {
  read(tensor: TensorProtoMsg, where: string, expectedBytes: number): Uint8Array;
}

/** Element type codes that are valid ONNX but have no DType here (onnx.proto DataType). */
const UNSUPPORTED_CODES: Record<number, string> = {
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
};

const DATA_LOCATION_EXTERNAL = 1;

/** 2^31 elements: beyond any typed array a host can allocate comfortably. */
const MAX_DENSE_ELEMENTS = 2 ** 31;

// Raw data is little-endian by the ONNX spec; typed-array views read host order.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** int64 → exact BigInt (Long objects, their {low, high} shape, or plain numbers). */
export function longToBigInt(v: LongLike, unsigned = false): bigint {
  const wide =
    typeof v === 'number' ? BigInt(Math.trunc(v)) : (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? BigInt.asUintN(64, wide) : BigInt.asIntN(64, wide);
}

/**
 * int64 → number, exact within ±(2^53 − 1) and saturated to that range beyond, so sentinels like
 * INT64_MAX ("to the end" in Slice) stay huge and ordered rather than becoming inexact doubles.
 */
export function longToNumber(v: LongLike, unsigned = false): number {
  if (typeof v === 'number') return v;
  const big = longToBigInt(v, unsigned);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (big > max) return Number.MAX_SAFE_INTEGER;
  if (big < -max) return -Number.MAX_SAFE_INTEGER;
  return Number(big);
}

/** A dimension or count that must be an exact, non-negative integer. */
function dimOf(v: LongLike, where: string): number {
  const big = longToBigInt(v);
  if (big < 0n || big > BigInt(Number.MAX_SAFE_INTEGER)) invalid(`${where} has an invalid dimension ${big}`);
  return Number(big);
}

/** IEEE half bit patterns (low 16 bits of each element) → their exact float32 values. */
export function halfToFloat32(bits: ArrayLike<number>): Float32Array {
  // One decoder for the whole project: the runtime's (it must stay import-free, so it owns it).
  return Float32Array.from(bits, (b) => halfToFloat(b & 0xffff));
}

/** bfloat16 bits (the top half of an f32) as a Float32Array of their values (exact). */
export function bfloat16ToFloat32(bits: ArrayLike<number>): Float32Array {
  const words = Uint32Array.from(bits, (b) => (b & 0xffff) << 16);
  return new Float32Array(words.buffer);
}

/** A copy of `bytes` in a fresh ArrayBuffer (offset 0, so aligned for every element type). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** Little-endian bytes → host array: a view when aligned, else one copy. */
function fromRaw(bytes: Uint8Array, dtype: DType, n: number, where: string): HostArray {
  const size = hostBytesPerElement(dtype);
  if (bytes.byteLength !== n * size) {
    invalid(`${where} has ${bytes.byteLength} bytes of data but its ${n} ${dtype} elements need ${n * size}`);
  }
  if (size > 1 && !HOST_IS_LITTLE_ENDIAN) {
    throw new DecodeProblem(`${where}: raw tensor data is little-endian and this host is big-endian`, 'unsupported');
  }
  const src = bytes.byteOffset % size === 0 ? bytes : copyBytes(bytes);
  const { buffer, byteOffset } = src;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float16':
      return halfToFloat32(new Uint16Array(buffer, byteOffset, n));
    case 'bfloat16':
      return bfloat16ToFloat32(new Uint16Array(buffer, byteOffset, n));
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, n);
    case 'bool': {
      // Bytes other than 0/1 are invalid but common in hand-made files: normalize them (copying).
      const view = new Uint8Array(buffer, byteOffset, n);
      return view.every((b) => b <= 1) ? view : view.map((b) => (b !== 0 ? 1 : 0));
    }
    case 'int16':
      return new Int16Array(buffer, byteOffset, n);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, n);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'uint64':
      return new BigUint64Array(buffer, byteOffset, n);
    case 'string':
      return new Uint8Array(0); // not reached: strings never take this path
    default: {
      const unreachable: never = dtype;
      throw new Error(`unhandled dtype ${String(unreachable)}`);
    }
  }
}

/** The typed repeated field ONNX uses for `dtype`, converted to the host array. */
function fromTypedField(t: TensorProtoMsg, dtype: DType, n: number, where: string): HostArray {
  const field = typedFieldOf(dtype);
  const values: readonly unknown[] = t[field];
  if (values.length !== n) {
    invalid(
      values.length === 0
        ? `${where} has no data (${n} ${dtype} elements expected)`
        : `${where} has ${values.length} values in ${field} but its dims need ${n}`,
    );
  }
  switch (dtype) {
    case 'float32':
      return Float32Array.from(t.float_data);
    case 'float64':
      return Float64Array.from(t.double_data);
    case 'float16':
      return halfToFloat32(t.int32_data);
    case 'bfloat16':
      return bfloat16ToFloat32(t.int32_data);
    case 'bool':
      return Uint8Array.from(t.int32_data, (v) => (v !== 0 ? 1 : 0));
    case 'int8':
      return Int8Array.from(t.int32_data);
    case 'uint8':
      return Uint8Array.from(t.int32_data);
    case 'int16':
      return Int16Array.from(t.int32_data);
    case 'uint16':
      return Uint16Array.from(t.int32_data);
    case 'int32':
      return Int32Array.from(t.int32_data);
    case 'int64':
      return BigInt64Array.from(t.int64_data, (v) => longToBigInt(v));
    case 'uint32':
      return Uint32Array.from(t.uint64_data, (v) => Number(longToBigInt(v, true) & 0xffffffffn));
    case 'uint64':
      return BigUint64Array.from(t.uint64_data, (v) => longToBigInt(v, true));
    case 'string':
      return new Uint8Array(0); // not reached: strings never take this path
    default: {
      const unreachable: never = dtype;
      throw new Error(`unhandled dtype ${String(unreachable)}`);
    }
  }
}

type TypedField = 'float_data' | 'double_data' | 'int32_data' | 'int64_data' | 'uint64_data' | 'string_data';

/** Which repeated field holds each dtype (onnx.proto's comments on TensorProto). */
function typedFieldOf(dtype: DType): TypedField {
  switch (dtype) {
    case 'float32':
      return 'float_data';
    case 'float64':
      return 'double_data';
    case 'int64':
      return 'int64_data';
    case 'uint32':
    case 'uint64':
      return 'uint64_data';
    case 'string':
      return 'string_data';
    case 'float16':
    case 'bfloat16':
    case 'bool':
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
      return 'int32_data';
    default: {
      const unreachable: never = dtype;
      throw new Error(`unhandled dtype ${String(unreachable)}`);
    }
  }
}

/** The DType for an element type code of a tensor (throws for codes with none). */
export function tensorDType(code: number, where: string): DType {
  const dtype = ONNX_DTYPE_CODES[code];
  if (dtype) return dtype;
  const name = UNSUPPORTED_CODES[code];
  if (name) throw new DecodeProblem(`${where} has element type ${name}, which onnx-wgsl does not support`, 'unsupported');
  return invalid(code === 0 ? `${where} has no element type` : `${where} has unknown element type ${code}`);
}

/**
 * Decodes one TensorProto. `where` names it in errors ("initializer 'w'", "attribute 'value' of
 * node 'c'"); `external` reads EXTERNAL data relative to the model's folder.
 */
export function tensorFromProto(t: TensorProtoMsg, where: string, external: ExternalSource): Tensor {
  const dtype = tensorDType(t.data_type, where);
  const dims = t.dims.map((d) => dimOf(d, where));
  const n = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n)) invalid(`${where} has too many elements (dims [${dims.join(', ')}])`);
  if (t.segment) {
    // Segments split one tensor across several TensorProtos; no exporter in use writes them.
    throw new DecodeProblem(`${where} is a segment of a larger tensor, which onnx-wgsl does not support`, 'unsupported');
  }
  if (dtype === 'string') return { dtype, dims, data: new Uint8Array(0) };

  if (t.data_location === DATA_LOCATION_EXTERNAL) {
    const expected = n * hostBytesPerElement(dtype);
    return { dtype, dims, data: fromRaw(external.read(t, where, expected), dtype, n, where) };
  }
  // Presence, not length: an empty raw_data is the right encoding of an empty tensor.
  if (has(t, 'raw_data')) return { dtype, dims, data: fromRaw(t.raw_data, dtype, n, where) };
  return { dtype, dims, data: fromTypedField(t, dtype, n, where) };
}

/** Converts SparseTensorProto (values at COO indices, zeros elsewhere) into a dense tensor. */
export function densifySparse(sp: SparseTensorProtoMsg, where: string, external: ExternalSource): Tensor {
  if (!sp.values) invalid(`${where} has no values`);
  if (!sp.indices) invalid(`${where} has no indices`);
  const values = tensorFromProto(sp.values, `values of ${where}`, external);
  const indices = tensorFromProto(sp.indices, `indices of ${where}`, external);
  const dims = sp.dims.map((d) => dimOf(d, where));
  if (values.dtype === 'string') {
    throw new DecodeProblem(`${where} is a sparse string tensor, which onnx-wgsl does not support`, 'unsupported');
  }
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') invalid(`${where} has ${indices.dtype} indices (int64 expected)`);
  const nnz = values.data.length;
  const rank = dims.length;
  // Indices are either [NNZ] offsets into the flattened tensor or [NNZ, rank] coordinates.
  const linear = indices.dims.length === 1;
  if (values.dims.length !== 1 || (linear ? indices.dims[0] !== nnz : indices.dims[0] !== nnz || indices.dims[1] !== rank)) {
    invalid(`${where} has values [${values.dims.join(', ')}] and indices [${indices.dims.join(', ')}] that do not match dims [${dims.join(', ')}]`);
  }
  const total = dims.reduce((a, b) => a * b, 1);
  // Densifying allocates the full tensor: refuse sizes no model could hold as a dense constant.
  if (total > MAX_DENSE_ELEMENTS) {
    throw new DecodeProblem(`${where} has dims [${dims.join(', ')}], too large to densify`, 'unsupported');
  }
  const positions = new Array<number>(nnz);
  for (let k = 0; k < nnz; k++) {
    let offset = 0;
    if (linear) offset = Number(indices.data[k]);
    else for (let d = 0; d < rank; d++) offset = offset * dims[d] + Number(indices.data[k * rank + d]);
    if (!(offset >= 0 && offset < total)) invalid(`${where} has an index out of range for dims [${dims.join(', ')}]`);
    positions[k] = offset;
  }
  const out = allocHost(values.dtype, total);
  const src = values.data;
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    const big = src as BigInt64Array | BigUint64Array;
    for (let k = 0; k < nnz; k++) out[positions[k]] = big[k];
  } else {
    const num = src as Exclude<HostArray, BigInt64Array | BigUint64Array>;
    for (let k = 0; k < nnz; k++) out[positions[k]] = num[k];
  }
  return { dtype: values.dtype, dims, data: out };
}
