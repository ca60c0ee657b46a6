/**
 * How much work each kernel of a compiled plan does, for `profile`'s achieved GFLOP/s and GB/s.
 *
 * FLOPs are an estimate from the kernel's IR node, counting what the operation needs, not what a
 * particular kernel executes: conv, conv-transpose, matmul and attention 2 per multiply-add (plus
 * one per output for a bias), elementwise ops one per output element, reductions and
 * normalizations a few per input element, pure data movement (transpose, slice, gather, pad, …)
 * none. Bytes are what the kernel binds: the sum of its input and output bindings (each element a
 * 32-bit word on the device), i.e. the traffic of a kernel that reads and writes everything once.
 *
 * Kernels find their node by name: codegen names a kernel after its node, plus ':suffix' (or
 * '/suffix', conv's pad) when a node emits several, and a fused kernel after its anchor node plus '+fn' per fused elementwise
 * op (codegen/schedule/epilogue.ts: 'conv_3+add+relu'), each of which adds one operation per
 * output element. A node's FLOPs go to the kernel named exactly after it (or its last kernel); its
 * helpers count zero. A kernel with no matching node has unknown FLOPs (null).
 */

import type { Graph, Node, Value } from '../../ir/graph.js';
import type { ModelPlan } from '../../runtime/plan.js';
import { evalDim } from '../../ir/dim.js';

export interface KernelCost {
  name: string;
  /** The node's op plus the kernel name's suffix ('conv', 'conv+relu', 'conv/pad'), or '?'. */
  op: string;
  flops: number | null;
  bytes: number;
}

function count(v: Value | undefined): number {
  if (!v) return 0;
  let n = 1;
  for (const d of v.type.shape) n *= typeof d === 'number' ? d : 1;
  return n;
}

function dims(v: Value | undefined): number[] {
  return v ? v.type.shape.map((d) => (typeof d === 'number' ? d : 1)) : [];
}

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

export function opLabel(node: Node): string {
  const op = node.op;
  return op.kind === 'unary' || op.kind === 'binary' ? `${op.kind}.${op.fn}` : op.kind;
}

/** Estimated floating-point (or integer) operations of one node; see the file header. */
export function nodeFlops(node: Node): number {
  const op = node.op;
  const [x, w, third] = node.inputs;
  const y = node.outputs[0];
  const out = count(y);
  switch (op.kind) {
    case 'unary':
    case 'binary':
    case 'where':
    case 'cast':
      return out;
    case 'conv': {
      // w is (M, C/group, k…): each output sums C/group·∏k products.
      const perOutput = product(dims(w).slice(1));
      return 2 * out * perOutput + (third ? out : 0);
    }
    case 'convTranspose': {
      // w is (C, M/group, k…): each input element scatters into M/group·∏k outputs.
      const perInput = product(dims(w).slice(1));
      return 2 * count(x) * perInput + (third ? out : 0);
    }
    case 'matmul': {
      const a = dims(x);
      const k = a.length === 1 ? a[0]! : op.transA ? a[a.length - 2]! : a[a.length - 1]!;
      return 2 * out * k + (third ? out : 0);
    }
    case 'attention': {
      // q·kᵀ (2·S·T·D), softmax (≈5 per score), ·v (2·S·T·Dv), over batch × heads.
      const q = dims(x);
      const k = dims(w);
      const v = dims(third);
      const heads = Math.max(1, op.heads);
      const S = q[q.length - 2] ?? 1;
      const T = k[k.length - 2] ?? 1;
      const D = (q[q.length - 1] ?? 1) / heads;
      const Dv = (v[v.length - 1] ?? 1) / heads;
      const batch = product(q.slice(0, -2)) * heads;
      return batch * S * T * (2 * D + 2 * Dv + 5);
    }
    case 'batchNorm':
      return 2 * out;
    case 'pool':
      return out * product(op.kernel);
    case 'reduce':
      return count(x) * (op.fn === 'l1' || op.fn === 'l2' || op.fn === 'sumSquare' ? 2 : op.fn === 'logSumExp' ? 3 : 1);
    case 'argReduce':
    case 'cumSum':
      return count(x);
    case 'softmax':
      return 4 * count(x); // max, exp(x − max), sum, divide
    case 'layerNorm':
      return 8 * count(x); // mean, variance (2), normalize (2), scale and shift (2), rsqrt amortized
    case 'rnn': {
      // Per step and direction: gates = x·Wᵀ + h·Rᵀ (2·G·H·(I+H)) plus a few elementwise ops per gate.
      const [S = 1, B = 1, I = 1] = dims(x);
      const G = op.cell === 'lstm' ? 4 : op.cell === 'gru' ? 3 : 1;
      const D = op.direction === 'bidirectional' ? 2 : 1;
      const H = op.hiddenSize;
      return S * B * D * G * H * (2 * (I + H) + 4);
    }
    case 'resize': {
      const resized = dims(x).filter((d, i) => d !== dims(y)[i]).length;
      const taps = op.mode === 'nearest' ? 0 : op.mode === 'linear' ? 2 ** resized : 4 ** resized;
      return 2 * taps * out;
    }
    case 'gridSample': {
      const r = (dims(w).at(-1) ?? 2) as number;
      const taps = op.mode === 'nearest' ? 0 : op.mode === 'linear' ? 2 ** r : 4 ** r;
      return 2 * taps * out;
    }
    case 'roiAlign': {
      const samples = op.samplingRatio > 0 ? op.samplingRatio ** 2 : 4; // adaptive: about 2×2
      return 8 * samples * out; // a bilinear sample is about 8 operations
    }
    case 'topK': {
      const n = dims(x)[op.axis] ?? 1;
      return count(x) * Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
    }
    case 'det': {
      const n = dims(x).at(-1) ?? 1;
      return out * Math.ceil((2 * n * n * n) / 3);
    }
    case 'dft':
      // A direct DFT: each complex output bin sums `length` complex products (8 operations each).
      return (out / 2) * op.length * 8;
    case 'scatterElements':
    case 'scatterND':
      return op.reduction === 'none' ? 0 : count(node.inputs[2]);
    case 'reshape':
    case 'transpose':
    case 'concat':
    case 'slice':
    case 'gather':
    case 'gatherElements':
    case 'gatherND':
    case 'pad':
    case 'expand':
    case 'tile':
    case 'trilu':
    case 'shape':
    case 'range':
    case 'arange':
      return 0;
    default: {
      const never: never = op;
      throw new Error(`nodeFlops: unhandled op ${JSON.stringify(never)}`);
    }
  }
}

