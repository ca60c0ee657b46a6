/**
 * Kernel generator for the IR `matmul` op: y = alpha · op(a) · op(b) + beta · c (ONNX Gemm and
 * MatMul), batched over leading dims with numpy broadcasting, numpy's 1-d rules (a 1-d `a` is a
 * row vector whose row dim is dropped from the result, a 1-d `b` a column vector likewise), and an
 * optional `c` broadcast to the output.
 *
 * The arithmetic is the register-blocked GEMM in gemm-core.ts; this file maps shapes onto it:
 * leading dims of A/B, their transposes and broadcast batch offsets, and the single store where
 * alpha, beta·c (and later a fused epilogue) are applied. When B is shared by every batch and A is
 * not transposed, A's batch folds into its rows (one big GEMM instead of many thin ones — the
 * transformer linear-layer case), provided c does not vary along the folded axes.
 *
 * Sizes may be symbolic (codegen/dims.ts): `[batch, sequence, K] × [K, N]` folds into one GEMM
 * with M = batch·sequence read from the dims table; batched products with symbolic batch dims
 * decode their broadcast batch offsets with table reads; the tiling comes from the static sizes
 * (gemm-core.ts `defaultGemmTiling`, or `defaultSubgroupTiling` when the codegen limits say the
 * target has subgroups of 8+ lanes).
 */

import type { Kernel, CodegenContext } from '../kernel.js';
import type { Node } from '../../ir/graph.js';
import { broadcastShapes, dimStrides } from '../../ir/shape.js';
import { dimEquals, dimMul, type Dim } from '../../ir/dim.js';
import { u32 } from '../dims.js';
import { shapeOf, f32Lit, offsetToCoords, broadcastOffset, scalarOf } from '../wgsl.js';
import { defaultGemmTiling, defaultSubgroupTiling, emitGemm, multipleOf4, subgroupFormApplies, type GemmTiling } from './gemm-core.js';
import { requireFloat } from './grid.js';
import { WgslHelpers } from './wgsl-math.js';
import { anchorEpilogue, groupKernelName } from '../schedule/epilogue.js';
import type { FusedGroup } from '../schedule/fuse.js';

const prod = (d: readonly Dim[]): Dim => dimMul(...d);

/** The 2-d view of a matmul: sizes, per-operand layout and batch structure. */
export interface MatmulShape {
  M: Dim;
  N: Dim;
  K: Dim;
  aBatch: Dim[];
  bBatch: Dim[];
  outBatch: Dim[];
  aIs1d: boolean;
  bIs1d: boolean;
  /** Effective transposes (always false for 1-d operands). */
  transA: boolean;
  transB: boolean;
  outDims: Dim[];
}

export function matmulShape(aDims: Dim[], bDims: Dim[], transA: boolean, transB: boolean, what: string): MatmulShape {
  if (aDims.length === 0 || bDims.length === 0) throw new Error(`${what}: matmul operands must have rank >= 1`);
  const aIs1d = aDims.length === 1;
  const bIs1d = bDims.length === 1;
  const tA = transA && !aIs1d;
  const tB = transB && !bIs1d;
  const at = (d: Dim[], i: number) => d[d.length + i]!;
  const M = aIs1d ? 1 : tA ? at(aDims, -1) : at(aDims, -2);
  const Ka = aIs1d ? aDims[0]! : tA ? at(aDims, -2) : at(aDims, -1);
  const N = bIs1d ? 1 : tB ? at(bDims, -2) : at(bDims, -1);
  const Kb = bIs1d ? bDims[0]! : tB ? at(bDims, -1) : at(bDims, -2);
  if (!dimEquals(Ka, Kb)) {
    throw new Error(`${what}: inner dims differ: a [${aDims}]${tA ? 'ᵀ' : ''} has K=${Ka}, b [${bDims}]${tB ? 'ᵀ' : ''} has K=${Kb}`);
  }
  const aBatch = aDims.slice(0, Math.max(0, aDims.length - 2));
  const bBatch = bDims.slice(0, Math.max(0, bDims.length - 2));
  const outBatch = broadcastShapes(aBatch, bBatch);
  const outDims = [...outBatch, ...(aIs1d ? [] : [M]), ...(bIs1d ? [] : [N])];
  return { M, N, K: Ka, aBatch, bBatch, outBatch, aIs1d, bIs1d, transA: tA, transB: tB, outDims };
}

export const generateMatmul = (node: Node, ctx: CodegenContext): Kernel[] => matmulKernels(node, ctx);

/**
 * `generateMatmul` with an explicit tiling (for tuning; the default comes from
 * `defaultGemmTiling`) and a fused group's epilogue rendered at the store when given.
 */
