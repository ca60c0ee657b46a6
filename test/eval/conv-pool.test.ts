/**
 * conv, convTranspose and pool against onnxruntime: 1-, 2- and 3-d, groups (incl. depthwise),
 * strides, dilations, asymmetric pads, output padding, bias, ceil mode (with the dropped last
 * window), and average pooling's two divisors. Sizes are odd so no loop can assume multiples of 4.
 */

import { describe, expect, it } from 'vitest';
import type { Op } from '../../ir/ops.js';
import type { Tensor } from '../../ir/graph.js';
import { evaluate, toFloat16Array } from '../../ir/eval/index.js';
import { expectMatchesOrt } from './helpers/check.js';
import { runOrt } from './helpers/onnx-model.js';
import { expectClose, randomTensor, rng, tensor } from './helpers/tensors.js';

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  bias: boolean;
  strides: number[];
  pads: number[];
  dilations: number[];
  group: number;
}

const CONV: ConvCase[] = [
  { name: '1-d stride 2, asymmetric pads, bias', x: [2, 3, 11], w: [4, 3, 3], bias: true, strides: [2], pads: [1, 2], dilations: [1], group: 1 },
  { name: '2-d groups 2, strides, dilation', x: [1, 4, 9, 7], w: [6, 2, 3, 2], bias: true, strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2], group: 2 },
  { name: '2-d depthwise 3×3', x: [2, 5, 8, 6], w: [5, 1, 3, 3], bias: false, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 5 },
  { name: '2-d 5×5 dilation 2 stride 3', x: [1, 3, 17, 13], w: [7, 3, 5, 5], bias: true, strides: [3, 3], pads: [2, 3, 1, 0], dilations: [2, 2], group: 1 },
  { name: '2-d 1×1, 7 output channels', x: [1, 6, 5, 3], w: [7, 6, 1, 1], bias: true, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 },
  { name: '2-d kernel larger than input with padding', x: [1, 2, 3, 2], w: [3, 2, 4, 3], bias: false, strides: [1, 1], pads: [2, 1, 2, 1], dilations: [1, 1], group: 1 },
  { name: '3-d mixed strides and dilations', x: [1, 2, 5, 6, 7], w: [3, 2, 2, 3, 2], bias: true, strides: [1, 2, 1], pads: [0, 1, 1, 1, 0, 1], dilations: [2, 1, 1], group: 1 },
  { name: '2-d batch 3, 10 channels', x: [3, 8, 11, 9], w: [10, 8, 3, 3], bias: true, strides: [1, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 },
];

