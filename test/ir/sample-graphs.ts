/**
 * Sample IR graphs for the text round-trip tests: between them they use every op kind (the ops
 * the passes recognize, such as attention, and the multi-output ones, rnn and topK, included),
 * every unary and binary fn, constants of every dtype (with nan/inf/-0, int64 extremes, splats),
 * names that need quoting, node names, symbolic dims and generated symbols. Weights are seeded
 * random data (never zeros).
 */

import type { DType } from '../../ir/dtype.js';
import { allocHost } from '../../ir/dtype.js';
import { Graph, type Value } from '../../ir/graph.js';
import { canonicalDim } from '../../ir/dim.js';
import type { BinaryFn, Op, UnaryFn } from '../../ir/ops.js';
import { rng } from '../helpers/random.js';

const rand = rng(99);

function weights(g: Graph, name: string, dims: number[], dtype: DType = 'float32'): Value {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = allocHost(dtype, n);
  // float16 constants hold f16-exact values: multiples of 2^-10 below 1 in magnitude are.
  for (let i = 0; i < n; i++) {
    const v = (rand() - 0.5) * 2;
    (data as Float32Array)[i] = dtype === 'float16' ? Math.round(v * 1024) / 1024 : v;
  }
  return g.addConstant(name, { dtype, dims, data });
}

function ints(g: Graph, name: string, dtype: 'int64' | 'int32', values: number[], dims = [values.length]): Value {
  const data = dtype === 'int64' ? BigInt64Array.from(values.map(BigInt)) : Int32Array.from(values);
  return g.addConstant(name, { dtype, dims, data });
}

const one = (g: Graph, op: Op, inputs: Value[], name?: string, outName?: string): Value =>
  g.add(op, inputs, name, outName ? [outName] : [], false)[0]!;

const win = (n: number, p: Partial<Extract<Op, { kind: 'conv' }>> = {}) => ({
  strides: Array<number>(n).fill(1),
  pads: Array<number>(2 * n).fill(0),
  dilations: Array<number>(n).fill(1),
  group: 1,
  ...p,
});

