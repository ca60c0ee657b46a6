/**
 * The evaluator-vs-onnxruntime comparison every op test uses: evaluate the IR op, run the
 * equivalent one-node ONNX model on the same inputs, compare outputs.
 */

import { expect } from 'vitest';
import type { Tensor } from '../../../ir/graph.js';
import type { Op } from '../../../ir/ops.js';
import { evaluate } from '../../../ir/eval/index.js';
import type { AttrValue, NodeInput } from './onnx-model.js';
import { runOrt } from './onnx-model.js';
import type { Tolerance } from './tensors.js';
import { expectClose } from './tensors.js';

export interface OrtNode {
  opType: string;
  attrs?: Record<string, AttrValue>;
  /** Node inputs; defaults to the evaluator's inputs, all fed at run time. */
  inputs?: NodeInput[];
  opset?: number;
}

/** Evaluates `op` on `inputs`, checks it against onnxruntime, and returns the evaluator's result. */
export async function expectMatchesOrt(op: Op, inputs: Tensor[], node: OrtNode, tol: Tolerance = {}, what = ''): Promise<Tensor> {
  const got = evaluate(op, inputs);
  expect(got.length).toBe(1);
  const [want] = await runOrt({
    opType: node.opType,
    attrs: node.attrs,
    inputs: node.inputs ?? inputs,
    outputs: [got[0]!.dtype],
    opset: node.opset,
  });
  expectClose(got[0]!, want!, tol, what || `${node.opType} ${JSON.stringify(node.attrs ?? {})}`);
  return got[0]!;
}
