/**
 * Arange (a Range with a symbolic length): one kernel generated for length `sequence` and run at
 * several lengths (1, 7, 130, 0), outputs poisoned, against the CPU reference of ONNX Range on the
 * same start/limit/delta. Integer types and float values that are exact (integral starts and
 * deltas) must match exactly; a non-representable delta (0.1) is compared with the exact values
 * within the kernel's rounding error (n ulp of 0.1 plus 2 ulp of the largest value) and with the
 * accumulating reference within its own error ((n + 2) ulp of the largest value).
 */

import { describe, expect, it } from 'vitest';
import { generateArange } from '../../codegen/kernels/arange.js';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import { Graph, type Tensor } from '../../ir/graph.js';
import type { DType } from '../../ir/dtype.js';
import { evaluate } from '../../ir/eval/index.js';
import { runKernels } from '../helpers/gpu.js';
import { expectClose } from '../helpers/random.js';
import { makeCtx } from './harness.js';

function scalar(dtype: DType, x: number): Tensor {
  if (dtype === 'int64') return { dtype, dims: [], data: BigInt64Array.from([BigInt(x)]) };
  if (dtype === 'int32') return { dtype, dims: [], data: Int32Array.from([x]) };
  return { dtype: 'float32', dims: [], data: Float32Array.from([x]) };
}

/** Runs arange(start, delta) generated for a symbolic length at `n` and returns it with the reference. */
async function run(dtype: DType, start: number, delta: number, n: number): Promise<{ got: Tensor; want: Tensor }> {
  const g = new Graph();
  const [y] = g.add({ kind: 'arange', start, delta, length: 'sequence', dtype }, [], 'node', [], false);
  const table = new DimTable();
  const kernels = withDimTable(table, () => generateArange(g.nodes[0]!, makeCtx())).map(attachDims);
  expect(kernels).toHaveLength(1);
  expect(kernels[0]!.usesDims).toBe(true);
  const results = await runKernels(kernels, new Map(), { table, env: { sequence: n } });
  const got = results.get(y!)!;
  // Floats: a limit half a step short of the n-th value, so rounding cannot add an element.
  const limit = dtype === 'float32' ? start + (n - 0.5) * delta : start + n * delta;
  const [want] = evaluate({ kind: 'range' }, [scalar(dtype, start), scalar(dtype, limit), scalar(dtype, delta)]);
  expect(want!.dims).toEqual([n]);
  return { got: { ...got, dims: [n] }, want: want! };
}

describe('arange over a symbolic length', () => {
  for (const n of [1, 7, 130]) {
    it(`int64, int32 and exact float32 values at length ${n}`, async () => {
      for (const [dtype, start, delta] of [
        ['int64', 0, 1],
        ['int64', 5, -3],
        ['int32', -7, 2],
        ['float32', 0, 1],
        ['float32', -3, 0.5],
      ] as const) {
        const { got, want } = await run(dtype, start, delta, n);
        expect(got.dtype).toBe(dtype);
        expectClose(got, want, 0, 0, `${dtype} arange(${start}, +${delta})`);
      }
    });
    it(`float32 with an inexact delta at length ${n}`, async () => {
      const { got, want } = await run('float32', 1.25, 0.1, n);
      // The reference accumulates (n roundings); compare with the exact values instead, within
      // the kernel's own error: f32(0.1)'s rounding times i, plus the product's and the sum's.
      const exact: Tensor = { dtype: 'float32', dims: [n], data: Float32Array.from({ length: n }, (_, i) => 1.25 + i * 0.1) };
      const top = 1.25 + (n - 1) * 0.1;
      const ulp = (x: number) => 2 ** (Math.floor(Math.log2(x)) - 23);
      expectClose(got, exact, 0, n * ulp(0.1) + 2 * ulp(top), 'float32 arange(1.25, +0.1)');
      // And the reference, within its accumulated error.
      expectClose(got, want, 0, (n + 2) * ulp(top), 'float32 arange(1.25, +0.1) vs accumulated');
    });
  }
  it('length 0: the dispatch is skipped and nothing is written', async () => {
    const { got, want } = await run('int64', 0, 1, 0);
    expect(want.data.length).toBe(0);
    expect(got.data.length).toBe(0);
  });
});