/** conv/batchNorm/relu/pool (ceil and avg)/reshape/gemm/softmax, symbolic batch. */
export function cnn(): Graph {
  const g = new Graph();
  const x = g.addInput('input', { dtype: 'float32', shape: ['batch', 3, 8, 8] });
  let y = one(g, { kind: 'conv', ...win(2, { pads: [1, 1, 1, 1] }) }, [x, weights(g, 'w0', [4, 3, 3, 3]), weights(g, 'b0', [4])], 'Conv_0');
  const bn = ['scale', 'bias', 'mean'].map((n) => weights(g, `bn.${n}`, [4]));
  const variance = g.addConstant('bn.var', { dtype: 'float32', dims: [4], data: Float32Array.from([0.5, 1, 1.5, 2]) });
  y = one(g, { kind: 'batchNorm', epsilon: 1e-5 }, [y, ...bn, variance]);
  y = one(g, { kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [y]);
  y = one(g, { kind: 'pool', type: 'max', kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: true, countIncludePad: false, indices: 'none' }, [y]);
  y = one(g, { kind: 'pool', type: 'avg', kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false, countIncludePad: true, indices: 'none' }, [y]);
  y = one(g, { kind: 'reshape', shape: ['batch', 16] }, [y]);
  y = one(g, { kind: 'matmul', transA: false, transB: true, alpha: 0.5, beta: 2 }, [y, weights(g, 'fc.w', [10, 16]), weights(g, 'fc.b', [10])]);
  g.outputs = [one(g, { kind: 'softmax', axis: 1, log: true }, [y], undefined, 'logits')];
  return g;
}

/** An attention block: embedding gather, layerNorm, batched matmuls, transpose, masking, gelu. */
export function transformer(): Graph {
  const g = new Graph();
  const ids = g.addInput('input_ids', { dtype: 'int64', shape: ['batch', 'seq'] });
  const mask = g.addInput('mask', { dtype: 'bool', shape: ['batch', 1, 'seq', 'seq'] });
  let h = one(g, { kind: 'gather', axis: 0 }, [weights(g, 'embed', [11, 8]), ids]);
  h = one(g, { kind: 'layerNorm', axis: -1, epsilon: 1e-5 }, [h, weights(g, 'ln.g', [8]), weights(g, 'ln.b', [8])]);
  const proj = (name: string) => {
    const p = one(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [h, weights(g, name, [8, 8])]);
    const r = one(g, { kind: 'reshape', shape: ['batch', 'seq', 2, 4] }, [p]);
    return one(g, { kind: 'transpose', perm: [0, 2, 1, 3] }, [r]);
  };
  const [q, k, v] = [proj('wq'), proj('wk'), proj('wv')];
  const kt = one(g, { kind: 'transpose', perm: [0, 1, 3, 2] }, [k]);
  let s = one(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [q, kt]);
  s = one(g, { kind: 'binary', fn: 'div' }, [s, g.addConstant('scale', { dtype: 'float32', dims: [], data: Float32Array.from([2]) })]);
  const ninf = g.addConstant('ninf', { dtype: 'float32', dims: [], data: Float32Array.from([-Infinity]) });
  s = one(g, { kind: 'where' }, [mask, s, ninf]);
  s = one(g, { kind: 'softmax', axis: -1, log: false }, [s]);
  let o = one(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [s, v]);
  o = one(g, { kind: 'transpose', perm: [0, 2, 1, 3] }, [o]);
  o = one(g, { kind: 'reshape', shape: ['batch', 'seq', 8] }, [o]);
  o = one(g, { kind: 'unary', fn: 'gelu', alpha: 0, beta: 0 }, [o]);
  const pooled = one(g, { kind: 'reduce', fn: 'mean', axes: [1], keepdims: false }, [o]);
  g.outputs = [o, one(g, { kind: 'cast', to: 'float16' }, [pooled])];
  return g;
}

/** Shape → gather → range → expand/concat/slice: the exporter plumbing around a symbolic dim. */
export function shapePlumbing(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'seq', 6] });
  const shape = one(g, { kind: 'shape', start: 0, end: 3 }, [x]);
  const seqLen = one(g, { kind: 'gather', axis: 0 }, [shape, ints(g, 'axis1', 'int64', [1], [])]);
  const zero = ints(g, 'zero', 'int64', [0], []);
  const step = ints(g, 'step', 'int64', [1], []);
  const pos = one(g, { kind: 'range' }, [zero, seqLen, step]);
  const pos2 = one(g, { kind: 'reshape', shape: [1, 'seq', 1] }, [pos]);
  const posf = one(g, { kind: 'cast', to: 'float32' }, [pos2]);
  const e = one(g, { kind: 'expand', shape: ['batch', 'seq', 2] }, [posf]);
  const cat = one(g, { kind: 'concat', axis: 2 }, [x, e]);
  const sl = one(g, { kind: 'slice', axes: [2, 1], starts: [-1, 0], ends: [-9007199254740991, 9007199254740991], steps: [-2, 1] }, [cat]);
  // A range whose start is not 0 has an unknown length: a generated (quoted) symbol.
  const odd = one(g, { kind: 'range' }, [step, seqLen, step]);
  g.outputs = [sl, shape, odd];
  return g;
}

/**
 * Symbolic dim expressions as the importer leaves them with symbols unbound: arange of a symbolic
 * length, slices with symbolic bounds, reshapes to products and min(…) sizes.
 */
