/**
 * The ONNX decoder on small fixtures built by the python onnx package
 * (test/fixtures/make_onnx_fixtures.py): every TensorProto storage form, float16 conversion,
 * attributes of every kind, subgraphs, symbolic dims, opsets, external data and sparse
 * initializers. References are independent of the decoder: each fixture tensor has a twin stored
 * another way or computed by numpy, and attribute values are the constants the generator wrote.
 * Malformed inputs are in errors.test.ts; the model zoo in zoo.test.ts.
 */

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { decodeModel, loadModelFile } from '../../src/onnx/decode.js';
import type { OnnxAttributeValue, OnnxGraph } from '../../src/onnx/model.js';
import { halfToFloat32 } from '../../src/onnx/tensor.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/onnx');

function init(graph: OnnxGraph, name: string): Tensor {
  const t = graph.initializers.get(name);
  if (!t) throw new Error(`fixture has no initializer ${name}`);
  return t;
}

/** Float bit patterns, so NaN payloads and -0 compare exactly. */
function bits(data: Tensor['data']): number[] {
  if (!(data instanceof Float32Array)) throw new Error(`expected Float32Array, got ${data.constructor.name}`);
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}

/** Reference half → float straight from the IEEE 754 definition (no bit tricks). */
function halfReference(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe('tensor storage forms', () => {
  // A fresh copy at offset 0, so a tensor's alignment in the file is its alignment in memory.
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'storage.onnx')));
  const g = decodeModel(bytes, { name: 'storage.onnx' }).graph;

  test.each(['f64', 'i8', 'u8', 'i16', 'u16', 'i32', 'i64', 'u32', 'u64', 'bool'])('%s: raw_data equals the typed field', (key) => {
    const raw = init(g, `${key}_raw`);
    const typed = init(g, `${key}_typed`);
    expect(raw.dtype).toBe(typed.dtype);
    expect(raw.dims).toEqual(typed.dims);
    expect(raw.data.constructor).toBe(typed.data.constructor);
    expect(Array.from(raw.data as ArrayLike<unknown>)).toEqual(Array.from(typed.data as ArrayLike<unknown>));
  });

  test('host array types and exact extremes', () => {
    expect(init(g, 'f64_raw').data).toBeInstanceOf(Float64Array);
    expect(Array.from(init(g, 'i8_typed').data as Int8Array).slice(0, 2)).toEqual([-128, 127]);
    expect(Array.from(init(g, 'u16_raw').data as Uint16Array).slice(0, 2)).toEqual([0, 65535]);
    expect(Array.from(init(g, 'i32_typed').data as Int32Array).slice(0, 2)).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    const i64 = [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 2n ** 53n + 1n, -(2n ** 40n) - 3n];
    expect(init(g, 'i64_typed').data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(init(g, 'i64_typed').data as BigInt64Array)).toEqual(i64);
    expect(Array.from(init(g, 'u32_typed').data as Uint32Array)).toEqual([0, 1, 2 ** 31, 2 ** 32 - 1]);
    const u64 = [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, 12345678901234567890n];
    expect(init(g, 'u64_typed').data).toBeInstanceOf(BigUint64Array);
    expect(Array.from(init(g, 'u64_typed').data as BigUint64Array)).toEqual(u64);
    for (const name of ['bool_raw', 'bool_typed']) {
      expect(init(g, name).data).toBeInstanceOf(Uint8Array);
      expect(Array.from(init(g, name).data as Uint8Array)).toEqual([1, 0, 0, 1, 1]);
    }
  });

  test('float32: raw views where aligned, one copy where not, float_data equal', () => {
    const typed = init(g, 'f32_typed').data as Float32Array;
    const pattern = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    const names = ['f32_raw_a', 'f32_raw_abcde', 'f32_raw_abcdefghi', 'f32_raw_abcdefghijklm'];
    const residues = new Set<number>();
    let from = 0;
    for (const name of names) {
      const t = init(g, name);
      expect(t.dims).toEqual([3, 5]);
      expect(bits(t.data)).toEqual(bits(typed));
      // Where the generator's raw bytes sit in the file decides view vs copy.
      const at = Buffer.from(bytes.buffer).indexOf(Buffer.from(pattern), from);
      expect(at).toBeGreaterThan(0);
      from = at + 1;
      const aligned = at % 4 === 0;
      residues.add(at % 4);
      if (aligned) {
        expect(t.data.buffer).toBe(bytes.buffer);
        expect(t.data.byteOffset).toBe(at);
      } else {
        expect(t.data.buffer).not.toBe(bytes.buffer);
      }
    }
    expect(residues).toEqual(new Set([0, 1, 2, 3])); // the view and every copy case exercised
  });

  test('float16 raw and int32_data decode to the float32 values numpy computes', () => {
    const reference = init(g, 'f16_as_f32');
    for (const name of ['f16_raw', 'f16_typed']) {
      const t = init(g, name);
      expect(t.dtype).toBe('float16');
      expect(bits(t.data)).toEqual(bits(reference.data));
    }
    const v = Array.from(init(g, 'f16_raw').data as Float32Array).slice(0, 15);
    expect(v[0]).toBe(0);
    expect(Object.is(v[1], -0)).toBe(true);
    expect(v.slice(2, 11)).toEqual([2 ** -24, -(2 ** -24), 1023 * 2 ** -24, 2 ** -15, 2 ** -14, 65504, -65504, Infinity, -Infinity]);
    expect(v[11]).toBeNaN();
    expect(v.slice(12)).toEqual([1, -2, 0.333251953125]);
  });

  test('halfToFloat32 matches the IEEE definition on all 65536 bit patterns', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const got = halfToFloat32(all);
    for (let h = 0; h < 65536; h++) {
      const want = halfReference(h);
      if (Number.isNaN(want)) expect(got[h]).toBeNaN();
      else if (got[h] !== want || Object.is(got[h], -0) !== Object.is(want, -0)) expect([h, got[h]]).toEqual([h, want]);
    }
  });

  test('scalars, empty tensors and string tensors', () => {
    expect(init(g, 'scalar_f32')).toEqual({ dtype: 'float32', dims: [], data: new Float32Array([2.5]) });
    expect(init(g, 'scalar_i64')).toEqual({ dtype: 'int64', dims: [], data: new BigInt64Array([-7n]) });
    const empty = init(g, 'empty_f32');
    expect([empty.dtype, empty.dims, empty.data.length]).toEqual(['float32', [0, 3], 0]);
    const strings = init(g, 'strings');
    expect([strings.dtype, strings.dims, strings.data.length]).toEqual(['string', [2], 0]);
  });
});