describe('conv vs onnxruntime', () => {
  CONV.forEach((c, i) => {
    it(c.name, async () => {
      const random = rng(200 + i);
      const x = randomTensor(random, 'float32', c.x);
      const w = randomTensor(random, 'float32', c.w);
      const inputs = c.bias ? [x, w, randomTensor(random, 'float32', [c.w[0]!])] : [x, w];
      const op: Op = { kind: 'conv', strides: c.strides, pads: c.pads, dilations: c.dilations, group: c.group };
      await expectMatchesOrt(op, inputs, {
        opType: 'Conv',
        attrs: { strides: c.strides, pads: c.pads, dilations: c.dilations, group: c.group, kernel_shape: c.w.slice(2) },
      });
    });
  });

  it('computes float64, and float16 rounded once from the float64 result', async () => {
    // onnxruntime's CPU provider has no double or half Conv: compare float64 with its float32
    // Conv on the same values, and float16 with the float64 result rounded to half.
    const op: Op = { kind: 'conv', strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };
    const x16 = randomTensor(rng(3), 'float16', [1, 3, 6, 5]);
    const w16 = randomTensor(rng(4), 'float16', [2, 3, 3, 3]);
    const as = (t: Tensor, dtype: 'float32' | 'float64'): Tensor => ({ ...t, dtype, data: dtype === 'float32' ? Float32Array.from(t.data as Float32Array) : Float64Array.from(t.data as Float32Array) });
    const [y64] = evaluate(op, [as(x16, 'float64'), as(w16, 'float64')]);
    const [y32] = await runOrt({ opType: 'Conv', attrs: { pads: [1, 1, 1, 1] }, inputs: [as(x16, 'float32'), as(w16, 'float32')], outputs: ['float32'] });
    expectClose(as(y64!, 'float32'), y32!);
    const [y16] = evaluate(op, [x16, w16]);
    expectClose(y16!, { ...y64!, dtype: 'float16', data: toFloat16Array(y64!.data as Float64Array) }, { rtol: 0, atol: 0 });
  });

  it('rejects mismatched channels', () => {
    const op: Op = { kind: 'conv', strides: [1], pads: [0, 0], dilations: [1], group: 1 };
    expect(() => evaluate(op, [tensor('float32', [1, 2, 3], [1, 2, 3, 4, 5, 6]), tensor('float32', [1, 3, 1], [1, 2, 3])])).toThrow(/input channels/);
  });

  // A full-size layer (what constant folding may meet): spot-checked against the direct sum at a
  // few points, corners included. Its speed is a benchmark matter, not asserted here (a loaded
  // machine made a time limit flaky).
  it('computes a 64-channel 224×224 3×3 layer', () => {
    const random = rng(9);
    const x = randomTensor(random, 'float32', [1, 64, 224, 224]);
    const w = randomTensor(random, 'float32', [64, 64, 3, 3]);
    const [y] = evaluate({ kind: 'conv', strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }, [x, w]);
    expect(y!.dims).toEqual([1, 64, 224, 224]);
    const xd = x.data as Float32Array;
    const wd = w.data as Float32Array;
    for (const [o, r, c] of [[0, 0, 0], [63, 223, 223], [17, 100, 5], [40, 0, 223]] as const) {
      let sum = 0;
      for (let i = 0; i < 64; i++) {
        for (let kr = 0; kr < 3; kr++) {
          for (let kc = 0; kc < 3; kc++) {
            const yr = r + kr - 1;
            const xc = c + kc - 1;
            if (yr < 0 || yr >= 224 || xc < 0 || xc >= 224) continue;
            sum += xd[(i * 224 + yr) * 224 + xc]! * wd[((o * 64 + i) * 3 + kr) * 3 + kc]!;
          }
        }
      }
      expect((y!.data as Float32Array)[(o * 224 + r) * 224 + c]).toBeCloseTo(sum, 3);
    }
  }, 120_000);
});

interface ConvTCase {
  name: string;
  x: number[];
  w: number[];
  bias: boolean;
  strides: number[];
  pads: number[];
  dilations: number[];
  group: number;
  outputPadding: number[];
}

const CONVT: ConvTCase[] = [
  { name: '1-d stride 2 with output padding', x: [1, 3, 7], w: [3, 2, 3], bias: true, strides: [2], pads: [1, 0], dilations: [1], group: 1, outputPadding: [1] },
  { name: '2-d groups, strides, dilation, output padding', x: [2, 4, 5, 6], w: [4, 3, 3, 2], bias: true, strides: [2, 3], pads: [1, 0, 0, 1], dilations: [1, 2], group: 2, outputPadding: [1, 2] },
  { name: '2-d stride 1 large pads', x: [1, 3, 4, 5], w: [3, 5, 3, 3], bias: false, strides: [1, 1], pads: [2, 1, 1, 2], dilations: [1, 1], group: 1, outputPadding: [0, 0] },
  { name: '3-d', x: [1, 2, 3, 4, 3], w: [2, 2, 2, 2, 3], bias: true, strides: [1, 2, 2], pads: [0, 0, 1, 0, 1, 0], dilations: [1, 1, 1], group: 1, outputPadding: [0, 1, 0] },
];

describe('convTranspose vs onnxruntime', () => {
  CONVT.forEach((c, i) => {
    it(c.name, async () => {
      const random = rng(300 + i);
      const x = randomTensor(random, 'float32', c.x);
      const w = randomTensor(random, 'float32', c.w);
      const m = c.w[1]! * c.group;
      const inputs = c.bias ? [x, w, randomTensor(random, 'float32', [m])] : [x, w];
      const op: Op = { kind: 'convTranspose', strides: c.strides, pads: c.pads, dilations: c.dilations, group: c.group, outputPadding: c.outputPadding };
      const y = await expectMatchesOrt(op, inputs, {
        opType: 'ConvTranspose',
        attrs: { strides: c.strides, pads: c.pads, dilations: c.dilations, group: c.group, output_padding: c.outputPadding },
      });
      const nd = c.x.length - 2;
      // stride·(in − 1) + outputPadding + ((k − 1)·dilation + 1) − padBegin − padEnd
      const expected = c.x.slice(2).map((s, d) => c.strides[d]! * (s - 1) + c.outputPadding[d]! + (c.w[d + 2]! - 1) * c.dilations[d]! + 1 - c.pads[d]! - c.pads[nd + d]!);
      expect(y.dims.slice(2)).toEqual(expected);
    });
  });
});