export function symbolicDims(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'seq', 4] });
  const table = weights(g, 'pos', [6, 4]);
  const pos = one(g, { kind: 'arange', start: 0, delta: 1, length: 'seq', dtype: 'int64' }, []);
  // A position table of 6 rows read at [0, seq): min(6, seq) rows, then broadcast against seq.
  const rows = one(g, { kind: 'slice', axes: [0], starts: [0], ends: ['seq'], steps: [1] }, [table]);
  const emb = one(g, { kind: 'gather', axis: 0 }, [table, one(g, { kind: 'slice', axes: [0], starts: [0], ends: ['min(6,seq)'], steps: [1] }, [pos])]);
  const y = one(g, { kind: 'binary', fn: 'add' }, [x, emb]);
  const flat = one(g, { kind: 'reshape', shape: ['batch*seq', 4] }, [y]);
  const odd = one(g, { kind: 'arange', start: 3, delta: 2, length: canonicalDim('max(0,((seq-2)//2))'), dtype: 'float32' }, []);
  const tail = one(g, { kind: 'slice', axes: [1], starts: ['seq-1'], ends: [2147483647], steps: [1] }, [y]);
  g.outputs = [flat, rows, odd, tail];
  return g;
}

/** convTranspose, resize, pad, tile, trilu, cumSum, argReduce, gatherElements, prelu. */
export function spatialMisc(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: [1, 2, 5, 5] });
  const ct = one(g, { kind: 'convTranspose', ...win(2, { strides: [2, 2], pads: [1, 0, 1, 0] }), outputPadding: [1, 0] }, [x, weights(g, 'wt', [2, 3, 3, 3])]);
  const rs = one(g, {
    kind: 'resize',
    mode: 'cubic',
    coordMode: 'half_pixel',
    nearestMode: 'round_prefer_floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    scales: [1, 1, 0.5, 0.8],
    sizes: [1, 3, 5, 8],
  }, [ct]);
  const pd = one(g, { kind: 'pad', mode: 'reflect', pads: [0, 0, 1, -1, 0, 0, 2, 0], value: 0 }, [rs]);
  const tl = one(g, { kind: 'tile', repeats: [2, 1, 1, 1] }, [pd]);
  const tr = one(g, { kind: 'trilu', upper: false, k: -1 }, [tl]);
  const cs = one(g, { kind: 'cumSum', axis: 3, exclusive: true, reverse: true }, [tr]);
  const pr = one(g, { kind: 'binary', fn: 'prelu' }, [cs, weights(g, 'slope', [3, 1, 1])]);
  const am = one(g, { kind: 'argReduce', fn: 'max', axis: 3, keepdims: true, selectLastIndex: true }, [pr]);
  const ge = one(g, { kind: 'gatherElements', axis: 3 }, [pr, am]);
  g.outputs = [ge, am];
  return g;
}

const UNARY: [UnaryFn, number, number][] = [
  ['identity', 0, 0], ['relu', 0, 0], ['leakyRelu', 0.01, 0], ['elu', 1, 0], ['selu', 1.6732632423543772, 1.0507009873554805],
  ['celu', 1, 0], ['thresholdedRelu', 1, 0], ['sigmoid', 0, 0], ['hardSigmoid', 0.2, 0.5], ['hardSwish', 0, 0],
  ['silu', 0, 0], ['softplus', 0, 0], ['softsign', 0, 0], ['mish', 0, 0], ['gelu', 0, 1], ['clip', -Infinity, 6], ['shrink', 0.5, 0],
  ['tanh', 0, 0], ['neg', 0, 0], ['exp', 0, 0], ['log', 0, 0], ['abs', 0, 0], ['sqrt', 0, 0], ['reciprocal', 0, 0],
  ['erf', 0, 0], ['floor', 0, 0], ['ceil', 0, 0], ['round', 0, 0], ['sign', 0, 0], ['sin', 0, 0], ['cos', 0, 0],
  ['tan', 0, 0], ['asin', 0, 0], ['acos', 0, 0], ['atan', 0, 0], ['sinh', 0, 0], ['cosh', 0, 0], ['asinh', 0, 0],
  ['acosh', 0, 0], ['atanh', 0, 0], ['isNaN', 0, 0], ['isInf', 1, 0],
];

/** Every unary fn on one float input (and `not` on a bool one). */
export function allUnary(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['n', 3] });
  const b = g.addInput('flags', { dtype: 'bool', shape: [3] });
  g.outputs = UNARY.map(([fn, alpha, beta]) => one(g, { kind: 'unary', fn, alpha, beta }, [x]));
  g.outputs.push(one(g, { kind: 'unary', fn: 'not', alpha: 0, beta: 0 }, [b]));
  return g;
}