describe('graph structure and attributes', () => {
  const model = loadModelFile(join(FIXTURES, 'attributes.onnx'));
  const g = model.graph;
  const node = g.nodes[0];
  const attr = (name: string): OnnxAttributeValue | undefined => node.attributes.get(name);

  test('model header and opsets with ai.onnx normalized', () => {
    expect([model.irVersion, model.producerName, model.producerVersion]).toEqual([7, 'fixture-maker', '1.2']);
    expect([...model.opsets]).toEqual([['', 11], ['test.domain', 3], ['ai.onnx.ml', 2]]);
  });

  test('nodes: domains, omitted inputs, order', () => {
    expect(g.nodes.map((n) => [n.name, n.opType, n.domain])).toEqual([
      ['all_kinds', 'AllKinds', 'test.domain'],
      ['const', 'Constant', ''],
      ['relu', 'Relu', ''], // written with domain 'ai.onnx'
    ]);
    expect(node.inputs).toEqual(['a', '', 'w']);
    expect(node.outputs).toEqual(['b']);
  });

  test('inputs exclude initializers; dims are numbers, symbols or unknown', () => {
    expect(g.inputs).toEqual([
      { name: 'a', dtype: 'float32', shape: ['batch', 3, null, 'seq'] },
      { name: 'unranked', dtype: 'int64', shape: null },
    ]);
    expect([...g.initializers.keys()]).toEqual(['w']);
    expect(g.outputs).toEqual([{ name: 'r', dtype: 'float16', shape: ['batch', 0] }]);
    // Sequence and map types decode, with no tensor type to report.
    expect(g.valueInfo).toEqual([
      { name: 'seq', dtype: null, shape: null },
      { name: 'map', dtype: null, shape: null },
      { name: 'b', dtype: 'bool', shape: [1] },
    ]);
  });

  test('scalar attribute kinds; int64 saturates beyond 2^53', () => {
    expect(attr('f')).toEqual({ type: 'float', value: 0.25 });
    expect(attr('i')).toEqual({ type: 'int', value: -42 });
    expect(attr('big')).toEqual({ type: 'int', value: Number.MAX_SAFE_INTEGER });
    expect(attr('s')).toEqual({ type: 'string', value: 'héllo' });
    expect(attr('untyped')).toEqual({ type: 'int', value: 5 }); // no type field: inferred
    expect(attr('floats')).toEqual({ type: 'floats', value: [1, -0.5] });
    expect(attr('ints')).toEqual({ type: 'ints', value: [3, -Number.MAX_SAFE_INTEGER] });
    expect(attr('strings')).toEqual({ type: 'strings', value: ['x', 'yz'] });
    expect(attr('sparse')).toEqual({ type: 'sparse_tensor', value: null });
    expect(attr('sparses')).toEqual({ type: 'sparse_tensor', value: null });
    expect(attr('tp')).toEqual({ type: 'type_proto', value: null });
    expect(attr('tps')).toEqual({ type: 'type_proto', value: null });
    expect(node.attributes.size).toBe(16);
  });

  test('tensor attributes', () => {
    const t = { dtype: 'int32', dims: [2, 2], data: new Int32Array([1, -2, 3, -4]) };
    expect(attr('t')).toEqual({ type: 'tensor', value: t });
    expect(attr('tensors')).toEqual({ type: 'tensors', value: [t, { dtype: 'int64', dims: [1], data: new BigInt64Array([9n]) }] });
    // Constant nodes stay nodes, their tensor decoded.
    const value = g.nodes[1].attributes.get('value');
    expect(value).toEqual({ type: 'tensor', value: { dtype: 'int64', dims: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 4n]) } });
  });

  test('graph attributes recurse with their own initializers', () => {
    const gAttr = attr('g');
    if (gAttr?.type !== 'graph') throw new Error('g is not a graph attribute');
    const body = gAttr.value;
    expect(body.name).toBe('body');
    expect(body.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual([['Add', ['sub_x', 'sub_w'], ['sub_y']]]);
    expect(body.initializers.get('sub_w')?.data).toEqual(new Float32Array([1.5, -2]));
    expect(body.inputs).toEqual([{ name: 'sub_x', dtype: 'float32', shape: [2] }]);
    const graphs = attr('graphs');
    if (graphs?.type !== 'graphs') throw new Error('graphs is not a graphs attribute');
    expect(graphs.value.map((s) => [s.name, s.nodes.length])).toEqual([['body', 1], ['empty_body', 0]]);
  });
});

