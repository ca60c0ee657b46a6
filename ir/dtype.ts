/**
 * Element types of the IR.
 *
 * The IR keeps the ONNX element type of every value (so shape arithmetic on int64 stays exact on
 * the host and errors can name the real type), while the GPU stores each type in one of a few
 * 32-bit (or 16-bit) WGSL types: see `gpuStorageOf`. int64 lives on the device as i32 and is
 * range-checked where it crosses the host/device boundary; bool lives as u32.
 */

export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

/** ONNX TensorProto.DataType enum values, by name (facts of the ONNX format). */
export const ONNX_DTYPE_CODES: Record<number, DType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

/** The inverse of ONNX_DTYPE_CODES. */
export function onnxDTypeCode(dtype: DType): number {
  for (const [code, name] of Object.entries(ONNX_DTYPE_CODES)) if (name === dtype) return Number(code);
  throw new Error(`no ONNX code for dtype ${dtype}`);
}

/** Bytes per element in the ONNX (host) representation. */
export function hostBytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
    case 'int64':
    case 'uint64':
      return 8;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 4;
    case 'float16':
    case 'bfloat16':
    case 'int16':
    case 'uint16':
      return 2;
    case 'int8':
    case 'uint8':
    case 'bool':
      return 1;
    case 'string':
      throw new Error('string tensors have no fixed element size');
  }
}

/** Typed arrays the host side (CPU evaluator, runtime I/O) uses for each dtype. */
export type HostArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Allocates the host array for `dtype`. float16 and bfloat16 are held as Float32Array on the host
 * (their values are exactly representable), bool as Uint8Array (0/1).
 */
export function allocHost(dtype: DType, length: number): HostArray {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    case 'string':
      throw new Error('string tensors are not supported');
  }
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

export function isInteger(dtype: DType): boolean {
  return !isFloat(dtype) && dtype !== 'bool' && dtype !== 'string';
}

/** WGSL storage type a dtype occupies on the GPU; null where the GPU cannot hold it. */
export type GpuScalar = 'f32' | 'f16' | 'i32' | 'u32';

export function gpuStorageOf(dtype: DType): GpuScalar | null {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'float16':
    case 'bfloat16':
      // Computed in f32 on the device (a bfloat16 is the top half of an f32), rounded where a cast
      // or a kernel's store asks for it; stored as f32 (4 bytes per element).
      return 'f32';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return 'i32';
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'bool':
      return 'u32';
    case 'uint64':
    case 'float64':
    case 'string':
      return null;
  }
}
