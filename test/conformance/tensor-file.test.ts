/**
 * decodeTensorFile (src/onnx/decode.ts) on standalone TensorProto files written by the python
 * onnx package (fixtures/make_tensor_files.py): raw and typed storage, every dtype the backend
 * test data uses, scalars and empty tensors, named and unnamed. The reference values are numpy's
 * own (fixtures/expected.json), not a second run of our decoder. Also: damaged files fail with an
 * OnnxDecodeError that names the file.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { decodeTensorFile, OnnxDecodeError } from '../../src/onnx/decode.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

interface ExpectedTensor {
  name: string;
  dtype: string;
  dims: number[];
  values: (number | string)[];
}

const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, ExpectedTensor>;

function referenceValue(v: number | string, dtype: string): number | bigint {
  if (dtype === 'int64') return BigInt(v);
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number;
}

describe('decodeTensorFile', () => {
  test.each(Object.keys(expected))('%s decodes to the values numpy wrote', (file) => {
    const want = expected[file]!;
    const t = decodeTensorFile(new Uint8Array(readFileSync(join(FIXTURES, file))), file);
    expect(t.name).toBe(want.name);
    expect(t.dtype).toBe(want.dtype);
    expect(t.dims).toEqual(want.dims);
    expect(Array.from(t.data as ArrayLike<number | bigint>)).toEqual(want.values.map((v) => referenceValue(v, want.dtype)));
  });

  test('int64 decodes to BigInt64Array, bool to 0/1 Uint8Array, float16 to Float32Array', () => {
    const read = (f: string) => decodeTensorFile(new Uint8Array(readFileSync(join(FIXTURES, f))), f);
    expect(read('i64_raw.pb').data).toBeInstanceOf(BigInt64Array);
    expect(read('bool_raw.pb').data).toBeInstanceOf(Uint8Array);
    expect(read('f16_raw.pb').data).toBeInstanceOf(Float32Array);
  });

  test('a truncated file is an OnnxDecodeError naming the file', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'f32_raw.pb')));
    const cut = bytes.subarray(0, bytes.length - 10);
    expect(() => decodeTensorFile(cut, 'input_0.pb')).toThrow(OnnxDecodeError);
    expect(() => decodeTensorFile(cut, 'input_0.pb')).toThrow(/^input_0\.pb is not a valid TensorProto file: /);
  });

  test('an empty file is an error, not an empty tensor', () => {
    expect(() => decodeTensorFile(new Uint8Array(0), 'output_1.pb')).toThrow(/output_1\.pb .*empty/);
  });
});
