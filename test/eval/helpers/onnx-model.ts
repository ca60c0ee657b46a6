/**
 * One-node ONNX models for the evaluator tests, in the evaluator's vocabulary: inputs are host
 * tensors (fed at run time, or `{ const }` initializers for the attribute-like inputs of newer
 * opsets: axes, pads, scales…, or null when omitted), outputs are listed by dtype and named
 * out0, out1…. The bytes come from the project's one model writer (test/import/one-node-model.ts)
 * and run on onnxruntime-node's CPU provider (test/import/ort.ts), the independent reference.
 */

import type { DType } from '../../../ir/dtype.js';
import type { Tensor } from '../../../ir/graph.js';
import { buildNodeModel, type Attr, type ConstInput, type RuntimeInput } from '../../import/one-node-model.js';
import { runOrt as runOrtModel } from '../../import/ort.js';

export type AttrValue = Attr;

/** A node input: fed at run time, embedded as an initializer, or omitted (an empty name). */
export type NodeInput = Tensor | { const: Tensor } | null;

export interface NodeSpec {
  opType: string;
  inputs: NodeInput[];
  attrs?: Record<string, AttrValue>;
  /** dtypes of the outputs, in order (each checked against what onnxruntime returns). */
  outputs: DType[];
  opset?: number;
}

export const DEFAULT_OPSET = 20;

export function buildModel(spec: NodeSpec): { bytes: Uint8Array; feeds: Map<string, Tensor> } {
  const feeds = new Map<string, Tensor>();
  const inputs = spec.inputs.map((inp, i): RuntimeInput | ConstInput | '' => {
    if (inp === null) return '';
    const name = `in${i}`;
    if ('const' in inp) return { name, tensor: inp.const };
    feeds.set(name, inp);
    return { name, dtype: inp.dtype, dims: [...inp.dims] };
  });
  const bytes = buildNodeModel({
    op: spec.opType,
    nodeName: 'node',
    inputs,
    outputs: spec.outputs.map((_, i) => `out${i}`),
    attrs: spec.attrs,
    opset: spec.opset ?? DEFAULT_OPSET,
  });
  return { bytes, feeds };
}

/** Runs the one-node model on onnxruntime's CPU provider (no graph optimizations); outputs in order. */
export async function runOrt(spec: NodeSpec): Promise<Tensor[]> {
  const { bytes, feeds } = buildModel(spec);
  const result = await runOrtModel(bytes, Object.fromEntries(feeds), false);
  return spec.outputs.map((dtype, i) => {
    const t = result[`out${i}`];
    if (t === undefined) throw new Error(`${spec.opType}: onnxruntime returned no out${i}`);
    if (t.dtype !== dtype) throw new Error(`${spec.opType}: onnxruntime's out${i} is ${t.dtype}, the test expects ${dtype}`);
    return t;
  });
}
