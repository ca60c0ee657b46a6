/**
 * The importers' pure helpers, without models: auto_pad resolution, Reshape target resolution
 * (0, -1, allowzero, symbols), products of symbolic dims, axis normalization, the registry lookup
 * and the unsupported-ops message. Expected values are worked by hand from the ONNX formulas.
 */

import { describe, expect, test } from 'vitest';
import { SymbolicDimError, UnsupportedOpsError } from '../../src/onnx/errors.js';
import { MAX_OPSET, MIN_OPSET, dimProduct, normalizeAxes, resolveWindowPads } from '../../src/onnx/ops/common.js';
import { IMPORTERS, findImporter } from '../../src/onnx/ops/index.js';
import { resolveReshape } from '../../src/onnx/ops/reshape.js';

describe('resolveWindowPads', () => {
  test('NOTSET passes explicit pads through; VALID is zero', () => {
    expect(resolveWindowPads('NOTSET', [5, 5], [3, 3], [1, 1], [1, 1], [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    expect(resolveWindowPads('VALID', [5, 5], [3, 3], [2, 2], [1, 1], [1, 2, 3, 4])).toEqual([0, 0, 0, 0]);
  });

  test('SAME: total = (ceil(in/s) − 1)·s + (k−1)·d + 1 − in, odd element by mode', () => {
    // in 8, s 2, k 3 → out 4, total 1; in 7 → out 4, total 2.
    expect(resolveWindowPads('SAME_UPPER', [8, 7], [3, 3], [2, 2], [1, 1], [0, 0, 0, 0])).toEqual([0, 1, 1, 1]);
    expect(resolveWindowPads('SAME_LOWER', [8, 7], [3, 3], [2, 2], [1, 1], [0, 0, 0, 0])).toEqual([1, 1, 0, 1]);
    // Dilation 2 makes a 3-kernel reach 5: stride 1 needs 4.
    expect(resolveWindowPads('SAME_UPPER', [9], [3], [1], [2], [0, 0])).toEqual([2, 2]);
    // A kernel smaller than the stride never needs negative padding.
    expect(resolveWindowPads('SAME_UPPER', [5], [1], [3], [1], [0, 0])).toEqual([0, 0]);
  });

  test('stride 1 works on symbols; larger strides need the size', () => {
    expect(resolveWindowPads('SAME_LOWER', ['h'], [4], [1], [1], [0, 0])).toEqual([2, 1]);
    expect(() => resolveWindowPads('SAME_LOWER', ['h'], [4], [2], [1], [0, 0])).toThrow(SymbolicDimError);
  });
});

describe('resolveReshape', () => {
  test('0 copies the input dim, -1 takes the rest', () => {
    expect(resolveReshape([2, 3, 4], [0, -1], false)).toEqual([2, 12]);
    expect(resolveReshape([2, 3, 4], [-1, 0, 2], false)).toEqual([4, 3, 2]);
    expect(resolveReshape([2, 3, 4], [24], false)).toEqual([24]);
  });

  test('allowzero keeps 0 as a size and forbids mixing it with -1', () => {
    expect(resolveReshape([0, 3], [3, 0], true)).toEqual([3, 0]);
    expect(() => resolveReshape([0, 3], [0, -1], true)).toThrow(/allowzero=1 forbids 0 and -1 together/);
  });

  test('zero-size inputs infer -1 as 0', () => {
    expect(resolveReshape([0, 4], [-1, 2], false)).toEqual([0, 2]);
    expect(() => resolveReshape([2, 0, 4], [-1, 0], false)).toThrow(/-1 cannot be inferred/);
  });

  test('symbols cancel between input and output', () => {
    expect(resolveReshape(['batch', 6, 2], [0, -1, 3], false)).toEqual(['batch', 4, 3]);
    expect(resolveReshape(['b', 's', 8], [-1, 0, 8], false)).toEqual(['b', 's', 8]);
    expect(resolveReshape(['b', 4, 's'], [0, 2, 2, -1], false)).toEqual(['b', 2, 2, 's']);
  });

  test('-1 is the exact symbolic quotient; an inexact one is a SymbolicDimError', () => {
    expect(resolveReshape([3, 'n'], [-1], false)).toEqual(['3*n']);
    expect(resolveReshape(['b', 's'], [-1], false)).toEqual(['b*s']);
    expect(resolveReshape(['b', 's', 128], [-1, 128], false)).toEqual(['b*s', 128]);
    expect(resolveReshape(['b*s', 128], ['b', -1, 4, 32], false)).toEqual(['b', 's', 4, 32]);
    expect(() => resolveReshape(['n', 3], [-1, 2], false)).toThrow(SymbolicDimError);
    expect(() => resolveReshape(['n', 3], [-1, 2], false)).toThrow(/does not divide exactly/);
  });

  test('symbolic targets: equal counts pass, undecidable ones become run-time assertions', () => {
    expect(resolveReshape(['b', 's', 128], ['b', 's', 4, 32], false)).toEqual(['b', 's', 4, 32]);
    const assumed: [unknown, unknown][] = [];
    expect(resolveReshape(['n'], [3, 4], false, (a, b) => assumed.push([a, b]))).toEqual([3, 4]);
    expect(assumed).toEqual([[12, 'n']]);
    expect(() => resolveReshape(['n'], ['n', 2], false)).toThrow(/element counts differ/);
    expect(() => resolveReshape(['n'], ['n+1'], false)).toThrow(/element counts differ/);
    expect(() => resolveReshape(['n'], ['n-2'], false)).toThrow(/may be negative/);
  });

  test('malformed targets and certain mismatches are errors', () => {
    expect(() => resolveReshape([2, 3], [-1, -1], false)).toThrow(/more than one -1/);
    expect(() => resolveReshape([2, 3], [-2, 3], false)).toThrow(/invalid dim -2/);
    expect(() => resolveReshape([2, 3], [4, 2], false)).toThrow(/element counts differ/);
    expect(() => resolveReshape([2, 3], [-1, 4], false)).toThrow(/do not divide/);
    expect(() => resolveReshape([2], [0, 0], false)).toThrow(/no input dim to copy/);
  });
});

describe('dims and axes', () => {
  test('dimProduct gives a number or a canonical symbolic product', () => {
    expect(dimProduct([2, 3, 4], 'x')).toBe(24);
    expect(dimProduct([], 'x')).toBe(1);
    expect(dimProduct([1, 'b', 1], 'x')).toBe('b');
    expect(dimProduct(['b', 0], 'x')).toBe(0);
    expect(dimProduct(['b', 2], 'Flatten')).toBe('2*b');
    expect(dimProduct(['s', 'b'], 'Flatten')).toBe('b*s');
  });

  test('normalizeAxes keeps order and rejects repeats and out-of-range axes', () => {
    expect(normalizeAxes([-1, 0], 3)).toEqual([2, 0]);
    expect(() => normalizeAxes([1, -2], 3)).toThrow(/repeated axis/);
    expect(() => normalizeAxes([3], 3)).toThrow(/axis 3 is out of range for rank 3/);
  });
});

describe('registry', () => {
  test('one importer per op, each within the reviewed opset window', () => {
    const keys = IMPORTERS.map((i) => `${i.domain}:${i.opType}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Which ops accept opsets below 7 (each reviewed for its legacy forms) is checked in
    // old-opsets.test.ts. Other domains version on their own.
    for (const imp of IMPORTERS) {
      if (imp.domain === '') expect(imp.since, imp.opType).toBeGreaterThanOrEqual(MIN_OPSET);
      expect(imp.until, imp.opType).toBeLessThanOrEqual(MAX_OPSET);
      expect(imp.since, imp.opType).toBeLessThanOrEqual(imp.until);
    }
  });

  test('lookup honours the op introduction and the opset bounds', () => {
    expect(findImporter('', 'Conv', 13)?.opType).toBe('Conv');
    expect(findImporter('', 'HardSwish', 13)).toBeUndefined();
    expect(findImporter('', 'HardSwish', 14)?.opType).toBe('HardSwish');
    expect(findImporter('', 'Upsample', 10)).toBeUndefined();
    expect(findImporter('', 'Relu', MAX_OPSET + 1)).toBeUndefined();
    expect(findImporter('', 'Relu', undefined)).toBeUndefined();
    expect(findImporter('com.microsoft', 'Relu', 13)).toBeUndefined();
    // An op with no importer at all (its output shape depends on the data).
    expect(findImporter('', 'NonMaxSuppression', 11)).toBeUndefined();
  });

  test('the ops the task lists all have importers', () => {
    const required = `Conv ConvTranspose BatchNormalization Relu LeakyRelu PRelu Elu Selu Celu ThresholdedRelu Softplus
      Softsign Clip Sigmoid Tanh HardSigmoid HardSwish Add Sub Mul Div Pow Max Min Sum Mean Neg Exp Log Abs Sqrt
      Reciprocal Erf Floor Ceil Round Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh Not And Or Xor
      Equal Less Greater LessOrEqual GreaterOrEqual Where Cast CastLike IsNaN IsInf Mod BitShift MaxPool AveragePool
      GlobalAveragePool GlobalMaxPool Gemm MatMul Flatten Reshape Squeeze Unsqueeze Transpose Concat Slice Split
      Gather GatherElements Shape Size Constant ConstantOfShape Range Expand Tile Identity Dropout ReduceMean
      ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare
      ArgMax ArgMin Softmax LogSoftmax Resize Upsample DepthToSpace SpaceToDepth Pad CumSum Trilu LayerNormalization`;
    const missing = required.split(/\s+/).filter((op) => op && !IMPORTERS.some((i) => i.opType === op));
    expect(missing).toEqual([]);
  });
});

test('UnsupportedOpsError counts nodes, lists every op and at most three names each', () => {
  const e = new UnsupportedOpsError([
    { opType: 'NonMaxSuppression', domain: '', opset: 11, count: 2, nodes: ['nms_1', 'nms_2'] },
    { opType: 'TopK', domain: '', opset: 11, count: 1, nodes: ['topk_0'] },
  ]);
  expect(e.message).toBe('3 unsupported ops: NonMaxSuppression (opset 11) ×2: nms_1, nms_2; TopK (opset 11) ×1: topk_0');
  expect(new UnsupportedOpsError([{ opType: 'X', domain: 'd', opset: undefined, count: 4, nodes: ['a', 'b', 'c', 'd'] }]).message).toBe(
    '4 unsupported ops: X (d no opset import) ×4: a, b, c, …',
  );
});