/** The '+fn' part of a kernel name after its node's name ('' for none or for a helper kernel). */
function fusedPart(rest: string): string {
  return rest.startsWith('+') ? rest.split(/[:/]/)[0]! : '';
}

/**
 * The node a kernel name belongs to and the ops fused after it: an exact node name, else the name
 * with trailing ':suffix', '/suffix' and '+fn' parts removed one at a time.
 */
function nodeOfKernel(name: string, byName: ReadonlyMap<string, Node>): { node: Node; fused: number; helper: boolean } | undefined {
  let key = name;
  for (;;) {
    const node = byName.get(key);
    if (node) {
      const rest = name.slice(key.length);
      const fused = fusedPart(rest);
      return { node, fused: fused === '' ? 0 : fused.split('+').length - 1, helper: rest.length > fused.length };
    }
    const cut = Math.max(key.lastIndexOf(':'), key.lastIndexOf('+'), key.lastIndexOf('/'));
    if (cut <= 0) return undefined;
    key = key.slice(0, cut);
  }
}

/** The estimated cost of every plan kernel, in plan order; symbolic binding sizes at `env`. */
export function kernelCosts(plan: Pick<ModelPlan, 'kernels'>, graph: Graph, env: Readonly<Record<string, number>> = {}): KernelCost[] {
  const byName = new Map<string, Node>();
  for (const n of graph.nodes) if (!byName.has(n.name)) byName.set(n.name, n);
  const owners = plan.kernels.map((k) => nodeOfKernel(k.name, byName));
  // The kernel that carries each node's FLOPs: the one named exactly after it (or after it plus
  // its fused ops), else its last.
  const carrier = new Map<Node, number>();
  owners.forEach((owner, i) => {
    if (!owner) return;
    const prev = carrier.get(owner.node);
    if (prev === undefined || owners[prev]!.helper) carrier.set(owner.node, i);
  });
  return plan.kernels.map((k, i) => {
    const owner = owners[i];
    const bytes = [...k.inputs, ...k.outputs].reduce((n, b) => n + evalDim(b.size, env), 0);
    if (!owner) return { name: k.name, op: '?', flops: null, bytes };
    const { node, fused } = owner;
    // 'conv', 'conv+relu', 'conv/pad', 'rnn:proj': the op plus what the name adds to its node's.
    const op = opLabel(node) + k.name.slice(node.name.length);
    const flops = carrier.get(node) === i ? nodeFlops(node) + fused * count(node.outputs[0]) : 0;
    return { name: k.name, op, flops, bytes };
  });
}
