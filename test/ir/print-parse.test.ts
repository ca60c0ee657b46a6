/**
 * The text form round-trips: print(parse(print(g))) === print(g) on sample graphs covering every
 * op kind and fn, the parsed graph is structurally identical (ops, wiring, names, bit-exact
 * constants) and computes the same outputs in the CPU evaluator on random inputs. Also: the
 * format itself, hand-written text, and parse errors naming their line.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { Graph, type Tensor } from '../../ir/graph.js';
import { OP_ATTRS } from '../../ir/infer.js';
import { parseGraph } from '../../ir/parse.js';
import { formatFloat32, printGraph } from '../../ir/print.js';
import { verifyGraph } from '../../ir/verify.js';
import { randomTensor, rng } from '../helpers/random.js';
import { SAMPLE_GRAPHS } from './sample-graphs.js';

function bytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Same inputs, nodes (op, wiring by name, node name, types), outputs and constant bytes. */
function expectSameGraph(a: Graph, b: Graph): void {
  const sig = (g: Graph) => ({
    inputs: g.inputs.map((v) => [v.name, v.type]),
    nodes: g.nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs.map((v) => v.name), outputs: n.outputs.map((v) => [v.name, v.type]) })),
    outputs: g.outputs.map((v) => v.name),
    constants: g.constants().map((v) => [v.name, v.type, v.data!.dtype, v.data!.dims]),
  });
  expect(sig(b)).toEqual(sig(a));
  const ca = a.constants();
  b.constants().forEach((v, i) => expect(bytes(v.data!), v.name).toEqual(bytes(ca[i]!.data!)));
}

describe('print/parse round trip', () => {
  for (const [name, build] of Object.entries(SAMPLE_GRAPHS)) {
    it(name, () => {
      const g = build();
      verifyGraph(g);
      const text = printGraph(g);
      const parsed = parseGraph(text);
      verifyGraph(parsed);
      expect(printGraph(parsed)).toBe(text);
      expectSameGraph(g, parsed);
    });
  }

  it('covers every op kind, unary fn and binary fn', () => {
    const graphs = Object.values(SAMPLE_GRAPHS).map((b) => b());
    const nodes = graphs.flatMap((g) => g.nodes);
    expect(new Set(nodes.map((n) => n.op.kind))).toEqual(new Set(Object.keys(OP_ATTRS)));
    const unary = new Set(nodes.flatMap((n) => (n.op.kind === 'unary' ? [n.op.fn] : [])));
    const binary = new Set(nodes.flatMap((n) => (n.op.kind === 'binary' ? [n.op.fn] : [])));
    // The fn counts of ir/ops.ts's UnaryFn and BinaryFn unions.
    expect(unary.size).toBe(43);
    expect(binary.size).toBe(23);
    const dtypes = new Set(graphs.flatMap((g) => g.constants().map((v) => v.type.dtype)));
    expect(dtypes.size).toBe(12);
  });

  it('parsed graphs compute the same outputs in the CPU evaluator', () => {
    const r = rng(5);
    const feeds: Record<string, Record<string, Tensor>> = {
      cnn: { input: randomTensor('float32', [2, 3, 8, 8], r) },
      transformer: {
        input_ids: randomTensor('int64', [2, 5], r, 0, 10),
        mask: randomTensor('bool', [2, 1, 5, 5], r),
      },
      shapePlumbing: { x: randomTensor('float32', [2, 4, 6], r) },
      symbolicDims: { x: randomTensor('float32', [3, 5, 4], r) },
      spatialMisc: { x: randomTensor('float32', [1, 2, 5, 5], r) },
      randomWeights: { x: randomTensor('float32', [2, 64], r) },
      constantsOnly: {},
      attentionOps: { x: randomTensor('float32', [2, 4, 8], r) },
      recurrent: { x: randomTensor('float32', [5, 2, 3], r) },
      indexingOps: { x: randomTensor('float32', [3, 4], r) },
      samplingOps: { x: randomTensor('float32', [2, 3, 6, 5], r) },
      matrixSignal: { m: randomTensor('float32', [2, 3, 3], r), signal: randomTensor('float32', [2, 6, 1], r) },
      allBinary: {
        f: randomTensor('float32', [2, 1], r, 0.5, 2),
        f2: randomTensor('float32', [3], r, 0.5, 2),
        i: randomTensor('int32', [2, 3], r, 1, 9),
        u: randomTensor('uint8', [3], r, 1, 7),
        b: randomTensor('bool', [2, 3], r),
      },
    };
    for (const [name, feed] of Object.entries(feeds)) {
      const g = SAMPLE_GRAPHS[name]!();
      const parsed = parseGraph(printGraph(g));
      const want = evaluateGraph(g, feed);
      const got = evaluateGraph(parsed, feed);
      expect([...got.keys()], name).toEqual([...want.keys()]);
      for (const [k, t] of want) {
        const u = got.get(k)!;
        expect(u.dims, `${name}/${k}`).toEqual(t.dims);
        expect(bytes(u), `${name}/${k}`).toEqual(bytes(t));
      }
      // The inputs were random, so at least one output must be non-zero.
      expect([...want.values()].some((t) => Array.from(t.data, Number).some((x) => x !== 0)), name).toBe(true);
    }
  });
});

