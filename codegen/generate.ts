/**
 * From an IR graph to the kernel list. The fusion stage (codegen/schedule/fuse.ts) partitions the
 * graph into kernel groups — an anchor node plus the elementwise epilogue it absorbs, and where it
 * stores (slices, transposes, concat parts, padded conv inputs: codegen/schedule/stores.ts) — and
 * views; one exhaustive switch over op kinds maps each anchor to its generator in
 * codegen/kernels/, and the anchors whose generators render an epilogue and remapped stores are
 * listed in `FUSED` (elementwise and copy groups have their own kernels, schedule/epilogue.ts).
 * Groups come in execution order, so kernels run in the order they are listed. Reshapes are views
 * — their output shares the input's buffer and no kernel runs — which the memory planner learns
 * from `views`; values inside a group appear in no kernel at all, so they get no buffer.
 *
 * Shape computations that survive import (a `shape` or `range` node that did not fold to a
 * constant) only exist when dims are still symbolic; the GPU path has no kernels for them yet, so
 * they are a clear error naming the node instead of a wrong answer.
 */

import { DEFAULT_LIMITS, type CodegenContext, type DeviceLimits, type Kernel, type KernelGenerator } from './kernel.js';
import { Value, type Graph, type Node, type TensorType } from '../ir/graph.js';
import { formatShape } from '../ir/shape.js';
import { generateElementwise } from './kernels/elementwise.js';
import { generateReduce, generateArgReduce } from './kernels/reduce.js';
import { generateSoftmax } from './kernels/softmax.js';
import { generateLayerNorm } from './kernels/layer-norm.js';
import {
  generateTranspose,
  generateConcat,
  generateSlice,
  generatePad,
  generateExpand,
  generateTile,
} from './kernels/movement.js';
import { generateGather, generateGatherElements } from './kernels/gather.js';
import { generateGatherND } from './kernels/gather-nd.js';
import { generateScatterElements, generateScatterND } from './kernels/scatter.js';
import { generateTopK } from './kernels/topk.js';
import { generateGridSample } from './kernels/grid-sample.js';
import { generateAttention } from './kernels/attention.js';
import { generateRnn } from './kernels/recurrent.js';
import { generateRoiAlign } from './kernels/roi-align.js';
import { generateDet } from './kernels/det.js';
import { generateDft } from './kernels/dft.js';
import { generateResize, resizeKernels } from './kernels/resize.js';
import { generateArange } from './kernels/arange.js';
import { generateCumSum, generateTrilu } from './kernels/scan.js';
import { generateMatmul } from './kernels/matmul.js';
import { generateConv } from './kernels/conv.js';
import { generateConvTranspose } from './kernels/conv-transpose.js';
import { generatePool } from './kernels/pool.js';
import { generateBatchNorm } from './kernels/batch-norm.js';
import { convKernels, convPaddedSource, isPointwiseConv, targetHasSubgroups, type ConvTilings } from './kernels/conv.js';
import type { Conv2dTiling } from './kernels/conv-2d.js';
import { matmulKernels } from './kernels/matmul.js';
import type { GemmTiling } from './kernels/gemm-core.js';
import { poolKernels } from './kernels/pool.js';
import { reduceKernels } from './kernels/reduce.js';
import { softmaxKernels } from './kernels/softmax.js';
import { layerNormKernels } from './kernels/layer-norm.js';
import { partitionGraph, type FusedGroup } from './schedule/fuse.js';
import { generateCopyGroup, generateElementwiseGroup, isPlainGroup } from './schedule/epilogue.js';
import { isElementwise, type OpKind } from '../ir/ops.js';
import { attachDims, DimTable, withDimTable } from './dims.js';