/** Every binary fn with operands of a dtype it accepts. */
export function allBinary(): Graph {
  const g = new Graph();
  const f = g.addInput('f', { dtype: 'float32', shape: [2, 1] });
  const f2 = g.addInput('f2', { dtype: 'float32', shape: [3] });
  const i = g.addInput('i', { dtype: 'int32', shape: [2, 3] });
  const u = g.addInput('u', { dtype: 'uint8', shape: [3] });
  const b = g.addInput('b', { dtype: 'bool', shape: [2, 3] });
  const float: BinaryFn[] = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'mod', 'fmod', 'equal', 'less', 'lessOrEqual', 'greater', 'greaterOrEqual'];
  g.outputs = float.map((fn) => one(g, { kind: 'binary', fn }, [f, f2]));
  g.outputs.push(one(g, { kind: 'binary', fn: 'pow' }, [f, i]));
  g.outputs.push(one(g, { kind: 'binary', fn: 'prelu' }, [f2, g.addConstant('slope', { dtype: 'float32', dims: [1], data: Float32Array.from([0.25]) })]));
  for (const fn of ['and', 'or', 'xor', 'equal'] as BinaryFn[]) g.outputs.push(one(g, { kind: 'binary', fn }, [b, b]));
  for (const fn of ['bitShiftLeft', 'bitShiftRight', 'bitAnd', 'bitOr', 'bitXor'] as BinaryFn[]) g.outputs.push(one(g, { kind: 'binary', fn }, [u, u]));
  for (const fn of ['bitAnd', 'mod', 'div'] as BinaryFn[]) g.outputs.push(one(g, { kind: 'binary', fn }, [i, i]));
  return g;
}

/** Constants of every dtype, with special floats, integer extremes, splats, scalars and empties. */
export function allConstants(): Graph {
  const g = new Graph();
  const c = (name: string, dtype: DType, dims: number[], values: (number | bigint)[]) => {
    const data = allocHost(dtype, values.length);
    values.forEach((v, k) => ((data as unknown as (number | bigint)[])[k] = v));
    return g.addConstant(name, { dtype, dims, data });
  };
  g.outputs = [
    c('f32', 'float32', [2, 5], [NaN, Infinity, -Infinity, -0, 0, 0.1, 1e-45, 3.4028234663852886e38, -1.1754943508222875e-38, 16777217]),
    c('f16', 'float16', [3], [6.103515625e-5, 65504, -0.333251953125]),
    c('f64', 'float64', [4], [1 / 3, 5e-324, -Number.MAX_VALUE, NaN]),
    c('i8', 'int8', [2], [-128, 127]),
    c('u8', 'uint8', [2], [0, 255]),
    c('i16', 'int16', [2], [-32768, 32767]),
    c('u16', 'uint16', [1], [65535]),
    c('i32', 'int32', [2], [-2147483648, 2147483647]),
    c('u32', 'uint32', [1], [4294967295]),
    c('i64', 'int64', [3], [-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n]),
    c('u64', 'uint64', [1], [2n ** 64n - 1n]),
    c('flags', 'bool', [2, 2], [1, 0, 0, 1]),
    c('splat', 'float32', [2, 3], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
    c('nan_splat', 'float32', [2], [NaN, NaN]),
    c('scalar', 'int64', [], [42n]),
    c('empty', 'float32', [0, 3], []),
  ];
  return g;
}

/** Value names that need quoting, node names kept through loc(...), a symbol needing quotes. */
export function oddNames(): Graph {
  const g = new Graph();
  const x = g.addInput('/model/input:0', { dtype: 'float32', shape: ['batch size', 4] });
  const y = g.addInput('y.1', { dtype: 'float32', shape: [4] });
  const w = g.addConstant('onnx::MatMul_12', { dtype: 'float32', dims: [4, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8].map((v) => v / 3)) });
  const a = one(g, { kind: 'binary', fn: 'add' }, [x, y], '/layer.0/Add', 'résumé "quoted" \\ name');
  const m = one(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [a, w], 'MatMul_7', 'out');
  // A generated-looking node name for another kind is kept too.
  g.outputs = [one(g, { kind: 'unary', fn: 'exp', alpha: 0, beta: 0 }, [m], 'unary_x'), one(g, { kind: 'unary', fn: 'sin', alpha: 0, beta: 0 }, [m], 'binary_3')];
  return g;
}

