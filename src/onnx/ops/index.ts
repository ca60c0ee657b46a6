/**
 * The registry of op importers: every importer in one array, looked up by (domain, op type) and
 * checked against the model's opset for that domain.
 *
 * To add an op: write `src/onnx/ops/<family>.ts` exporting an `OpImporter[]` (header comment:
 * ONNX ops, opset range, types, IR lowering) and list it in IMPORTERS.
 */

import type { OpImporter } from './context.js';
import { batchNormImporters } from './batch-norm.js';
import { binaryImporters } from './binary.js';
import { castImporters } from './cast.js';
import { concatSplitImporters } from './concat-split.js';
import { constantImporters } from './constant.js';
import { controlFlowImporters } from './control-flow.js';
import { convImporters } from './conv.js';
import { einsumImporters } from './einsum.js';
import { expandImporters } from './expand.js';
import { gatherImporters } from './gather.js';
import { identityImporters } from './identity.js';
import { integerImporters } from './integer.js';
import { layerNormImporters } from './layer-norm.js';
import { lossImporters } from './loss.js';
import { matmulImporters } from './matmul.js';
import { normalizationImporters } from './normalization.js';
import { oneHotImporters } from './one-hot.js';
import { optimizerImporters } from './optimizer.js';
import { padImporters } from './pad.js';
import { poolImporters } from './pool.js';
import { quantizeImporters } from './quantize.js';
import { reduceImporters } from './reduce.js';
import { refusedImporters } from './refused.js';
import { recurrentImporters } from './recurrent.js';
import { reshapeImporters } from './reshape.js';
import { resizeImporters } from './resize.js';
import { scanImporters } from './scan.js';
import { scatterImporters } from './scatter.js';
import { topKImporters } from './topk.js';
import { gridSampleImporters } from './grid-sample.js';
import { maxUnpoolImporters } from './max-unpool.js';
import { roiAlignImporters } from './roi-align.js';
import { detImporters } from './det.js';
import { dftImporters } from './dft.js';
import { selectImporters } from './select.js';
import { shapeImporters } from './shape.js';
import { sliceImporters } from './slice.js';
import { softmaxImporters } from './softmax.js';
import { transposeImporters } from './transpose.js';
import { unaryImporters } from './unary.js';
import { windowImporters } from './window.js';

export type { OpImporter, ImportResult } from './context.js';
export { ImportContext } from './context.js';

export const IMPORTERS: readonly OpImporter[] = [
  ...unaryImporters,
  ...binaryImporters,
  ...castImporters,
  ...convImporters,
  ...poolImporters,
  ...optimizerImporters,
  ...batchNormImporters,
  ...matmulImporters,
  ...reshapeImporters,
  ...transposeImporters,
  ...concatSplitImporters,
  ...sliceImporters,
  ...gatherImporters,
  ...shapeImporters,
  ...constantImporters,
  ...controlFlowImporters,
  ...expandImporters,
  ...identityImporters,
  ...reduceImporters,
  ...softmaxImporters,
  ...layerNormImporters,
  ...resizeImporters,
  ...padImporters,
  ...scanImporters,
  ...recurrentImporters,
  ...scatterImporters,
  ...topKImporters,
  ...gridSampleImporters,
  ...maxUnpoolImporters,
  ...roiAlignImporters,
  ...detImporters,
  ...dftImporters,
  ...lossImporters,
  ...normalizationImporters,
  ...oneHotImporters,
  ...windowImporters,
  ...quantizeImporters,
  ...integerImporters,
  ...einsumImporters,
  ...selectImporters,
  ...refusedImporters,
];

const key = (domain: string, opType: string) => `${domain}\u0000${opType}`;

const BY_OP = new Map<string, OpImporter>();
for (const imp of IMPORTERS) {
  const k = key(imp.domain, imp.opType);
  // Two importers for one op would make the lookup order-dependent; fail at load instead.
  if (BY_OP.has(k)) throw new Error(`duplicate importer for ${imp.domain || 'ai.onnx'}::${imp.opType}`);
  BY_OP.set(k, imp);
}

/**
 * The importer for an op at the model's opset, or undefined when there is none (unknown op, or
 * an opset outside the importer's range, or no opset imported for the domain).
 */
export function findImporter(domain: string, opType: string, opset: number | undefined): OpImporter | undefined {
  const imp = BY_OP.get(key(domain, opType));
  if (imp === undefined || opset === undefined) return undefined;
  return opset >= imp.since && opset <= imp.until ? imp : undefined;
}