describe('the text format', () => {
  it('prints a readable MLIR-like form', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 3] });
    const w = g.addConstant('w', { dtype: 'float32', dims: [3, 2], data: Float32Array.from([0.1, -2, 3.5, 1e-8, NaN, -Infinity]) });
    const b = g.addConstant('b', { dtype: 'float32', dims: [2], data: Float32Array.from([0.25, 0.25]) });
    const [m] = g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [x, w, b], 'Gemm_0', ['y']);
    const [r] = g.add({ kind: 'unary', fn: 'clip', alpha: 0, beta: Infinity }, [m!]);
    g.outputs = [r!];
    expect(printGraph(g)).toBe(
      [
        'graph(%x: f32[batch, 3]) {',
        '  %w = const f32[3, 2] dense<[0.1, -2, 3.5, 1e-8, nan, -inf]>',
        '  %b = const f32[2] dense<splat 0.25>',
        '  %y = matmul(%x, %w, %b) {alpha = 1, beta = 1, transA = false, transB = false} : f32[batch, 2] loc("Gemm_0")',
        '  %unary_1_out0 = unary(%y) {alpha = 0, beta = inf, fn = clip} : f32[batch, 2]',
        '  return %unary_1_out0',
        '}',
        '',
      ].join('\n'),
    );
    expect(printGraph(g, { elideConstantsOver: 4 })).toContain('%w = const f32[3, 2] dense<elided 6>');
  });

  it('reads hand-written text: comments, blank lines, any attribute order, optional loc', () => {
    const text = `
      // a comment line
      graph(%a: i64[n, 4], %"odd name": bool[4]) {   // trailing comment
        %k = const i64[] dense<[2]>

        %s = binary(%a, %k) {fn = mul} : i64[n, 4]
        %t = where(%"odd name", %s, %a) : i64[n, 4] loc("my // where")
        %sh = slice(%t) {steps = [-1], ends = [-9223372036854775808], starts = [-1], axes = [1]} : i64[n, 4]
        return %sh, %a
      }`;
    const g = parseGraph(text);
    verifyGraph(g);
    expect(g.inputs.map((v) => v.name)).toEqual(['a', 'odd name']);
    expect(g.nodes.map((n) => n.name)).toEqual(['binary_0', 'my // where', 'slice_2']);
    expect(g.nodes[2]!.op).toEqual({ kind: 'slice', axes: [1], starts: [-1], ends: [-9223372036854775808], steps: [-1] });
    expect(printGraph(parseGraph(printGraph(g)))).toBe(printGraph(g));
  });

  it('prints float32 in the shortest form that reads back exactly', () => {
    const r = rng(3);
    const buf = new Float32Array(1);
    const ubuf = new Uint32Array(buf.buffer);
    for (let i = 0; i < 2000; i++) {
      ubuf[0] = Math.floor(r() * 2 ** 32);
      const x = buf[0]!;
      const s = formatFloat32(x);
      if (Number.isNaN(x)) {
        expect(s).toBe('nan');
        continue;
      }
      expect(Object.is(Math.fround(s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s)), x), s).toBe(true);
      // No decimal with fewer significant digits reads back to the same float32.
      const digits = s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
      if (Number.isFinite(x) && digits > 1) expect(Math.fround(Number(x.toPrecision(digits - 1)))).not.toBe(x);
    }
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatFloat32(-0)).toBe('-0');
  });
});