/** No graph inputs: ops on constants only (folding off), outputs that are constants directly. */
export function constantsOnly(): Graph {
  const g = new Graph();
  const s = ints(g, 'start', 'int64', [10], []);
  const l = ints(g, 'limit', 'int64', [-2], []);
  const d = ints(g, 'delta', 'int64', [-3], []);
  const r = one(g, { kind: 'range' }, [s, l, d]);
  const idx = ints(g, 'idx', 'int32', [-1, 0, 2]);
  g.outputs = [one(g, { kind: 'gather', axis: 0 }, [r, idx]), s];
  return g;
}

/** A larger random weight matrix: many random floats must come back bit-exact. */
export function randomWeights(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: [2, 64] });
  const w = weights(g, 'w', [64, 48]);
  const h = weights(g, 'h', [48], 'float16');
  const y = one(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [x, w]);
  g.outputs = [one(g, { kind: 'binary', fn: 'mul' }, [one(g, { kind: 'cast', to: 'float16' }, [y]), h])];
  return g;
}

/** A causal [1,1,S,T] additive mask: 0 where key t ≤ query s, −∞ above the diagonal. */
function causalMask(g: Graph, name: string, s: number): Value {
  const data = new Float32Array(s * s);
  for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) data[i * s + j] = -Infinity;
  return g.addConstant(name, { dtype: 'float32', dims: [1, 1, s, s], data });
}

/** Fused attention in both layouts (packed heads with a causal mask, unpacked without), silu. */
export function attentionOps(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 4, 8] });
  const mm = (name: string) => one(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [x, weights(g, name, [8, 8])]);
  const [k, v] = [mm('wk'), mm('wv')];
  const packed = one(g, { kind: 'attention', heads: 2, scale: 0.5 }, [x, k, v, causalMask(g, 'causal', 4)], 'Attention_0');
  // Keys of another length (S ≠ T) in the unpacked layout.
  const kv = weights(g, 'memory', [6, 8]);
  const kvb = one(g, { kind: 'expand', shape: ['batch', 6, 8] }, [kv]);
  const plain = one(g, { kind: 'attention', heads: 0, scale: 0.35355339059327373 }, [packed, kvb, kvb]);
  g.outputs = [one(g, { kind: 'unary', fn: 'silu', alpha: 0, beta: 0 }, [plain])];
  return g;
}

/** The recurrent layer op for each cell: outputs y, yH (and yC for lstm) all returned. */
export function recurrent(): Graph {
  const g = new Graph();
  const [S, B, I] = [5, 2, 3];
  const x = g.addInput('x', { dtype: 'float32', shape: [S, B, I] });
  const seqLens = ints(g, 'seq_lens', 'int32', [5, 3]);
  const layer = (cell: 'rnn' | 'gru' | 'lstm', H: number, D: number, extra: Partial<Extract<Op, { kind: 'rnn' }>>) => {
    const G = cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
    const inputs = [x, weights(g, `${cell}.w`, [D, G * H, I]), weights(g, `${cell}.r`, [D, G * H, H]), weights(g, `${cell}.b`, [D, 2 * G * H]), seqLens, weights(g, `${cell}.h0`, [D, B, H])];
    if (cell === 'lstm') inputs.push(weights(g, `${cell}.c0`, [D, B, H]), weights(g, `${cell}.p`, [D, 3 * H]));
    const op: Op = {
      kind: 'rnn',
      cell,
      direction: 'forward',
      hiddenSize: H,
      activations: [],
      activationAlpha: [],
      activationBeta: [],
      clip: Infinity,
      inputForget: false,
      linearBeforeReset: false,
      ...extra,
    };
    return g.add(op, inputs, `${cell.toUpperCase()}_0`, [], false);
  };
  const lstm = layer('lstm', 4, 2, {
    direction: 'bidirectional',
    activations: ['sigmoid', 'tanh', 'tanh', 'hardSigmoid', 'softsign', 'scaledTanh'],
    activationAlpha: [0, 0, 0, 0.2, 0, 1.5],
    activationBeta: [0, 0, 0, 0.5, 0, 0.5],
    clip: 3,
    inputForget: true,
  });
  const gru = layer('gru', 3, 1, {
    direction: 'reverse',
    activations: ['sigmoid', 'leakyRelu'],
    activationAlpha: [0, 0.1],
    activationBeta: [0, 0],
    linearBeforeReset: true,
  });
  const rnn = layer('rnn', 2, 1, { activations: ['affine'], activationAlpha: [0.5], activationBeta: [-0.25] });
  g.outputs = [...lstm, ...gru, ...rnn];
  return g;
}

