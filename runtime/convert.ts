/**
 * Host ↔ device element conversion, shared by the generated runtime and the tests.
 *
 * On the GPU every element is one 32-bit word: floats as f32, signed integers (int8/16/32/64) as
 * i32, unsigned integers and bool as u32. int64 values are range-checked on the way in — a value
 * that does not fit in i32 is an error naming the tensor, never silently wrapped. float64 appears
 * only in models compiled with `--f64-as-f32`: its values are rounded to f32 on the way in and
 * come back as a Float64Array (of f32-precise values), so the caller still sees float64. This file is
 * copied into every compiled output folder, so it imports nothing.
 */

export type ElemType =
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
  | 'bool';

export type HostData =
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

/** The WGSL word type an element type is stored as. */
export function wordTypeOf(dtype: ElemType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
    case 'float64':
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
  }
}

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** Decodes IEEE half bits to a float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decodes bfloat16 bits (the top half of an f32) to a float. */
export function bfloat16ToFloat(b: number): number {
  BF16_WORD[0] = (b & 0xffff) << 16;
  return BF16_F32[0]!;
}

const BF16_WORD = new Uint32Array(1);
const BF16_F32 = new Float32Array(BF16_WORD.buffer);

/**
 * Converts host data to the device words for `dtype`. `what` names the tensor in errors.
 * float16 and bfloat16 data may come as Uint16Array (their bits) or as float values (used as
 * given, not rounded).
 */
export function toDeviceWords(dtype: ElemType, data: HostData, what: string): Float32Array | Int32Array | Uint32Array {
  const n = data.length;
  switch (wordTypeOf(dtype)) {
    case 'f32': {
      if (dtype === 'float16' && data instanceof Uint16Array) {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(data[i]!);
        return out;
      }
      if (dtype === 'bfloat16' && data instanceof Uint16Array) {
        const words = new Uint32Array(n);
        for (let i = 0; i < n; i++) words[i] = data[i]! << 16;
        return new Float32Array(words.buffer);
      }
      if (data instanceof Float32Array) return data;
      if (data instanceof BigInt64Array || data instanceof BigUint64Array) throw new Error(`${what}: expected float data, got a BigInt array`);
      return Float32Array.from(data as ArrayLike<number>);
    }
    case 'i32': {
      if (data instanceof Int32Array) return data;
      const out = new Int32Array(n);
      if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
        for (let i = 0; i < n; i++) {
          const v = data[i]!;
          if (v < BigInt(I32_MIN) || v > BigInt(I32_MAX)) {
            throw new Error(`${what}: element ${i} = ${v} does not fit in 32 bits (int64 values are computed as int32 on the GPU)`);
          }
          out[i] = Number(v);
        }
        return out;
      }
      for (let i = 0; i < n; i++) {
        const v = (data as ArrayLike<number>)[i]!;
        if (v < I32_MIN || v > I32_MAX) throw new Error(`${what}: element ${i} = ${v} does not fit in 32 bits`);
        out[i] = v;
      }
      return out;
    }
    case 'u32': {
      if (data instanceof Uint32Array) return data;
      const out = new Uint32Array(n);
      if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
        for (let i = 0; i < n; i++) out[i] = Number(data[i]!);
        return out;
      }
      for (let i = 0; i < n; i++) {
        const v = (data as ArrayLike<number>)[i]!;
        out[i] = dtype === 'bool' ? (v ? 1 : 0) : v;
      }
      return out;
    }
  }
}

/**
 * Converts device words (the bytes read back) to the host array for `dtype`: int64 → BigInt64Array,
 * bool → Uint8Array, float16 and bfloat16 → Float32Array (values), float64 → Float64Array,
 * others their natural typed array.
 */
export function fromDeviceWords(dtype: ElemType, bytes: ArrayBuffer, length: number): HostData {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(bytes, 0, length).slice();
    case 'float64':
      return Float64Array.from(new Float32Array(bytes, 0, length));
    case 'int32':
      return new Int32Array(bytes, 0, length).slice();
    case 'uint32':
      return new Uint32Array(bytes, 0, length).slice();
    case 'int64': {
      const src = new Int32Array(bytes, 0, length);
      const out = new BigInt64Array(length);
      for (let i = 0; i < length; i++) out[i] = BigInt(src[i]!);
      return out;
    }
    case 'int8':
      return Int8Array.from(new Int32Array(bytes, 0, length));
    case 'int16':
      return Int16Array.from(new Int32Array(bytes, 0, length));
    case 'uint8':
      return Uint8Array.from(new Uint32Array(bytes, 0, length));
    case 'uint16':
      return Uint16Array.from(new Uint32Array(bytes, 0, length));
    case 'bool': {
      const src = new Uint32Array(bytes, 0, length);
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = src[i] ? 1 : 0;
      return out;
    }
  }
}