describe('parse errors name the line', () => {
  const wrap = (...body: string[]) => ['graph(%x: f32[2, 3]) {', ...body, '}'].join('\n');
  const cases: [string, string, RegExp][] = [
    ['type mismatch', wrap('  %y = unary(%x) {fn = relu, alpha = 0, beta = 0} : f32[2, 4]', '  return %y'), /line 2: %y is printed as f32\[2, 4\] but infers to f32\[2, 3\]/],
    ['undefined value', wrap('  %y = unary(%z) {fn = relu, alpha = 0, beta = 0} : f32[2, 3]', '  return %y'), /line 2: %z is not defined/],
    ['redefinition', wrap('  %x = unary(%x) {fn = relu, alpha = 0, beta = 0} : f32[2, 3]', '  return %x'), /line 2: %x is already defined/],
    ['unknown op', wrap('  %y = frob(%x) : f32[2, 3]', '  return %y'), /line 2: unknown op 'frob'/],
    ['missing attribute', wrap('  %y = unary(%x) {fn = relu, alpha = 0} : f32[2, 3]', '  return %y'), /line 2: unary: attribute 'beta' is missing/],
    ['unknown attribute', wrap('  %y = binary(%x, %x) {fn = add, axis = 1} : f32[2, 3]', '  return %y'), /line 2: binary: unknown attribute 'axis'/],
    ['ill-typed attribute', wrap('  %y = softmax(%x) {axis = last, log = false} : f32[2, 3]', '  return %y'), /line 2: softmax: attribute 'axis' must be number/],
    ['inference failure', wrap('  %y = softmax(%x) {axis = 5, log = false} : f32[2, 3]', '  return %y'), /line 2: .*softmax: axis 5 is out of range for rank 2/],
    ['unknown dtype', wrap('  %c = const q8[1] dense<[1]>', '  return %c'), /line 2: unknown dtype 'q8'/],
    ['element count', wrap('  %c = const f32[2] dense<[1, 2, 3]>', '  return %c'), /line 2: dense data has 3 elements, f32\[2\] needs 2/],
    ['integer range', wrap('  %c = const u8[1] dense<[256]>', '  return %c'), /line 2: 256 is not a valid uint8 element/],
    ['int64 range', wrap('  %c = const i64[1] dense<[9223372036854775808]>', '  return %c'), /line 2: 9223372036854775808 is out of range for int64/],
    ['elided data', wrap('  %c = const f32[2] dense<elided 2>', '  return %c'), /line 2: an elided constant cannot be parsed/],
    ['trailing text', wrap('  %y = unary(%x) {fn = relu, alpha = 0, beta = 0} : f32[2, 3] extra', '  return %y'), /line 2: unexpected text/],
    ['missing return', wrap('  %y = unary(%x) {fn = relu, alpha = 0, beta = 0} : f32[2, 3]'), /line 3: the graph has no return/],
    ['statement after return', wrap('  return %x', '  %y = unary(%x) {fn = relu, alpha = 0, beta = 0} : f32[2, 3]'), /line 3: statements after return/],
    ['missing brace', 'graph(%x: f32[2]) {\n  return %x\n', /missing closing '}'/],
    ['bad header', 'grph(%x: f32[2]) {', /line 1: expected 'graph'/],
  ];
  for (const [label, text, error] of cases) {
    it(label, () => {
      expect(() => parseGraph(text)).toThrow(error);
    });
  }

  it('reads back every dtype name', () => {
    const dtypes: DType[] = ['float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'];
    for (const dtype of dtypes) {
      const g = new Graph();
      g.outputs = [g.addInput('v', { dtype, shape: [1, 'n'] })];
      expect(parseGraph(printGraph(g)).inputs[0]!.type).toEqual({ dtype, shape: [1, 'n'] });
    }
  });
});
