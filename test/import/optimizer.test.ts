/**
 * The optimizer steps (Adagrad, Momentum: ai.onnx.preview.training opset 1) imported and
 * evaluated on the CPU, against the ONNX formulas computed here in float64 on random inputs:
 * one and several tensors, T = 0 (first step) and T > 0, both Momentum modes, and only some
 * outputs requested. onnxruntime has no inference kernels for these ops. Tolerance: 1e-5
 * relative / 1e-6 absolute (float32 arithmetic against float64).
 */

import { describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildNodeModel, type Attr } from './one-node-model.js';
import { runIr } from './ort.js';

const rand = rng(20261203);
const DOMAIN = 'ai.onnx.preview.training';

type Formula = (r: number, t: number, x: number, g: number, state: number[]) => number[];

/**
 * Runs `op` on n random tensors per group (shapes `shapes`) and compares each requested output
 * with `formula`, which maps one element (and its state elements) to [x', state'…].
 */
async function check(op: string, groups: string[], shapes: number[][], t: number, attrs: Record<string, Attr>, formula: Formula, skip: string[] = []): Promise<void> {
  const n = shapes.length;
  const names = groups.flatMap((gname) => shapes.map((_, i) => `${gname}${i}`));
  const outNames = ['X', ...groups.slice(2)].flatMap((gname) => shapes.map((_, i) => `${gname}${i}_new`));
  const feeds: Record<string, Tensor> = {
    R: randomTensor('float32', [], rand, 0.05, 0.5),
    T: { dtype: 'int64', dims: [], data: BigInt64Array.from([BigInt(t)]) },
  };
  groups.forEach((gname, k) =>
    shapes.forEach((dims, i) => {
      // State tensors that feed a square root (Adagrad's H) stay positive.
      feeds[`${gname}${i}`] = k >= 2 ? randomTensor('float32', dims, rand, 0.1, 2) : randomTensor('float32', dims, rand, -2, 2);
    }),
  );
  const bytes = buildNodeModel({
    op,
    opset: 1,
    domain: DOMAIN,
    attrs,
    outputs: outNames.map((o) => (skip.includes(o) ? '' : o)),
    inputs: [
      { name: 'R', dtype: 'float32', dims: [] },
      { name: 'T', dtype: 'int64', dims: [] },
      ...names.map((name) => ({ name, dtype: 'float32' as const, dims: shapes[Number(name.slice(-1))]! })),
    ],
  });
  const ours = runIr(importModel(decodeModel(bytes)), feeds);
  expect(Object.keys(ours).sort()).toEqual(outNames.filter((o) => !skip.includes(o)).sort());
  const r = (feeds.R!.data as Float32Array)[0]!;
  for (let i = 0; i < n; i++) {
    const x = feeds[`X${i}`]!.data as Float32Array;
    const g = feeds[`G${i}`]!.data as Float32Array;
    const states = groups.slice(2).map((gname) => feeds[`${gname}${i}`]!.data as Float32Array);
    const expected = ['X', ...groups.slice(2)].map(() => new Float64Array(x.length));
    for (let e = 0; e < x.length; e++) {
      formula(r, t, x[e]!, g[e]!, states.map((s) => s[e]!)).forEach((v, k) => (expected[k]![e] = v));
    }
    ['X', ...groups.slice(2)].forEach((gname, k) => {
      const name = `${gname}${i}_new`;
      if (skip.includes(name)) return;
      const want: Tensor = { dtype: 'float32', dims: shapes[i]!, data: Float32Array.from(expected[k]!) };
      expectClose(ours[name]!, want, 1e-5, 1e-6, name);
    });
  }
}

describe('Adagrad', () => {
  const attrs = { decay_factor: { float: 0.1 }, epsilon: { float: 1e-5 }, norm_coefficient: { float: 0.001 } };
  const adagrad =
    (decay: number, eps: number, norm: number): Formula =>
    (r, t, x, g, [h]) => {
      const rate = r / (1 + t * decay);
      const gr = norm * x + g;
      const hNew = h! + gr * gr;
      return [x - (rate * gr) / (Math.sqrt(hNew) + eps), hNew];
    };

  test.each([0, 3])('one tensor, T = %i', async (t) => {
    await check('Adagrad', ['X', 'G', 'H'], [[3, 4]], t, attrs, adagrad(0.1, 1e-5, 0.001));
  });

  test('several tensors, default attributes, only X outputs', async () => {
    await check('Adagrad', ['X', 'G', 'H'], [[2, 3], [5], [1, 2, 2]], 2, {}, adagrad(0, 0, 0), ['H0_new', 'H1_new', 'H2_new']);
  });
});

describe('Momentum', () => {
  const momentum =
    (alpha: number, beta: number, norm: number, nesterov: boolean): Formula =>
    (r, t, x, g, [v]) => {
      const gr = norm * x + g;
      const vNew = alpha * v! + (t > 0 ? beta : 1) * gr;
      return [x - r * (nesterov ? gr + alpha * vNew : vNew), vNew];
    };

  for (const mode of ['standard', 'nesterov']) {
    test.each([0, 5])(`${mode}, T = %i, two tensors`, async (t) => {
      const attrs = { alpha: { float: 0.9 }, beta: { float: 0.7 }, norm_coefficient: { float: 0.02 }, mode };
      await check('Momentum', ['X', 'G', 'V'], [[4, 3], [7]], t, attrs, momentum(0.9, 0.7, 0.02, mode === 'nesterov'));
    });
  }

  test('only the V outputs requested', async () => {
    const attrs = { alpha: { float: 0.5 }, beta: { float: 0.25 }, norm_coefficient: { float: 0 }, mode: 'standard' };
    await check('Momentum', ['X', 'G', 'V'], [[6], [2, 2]], 1, attrs, momentum(0.5, 0.25, 0, false), ['X0_new', 'X1_new']);
  });

  test('a missing mode is an error', () => {
    const bytes = buildNodeModel({
      op: 'Momentum',
      opset: 1,
      domain: DOMAIN,
      attrs: { alpha: { float: 0.9 }, beta: { float: 0.7 }, norm_coefficient: { float: 0 } },
      outputs: ['x_new', 'v_new'],
      inputs: ['R', 'T', 'X', 'G', 'V'].map((name) => ({ name, dtype: name === 'T' ? ('int64' as const) : ('float32' as const), dims: name === 'R' || name === 'T' ? [] : [3] })),
    });
    expect(() => importModel(decodeModel(bytes))).toThrow(/mode/);
  });
});