/** scatterElements, scatterND, gatherND and topK (two outputs), with constant indices. */
export function indexingOps(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: [3, 4] });
  const se = one(g, { kind: 'scatterElements', axis: 1, reduction: 'add' }, [x, ints(g, 'se.idx', 'int64', [0, -1, 1, 1, 3, 0], [3, 2]), weights(g, 'se.upd', [3, 2])]);
  const sn = one(g, { kind: 'scatterND', reduction: 'max' }, [se, ints(g, 'sn.idx', 'int64', [2, 0], [2, 1]), weights(g, 'sn.upd', [2, 4])]);
  const gn = one(g, { kind: 'gatherND', batchDims: 1 }, [sn, ints(g, 'gn.idx', 'int32', [3, 0, 2], [3, 1])]);
  const [values, indices] = g.add({ kind: 'topK', axis: 1, k: 2, largest: false, sorted: true }, [sn], 'TopK_0', [], false);
  g.outputs = [gn, values!, indices!];
  return g;
}

/** gridSample (cubic, reflection) and roiAlign (max, half-pixel) on one feature map. */
export function samplingOps(): Graph {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: [2, 3, 6, 5] });
  const grid = weights(g, 'grid', [2, 3, 4, 2]);
  const gs = one(g, { kind: 'gridSample', mode: 'cubic', padding: 'reflection', alignCorners: true }, [x, grid]);
  const rois = g.addConstant('rois', { dtype: 'float32', dims: [3, 4], data: Float32Array.from([0, 0, 4, 5, 1.5, 0.5, 3.5, 4, 0.2, 1, 2.2, 2.6]) });
  const ra = one(g, { kind: 'roiAlign', mode: 'max', outputHeight: 2, outputWidth: 3, samplingRatio: 0, spatialScale: 0.5, halfPixel: true }, [x, rois, ints(g, 'batch_idx', 'int64', [1, 0, 1])]);
  g.outputs = [gs, ra];
  return g;
}

/** det of a batch of matrices; a onesided real DFT, zero-padded, then a complex inverse DFT. */
export function matrixSignal(): Graph {
  const g = new Graph();
  const m = g.addInput('m', { dtype: 'float32', shape: [2, 3, 3] });
  const x = g.addInput('signal', { dtype: 'float32', shape: [2, 6, 1] });
  const spectrum = one(g, { kind: 'dft', axis: 1, length: 8, inverse: false, onesided: true }, [x], 'DFT_0');
  const back = one(g, { kind: 'dft', axis: 1, length: 4, inverse: true, onesided: false }, [spectrum]);
  g.outputs = [one(g, { kind: 'det' }, [m]), spectrum, back];
  return g;
}

export const SAMPLE_GRAPHS: Record<string, () => Graph> = {
  cnn,
  transformer,
  shapePlumbing,
  symbolicDims,
  spatialMisc,
  allUnary,
  allBinary,
  allConstants,
  oddNames,
  constantsOnly,
  randomWeights,
  attentionOps,
  recurrent,
  indexingOps,
  samplingOps,
  matrixSignal,
};
