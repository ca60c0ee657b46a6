/**
 * Ops that are refused on purpose, each with the reason a user can act on, instead of the generic
 * "unsupported op" listing: their semantics are outside what an inference compiler with
 * reproducible outputs provides.
 *
 * - Bernoulli (opset 15 to MAX_OPSET): draws random samples; the output cannot be reproduced
 *   (or compared) and we have no on-device random number generator.
 * - Adam (ai.onnx.preview.training opset 1): an optimizer update step, i.e. training. (Adagrad
 *   and Momentum, refused here before, lower in optimizer.ts; see there why Adam does not.)
 * Lowers to: nothing; the importer reports an UnsupportedFormError naming the reason.
 */

import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { MAX_OPSET } from './common.js';

const TRAINING_DOMAIN = 'ai.onnx.preview.training';

function refuse(reason: string) {
  return (ctx: ImportContext): ImportResult => ctx.unsupported(reason);
}

export const refusedImporters: OpImporter[] = [
  {
    opType: 'Bernoulli',
    domain: '',
    since: 15,
    until: MAX_OPSET,
    import: refuse('random sampling is not supported: outputs would not be reproducible and there is no on-device random number generator'),
  },
  {
    opType: 'Adam',
    domain: TRAINING_DOMAIN,
    since: 1,
    until: 1,
    import: refuse('Adam is an optimizer (training) step; training ops are not supported'),
  },
];