/** A node the code generator cannot (yet) turn into kernels, or a generator's own refusal. */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';
  constructor(
    message: string,
    readonly nodeName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface KernelPlan {
  /** In execution order. */
  kernels: Kernel[];
  /** View outputs (reshape) → the value whose buffer they share. */
  views: Map<Value, Value>;
  /** Values created by generators for their own multi-kernel steps. */
  scratch: Value[];
  /**
   * The dims table (codegen/dims.ts): the symbolic sizes kernels marked `usesDims` read, by slot.
   * Empty when every size is static.
   */
  dims: string[];
}

type Choice = { generator: KernelGenerator } | { view: true } | { unsupported: string };

/** A generator that renders a fused group's epilogue at its store. */
type FusedGenerator = (node: Node, ctx: CodegenContext, group: FusedGroup) => Kernel[];

/** Anchors whose generators take an epilogue (elementwise groups have their own kernel). */
const FUSED: Partial<Record<OpKind, FusedGenerator>> = {
  conv: (node, ctx, group) => convKernels(node, ctx, tunedConv(node, ctx.limits), group),
  matmul: (node, ctx, group) => matmulKernels(node, ctx, tunedGemm(node), group),
  pool: poolKernels,
  reduce: reduceKernels,
  softmax: softmaxKernels,
  layerNorm: layerNormKernels,
  resize: resizeKernels,
};

export interface GenerateOptions {
  /** Fuse elementwise work into kernel groups (default true); false gives one group per node. */
  fuse?: boolean;
  /**
   * Tilings chosen by measurement (`compile --tune`, src/tune) by node name: a GEMM tiling for a
   * matmul or a pointwise (1×1) conv, a conv-2d tiling for another 1-d/2-d conv; nodes without
   * one use the heuristic default. The tiling used is recorded on the kernel (`config`).
   */
  tilings?: ReadonlyMap<string, KernelTiling>;
}

/** A tuned tiling: a GEMM's (matmul, pointwise conv) or conv-2d's (told apart by `channels`). */
export type KernelTiling = GemmTiling | Conv2dTiling;

/** The tilings of the generateKernels call in progress (codegen is synchronous). */
let tuned: ReadonlyMap<string, KernelTiling> = new Map();

/** The tuned GEMM tiling of a matmul node, if any. */
function tunedGemm(node: Node): GemmTiling | undefined {
  const t = tuned.get(node.name);
  return t && !('channels' in t) ? t : undefined;
}

/**
 * The tuned tilings of a conv node. A subgroup-weights tiling is dropped on a target without
 * subgroups: conv-2d's subgroup form has no plain twin of its own (conv.ts builds the fallback
 * only when the target has subgroups), unlike the GEMM core's subgroup-rows form.
 */
function tunedConv(node: Node, limits: DeviceLimits): ConvTilings {
  const t = tuned.get(node.name);
  if (!t) return {};
  if (!('channels' in t)) return isPointwiseConv(node) ? { pointwise: t } : {};
  if (t.subgroupWeights && !targetHasSubgroups({ limits })) return {};
  return { conv2d: t };
}

/** The tuned configuration a node's kernels use, as recorded on them (`Kernel.config`). */
function tunedConfig(node: Node, limits: DeviceLimits): string | undefined {
  if (node.op.kind === 'matmul') {
    const t = tunedGemm(node);
    return t && `tuned ${JSON.stringify(t)}`;
  }
  if (node.op.kind !== 'conv') return undefined;
  const c = tunedConv(node, limits);
  const t = c.pointwise ?? c.conv2d;
  return t && `tuned ${JSON.stringify(t)}`;
}

/** Which generator handles a node; exhaustive over op kinds. */
function choose(node: Node): Choice {
  const op = node.op;
  switch (op.kind) {
    case 'unary':
    case 'binary':
    case 'where':
    case 'cast':
      return { generator: generateElementwise };
    case 'conv':
      return { generator: generateConv };
    case 'convTranspose':
      return { generator: generateConvTranspose };
    case 'batchNorm':
      return { generator: generateBatchNorm };
    case 'pool':
      return { generator: generatePool };
    case 'matmul':
      return { generator: generateMatmul };
    case 'reduce':
      return { generator: generateReduce };
    case 'argReduce':
      return { generator: generateArgReduce };
    case 'softmax':
      return { generator: generateSoftmax };
    case 'layerNorm':
      return { generator: generateLayerNorm };
    case 'attention':
      return { generator: generateAttention };
    case 'rnn':
      return { generator: generateRnn };
    case 'scatterElements':
      return { generator: generateScatterElements };
    case 'scatterND':
      return { generator: generateScatterND };
    case 'gatherND':
      return { generator: generateGatherND };
    case 'topK':
      return { generator: generateTopK };
    case 'gridSample':
      return { generator: generateGridSample };
    case 'reshape':
      return { view: true };
    case 'transpose':
      return { generator: generateTranspose };
    case 'concat':
      return { generator: generateConcat };
    case 'slice':
      return { generator: generateSlice };
    case 'gather':
      return { generator: generateGather };
    case 'gatherElements':
      return { generator: generateGatherElements };
    case 'pad':
      return { generator: generatePad };
    case 'expand':
      return { generator: generateExpand };
    case 'tile':
      return { generator: generateTile };
    case 'resize':
      return { generator: generateResize };
    case 'cumSum':
      return { generator: generateCumSum };
    case 'trilu':
      return { generator: generateTrilu };
    case 'roiAlign':
      return { generator: generateRoiAlign };
    case 'det':
      return { generator: generateDet };
    case 'dft':
      return { generator: generateDft };
    case 'shape': {
      const x = node.inputs[0];
      const dims = x ? ` of a value with dims ${formatShape(x.type.shape)}` : '';
      return { unsupported: `not supported yet: shape computation on symbolic dims (Shape${dims}); bind every symbol with --dim name=N` };
    }
    case 'arange':
      return { generator: generateArange };
    case 'range':
      return {
        unsupported:
          'not supported yet: shape computation on symbolic dims (Range whose start/limit/delta are not constants); bind every symbol with --dim name=N',
      };
    default: {
      const never: never = op;
      throw new Error(`unhandled op ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Generates the kernels of every group of `graph`, in order. Errors name the anchor node; a
 * generator's own error (an unsupported variant, a limit) keeps its message.
 */
export function generateKernels(graph: Graph, limits: DeviceLimits = DEFAULT_LIMITS, options: GenerateOptions = {}): KernelPlan {
  const table = new DimTable();
  tuned = options.tilings ?? new Map();
  let plan: Omit<KernelPlan, 'dims'>;
  try {
    plan = withDimTable(table, () => generateAll(graph, limits, options));
  } finally {
    tuned = new Map();
  }
  return { ...plan, kernels: plan.kernels.map(attachDims), dims: table.exprs };
}

function generateAll(graph: Graph, limits: DeviceLimits, options: GenerateOptions): Omit<KernelPlan, 'dims'> {
  const kernels: Kernel[] = [];
  const views = new Map<Value, Value>();
  const scratch: Value[] = [];
  // Scratch values take negative ids so they never collide with the graph's own values.
  let nextScratchId = -1;

  const schedule = partitionGraph(graph, {
    acceptsEpilogue: (node) => FUSED[node.op.kind] !== undefined,
    maxBindings: limits.maxStorageBuffersPerShaderStage,
    fuse: options.fuse,
    // With the conv's tuned tiling: its row width (conv-2d.ts `rowWidth`) depends on `pixels`.
    paddedSource: (node) => (node.op.kind === 'conv' ? convPaddedSource(node, { ...tunedConv(node, limits), subgroups: targetHasSubgroups({ limits }) }) : undefined),
    acceptsInputScale: (node) => node.op.kind === 'conv' && isPointwiseConv(node),
    scratch(type: TensorType, name: string): Value {
      const v = new Value(nextScratchId--, name, type);
      scratch.push(v);
      return v;
    },
  });
  for (const item of schedule) {
    if (item.kind === 'view') {
      views.set(item.node.outputs[0]!, item.node.inputs[0]!);
      continue;
    }
    const { group } = item;
    const node = group.anchor;
    const choice = choose(node);
    const where = `node '${node.name}' (${node.op.kind})`;
    if ('unsupported' in choice) throw new CodegenError(`${where}: ${choice.unsupported}`, node.name);
    if ('view' in choice) throw new Error(`${where}: a view cannot anchor a kernel group`);
    const ctx: CodegenContext = {
      limits,
      scratch(type: TensorType, name: string): Value {
        const v = new Value(nextScratchId--, `${node.name}/${name}`, type);
        scratch.push(v);
        return v;
      },
    };
    const fused = FUSED[node.op.kind];
    let generated: Kernel[];
    try {
      if (group.copy) generated = generateCopyGroup(group, ctx);
      else if (isElementwise(node.op)) generated = generateElementwiseGroup(group, ctx);
      else if (fused && !isPlainGroup(group)) generated = fused(node, ctx, group);
      else if (node.op.kind === 'matmul') generated = matmulKernels(node, ctx, tunedGemm(node));
      else if (node.op.kind === 'conv') generated = convKernels(node, ctx, tunedConv(node, limits));
      else generated = choice.generator(node, ctx);
    } catch (e) {
      // Generators usually name the node already (kernels/common.ts `unsupported`).
      const msg = (e as Error).message;
      throw new CodegenError(msg.startsWith(`node '`) ? msg : `${where}: ${msg}`, node.name, { cause: e });
    }
    const config = tunedConfig(node, limits);
    // A conv's tiling is the last kernel's (a pad kernel before it is the same copy whatever the tiling).
    const configured = (i: number) => config !== undefined && (node.op.kind !== 'conv' || i === generated.length - 1);
    kernels.push(...generated.map((k, i) => ({ ...k, anchorKind: node.op.kind, ...(configured(i) ? { config } : {}) })));
  }
  return { kernels, views, scratch };
}