describe('external data', () => {
  test('reads tensors from external.bin at their offsets, into aligned buffers', () => {
    const g = loadModelFile(join(FIXTURES, 'external.onnx')).graph;
    const a = init(g, 'ext_a');
    expect(a.dims).toEqual([2, 3]);
    expect(bits(a.data)).toEqual(bits(init(g, 'ext_a_inline').data));
    expect(a.data.byteOffset % 4).toBe(0);
    const b = init(g, 'ext_b'); // no length entry: runs to the end of the file
    expect(b).toEqual({ dtype: 'int64', dims: [3], data: new BigInt64Array([1n, -2n, 3n]) });
    expect(b).toEqual(init(g, 'ext_b_inline'));
  });
});

describe('sparse initializers and old IR versions', () => {
  test('sparse initializers are densified (linear and coordinate indices)', () => {
    const g = loadModelFile(join(FIXTURES, 'sparse.onnx')).graph;
    const dense = init(g, 'dense');
    expect(init(g, 'sparse_linear')).toEqual(dense);
    expect(init(g, 'sparse_coords')).toEqual(dense);
    expect(Array.from(dense.data as Float32Array).filter((x) => x !== 0)).toEqual([1.5, 7, -2]);
  });

  test('IR version 2 without opset_import implies opset 1', () => {
    const model = loadModelFile(join(FIXTURES, 'ir2.onnx'));
    expect(model.irVersion).toBe(2);
    expect([...model.opsets]).toEqual([['', 1]]);
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Relu']);
  });
});
