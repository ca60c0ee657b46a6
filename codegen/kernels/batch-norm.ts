/**
 * Kernel generator for the IR `batchNorm` op (ONNX BatchNormalization, inference form) over axis
 * 1 of a rank >= 2 input: y = (x - mean) · scale / sqrt(var + epsilon) + bias, per channel.
 *
 * The per-channel scale and shift are computed in the kernel from the four parameter tensors
 * (they are tiny and cached, and this keeps the op a single kernel with the node's own inputs;
 * folding into a preceding conv happens earlier, in the optimizer). When each channel's plane is
 * a multiple of 4 elements an invocation handles a vec4 of one channel, so the parameters are
 * read once per 4 elements.
 *
 * Any dim may be symbolic (codegen/dims.ts): the channel index divides by the plane size, a read
 * of the dims table when that is symbolic, and the vec4 form is used only when the plane is a
 * multiple of 4 for every symbol value.
 */

import type { CodegenContext, Kernel } from '../kernel.js';
import type { Node } from '../../ir/graph.js';
import { dispatch1d, f32Lit, flatMain, numelOf, shapeOf, WG } from '../wgsl.js';
import { requireFloat } from './grid.js';
import { multipleOf4 } from './gemm-core.js';
import { dimEquals, dimFloorDiv, dimMul } from '../../ir/dim.js';
import { u32 } from '../dims.js';

export const generateBatchNorm = (node: Node, ctx: CodegenContext): Kernel[] => {
  const op = node.op;
  if (op.kind !== 'batchNorm') throw new Error(`generateBatchNorm: node '${node.name}' is ${op.kind}, not batchNorm`);
  const what = `batchNorm '${node.name}'`;
  const [x, ...params] = node.inputs;
  const y = node.outputs[0];
  if (!x || !y || params.length !== 4) throw new Error(`${what} needs inputs [x, scale, bias, mean, var] and one output`);
  requireFloat('batchNorm', node.name, [...node.inputs, y].map((v) => v.type.dtype));
  const xd = shapeOf(x);
  if (xd.length < 2) throw new Error(`${what}: input must have rank >= 2, got [${xd}]`);
  const C = xd[1]!;
  const names = ['scale', 'bias', 'mean', 'var'];
  params.forEach((p, i) => {
    const d = shapeOf(p);
    if (d.length !== 1 || !dimEquals(d[0]!, C)) throw new Error(`${what}: ${names[i]} must be [${C}], got [${d}]`);
  });
  if (shapeOf(y).join(',') !== xd.join(',')) throw new Error(`${what}: output [${shapeOf(y)}] differs from input [${xd}]`);
  const total = numelOf(x);
  if (total === 0) return [];

  const inner = dimMul(...xd.slice(2));
  const lanes = multipleOf4(inner) ? 4 : 1;
  const type = lanes === 4 ? 'vec4<f32>' : 'f32';
  const count = dimFloorDiv(total, lanes);
  const maxDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<${type}>;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> variance: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<${type}>;

${flatMain(count, WG, maxDim)}
  let c = idx / ${u32(dimFloorDiv(inner, lanes))} % ${u32(C)};
  let k = scale[c] / sqrt(variance[c] + ${f32Lit(op.epsilon)});
  y[idx] = (x[idx] - ${type}(mean[c])) * ${type}(k) + ${type}(bias[c]);
}
`;
  return [{ name: node.name, wgsl, inputs: [...node.inputs], outputs: [y], workgroups: dispatch1d(count, WG, maxDim) }];
};