export function matmulKernels(node: Node, ctx: CodegenContext, tiling?: GemmTiling, group?: FusedGroup): Kernel[] {
  const op = node.op;
  if (op.kind !== 'matmul') throw new Error(`generateMatmul: node '${node.name}' is ${op.kind}, not matmul`);
  const [a, b, c] = node.inputs;
  const y = node.outputs[0];
  if (!a || !b || !y || node.inputs.length > 3) throw new Error(`matmul '${node.name}' needs inputs [a, b, c?] and one output`);
  requireFloat('matmul', node.name, [...node.inputs, y].map((v) => v.type.dtype));

  const s = matmulShape(shapeOf(a), shapeOf(b), op.transA, op.transB, `matmul '${node.name}'`);
  const yDims = shapeOf(y);
  if (yDims.join(',') !== s.outDims.join(',')) {
    throw new Error(`matmul '${node.name}': output is [${yDims}] but the operands give [${s.outDims}]`);
  }
  if (prod(yDims) === 0) return [];
  const { N, K } = s;
  const cDims = c && op.beta !== 0 ? shapeOf(c) : undefined;
  if (cDims) broadcastShapes(cDims, yDims); // throws with both shapes when c cannot broadcast

  // Which output axis each C axis lands on: batch axes, then the m axis (absent for a 1-d a),
  // then the n axis (absent for a 1-d b).
  const batchRank = s.outBatch.length;
  const mAxis = s.aIs1d ? -1 : batchRank;
  const nAxis = s.bIs1d ? -1 : batchRank + (s.aIs1d ? 0 : 1);
  const cStride = (axis: number): Dim => {
    if (!cDims || axis < 0) return 0;
    const i = cDims.length - yDims.length + axis;
    return i >= 0 && cDims[i] !== 1 ? dimStrides(cDims)[i]! : 0;
  };
  const cVariesOverBatch = cDims ? s.outBatch.some((_, ax) => cStride(ax) !== 0) : false;

  // Fold A's batch into M when B and C are the same for every batch (see the file header).
  const fold =
    batchRank > 0 && !s.transA && !s.aIs1d && prod(s.bBatch) === 1 && dimEquals(prod(s.outBatch), prod(s.aBatch)) && !cVariesOverBatch && cStride(mAxis) === 0;
  const M = fold ? dimMul(s.M, prod(s.outBatch)) : s.M;
  const bc = fold ? 1 : prod(s.outBatch);

  const aLd = s.transA ? s.M : K;
  const bLd = s.bIs1d ? K : s.transB ? K : N;
  const prologue: string[] = [];
  // A symbolic batch count may be 1 at run time; the batched form is correct then too.
  if (typeof bc !== 'number' || bc > 1) {
    prologue.push(offsetToCoords('bz', s.outBatch, 'bi'));
    prologue.push(`let aBase = (${broadcastOffset(s.aBatch, batchRank, 'bi')}) * ${u32(dimMul(s.M, K))};`);
    prologue.push(`let bBase = (${broadcastOffset(s.bBatch, batchRank, 'bi')}) * ${u32(dimMul(K, N))};`);
    const cTerms = s.outBatch.map((_, ax) => (cStride(ax) !== 0 ? `bi${ax} * ${u32(cStride(ax))}` : '')).filter(Boolean);
    prologue.push(`let cBase = ${cTerms.length ? cTerms.join(' + ') : '0u'};`);
  } else {
    prologue.push('let aBase = 0u;', 'let bBase = 0u;', 'let cBase = 0u;');
  }
  prologue.push(`let oBase = bz * ${u32(dimMul(M, N))};`);

  const h = new WgslHelpers();
  const ep = anchorEpilogue(group, y, { firstBinding: node.inputs.length, helpers: h });
  const sM = cStride(mAxis);
  const sN = cStride(nAxis);
  const store = (m: string, n: string, acc: string): string => {
    const scaled = op.alpha === 1 ? acc : `${f32Lit(op.alpha)} * ${acc}`;
    const cIdx = ['cBase', sM !== 0 ? `${m} * ${u32(sM)}` : '', sN !== 0 ? `${n} * ${u32(sN)}` : ''].filter(Boolean).join(' + ');
    const cTerm = cDims ? ` + ${op.beta === 1 ? '' : `${f32Lit(op.beta)} * `}c[${cIdx}]` : '';
    return `let v = ${scaled}${cTerm};\n${ep.store(`oBase + ${m} * ${u32(N)} + ${n}`, 'v')}`;
  };

  const declarations = (aVec4: boolean, bVec4: boolean): string => {
    const t = (v: boolean) => (v ? 'array<vec4<f32>>' : 'array<f32>');
    const lines = [
      `@group(0) @binding(0) var<storage, read> a: ${t(aVec4)};`,
      `@group(0) @binding(1) var<storage, read> b: ${t(bVec4)};`,
    ];
    // An unused c (beta = 0) is still bound, so the binding layout matches node.inputs.
    if (c) lines.push(`@group(0) @binding(2) var<storage, read> c: array<f32>;`);
    lines.push(ep.declarations(), h.render());
    return lines.filter((l) => l !== '').join('\n');
  };
  // Unused bindings are dropped from 'auto' layouts; touching c keeps the layout stable.
  const keepC = c && !cDims ? `if (bz > 0xffffffffu) { y[0] = ${scalarOf(ep.outputs[0]!.type.dtype)}(c[0]); }\n  ` : '';

  const aOperand = { name: 'a', kContiguous: !s.transA, ld: aLd, baseAligned4: bc === 1 || multipleOf4(dimMul(s.M, K)) };
  // On a device known to have subgroups, big products default to sharing A's rows across them.
  const shared = defaultSubgroupTiling(M, N, K, ctx.limits.subgroupMinSize);
  const t = tiling ?? (shared && subgroupFormApplies({ a: aOperand, K }, shared) ? shared : defaultGemmTiling(M, N, K));
  const { wgsl, workgroups, fallback } = emitGemm(
    {
      M,
      N,
      K,
      batch: bc,
      a: aOperand,
      b: { name: 'b', kContiguous: s.bIs1d || s.transB, ld: bLd, baseAligned4: bc === 1 || multipleOf4(dimMul(K, N)) },
      declarations,
      batchPrologue: keepC + prologue.join('\n  '),
      store,
      loopedStore: ep.isHeavy(),
    },
    t,
    ctx.limits.maxComputeWorkgroupsPerDimension,
  );
  return [{ name: groupKernelName(node, group), wgsl, inputs: [...node.inputs, ...ep.inputs], outputs: ep.outputs, workgroups, ...(fallback ? { fallback } : {}) }];
}