interface PoolCase {
  name: string;
  type: 'max' | 'avg';
  x: number[];
  kernel: number[];
  strides: number[];
  pads: number[];
  dilations: number[];
  ceilMode: boolean;
  countIncludePad: boolean;
}

const POOL: PoolCase[] = [
  { name: 'max 3×3 s2 p1', type: 'max', x: [2, 3, 9, 7], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: false },
  { name: 'max ceil mode, dilation', type: 'max', x: [1, 2, 10, 9], kernel: [3, 2], strides: [2, 2], pads: [0, 0, 1, 0], dilations: [1, 2], ceilMode: true, countIncludePad: false },
  { name: 'max 1-d', type: 'max', x: [2, 3, 13], kernel: [4], strides: [3], pads: [1, 2], dilations: [1], ceilMode: false, countIncludePad: false },
  { name: 'max 3-d', type: 'max', x: [1, 2, 5, 6, 7], kernel: [2, 3, 2], strides: [1, 2, 2], pads: [0, 1, 1, 1, 0, 0], dilations: [1, 1, 1], ceilMode: false, countIncludePad: false },
  { name: 'max ceil mode drops a window starting in the end padding', type: 'max', x: [1, 1, 5, 5], kernel: [2, 2], strides: [4, 4], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: true, countIncludePad: false },
  { name: 'avg excluding pad', type: 'avg', x: [2, 3, 9, 8], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: false },
  { name: 'avg including pad', type: 'avg', x: [2, 3, 9, 8], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: true },
  { name: 'avg ceil mode excluding pad', type: 'avg', x: [1, 2, 10, 7], kernel: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], dilations: [1, 1], ceilMode: true, countIncludePad: false },
  { name: 'avg ceil mode including pad (window past the padded input)', type: 'avg', x: [1, 2, 10, 7], kernel: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], dilations: [1, 1], ceilMode: true, countIncludePad: true },
  { name: 'avg ceil mode including pad, 3×3 s2 on 6×6', type: 'avg', x: [1, 1, 6, 6], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: true, countIncludePad: true },
  { name: 'avg dilated', type: 'avg', x: [1, 2, 11, 9], kernel: [2, 3], strides: [1, 2], pads: [1, 1, 0, 1], dilations: [2, 2], ceilMode: false, countIncludePad: false },
  { name: 'avg 1-d including pad', type: 'avg', x: [3, 2, 12], kernel: [5], strides: [2], pads: [2, 1], dilations: [1], ceilMode: false, countIncludePad: true },
  { name: 'avg 3-d', type: 'avg', x: [1, 2, 5, 6, 7], kernel: [2, 2, 3], strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1], dilations: [1, 1, 1], ceilMode: true, countIncludePad: false },
  { name: 'global-style avg (kernel = input)', type: 'avg', x: [2, 5, 7, 6], kernel: [7, 6], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false, countIncludePad: false },
];

describe('pool vs onnxruntime', () => {
  POOL.forEach((c, i) => {
    it(c.name, async () => {
      const x = randomTensor(rng(400 + i), 'float32', c.x);
      const op: Op = { kind: 'pool', ...c, indices: 'none' };
      const attrs = { kernel_shape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations, ceil_mode: c.ceilMode ? 1 : 0 };
      await expectMatchesOrt(
        op,
        [x],
        c.type === 'max'
          ? { opType: 'MaxPool', attrs }
          : { opType: 'AveragePool', attrs: { ...attrs, count_include_pad: c.countIncludePad ? 1 : 0 }, opset: 19 },
      );
    });
  });

  it('max pools uint8 and int8', async () => {
    for (const dtype of ['uint8', 'int8'] as const) {
      const x = randomTensor(rng(5), dtype, [1, 2, 7, 6]);
      const op: Op = { kind: 'pool', type: 'max', kernel: [2, 3], strides: [2, 2], pads: [0, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: false, indices: 'none' };
      await expectMatchesOrt(op, [x], { opType: 'MaxPool', attrs: { kernel_shape: [2, 3], strides: [2, 2], pads: [0, 1, 1, 1] } });
    }
  });
});
