/**
 * The zoo models too large for zoo.test.ts's numeric check whose graphs the pipeline rewrites
 * (SiLU in efficientnet_b0, HardSwish in lraspp_mobilenet_v3): the CPU evaluator gives the same
 * outputs before and after. A few seconds each; they run in their own file so vitest can
 * overlap them with the rest.
 */

import { describe, it } from 'vitest';
import { runPipeline } from '../../src/passes/pipeline.js';
import { expectSameResults } from './helpers.js';
import { loadZooModel, withInnerOutputs, zooModelNames } from './zoo-helpers.js';

describe('zoo numerics (large models)', () => {
  for (const name of ['efficientnet_b0', 'lraspp_mobilenet_v3'].filter((n) => zooModelNames().includes(n))) {
    it(name, () => {
      const m = loadZooModel(name);
      const g = withInnerOutputs(m.graph);
      expectSameResults(g, runPipeline(g, { verify: true }).graph, 3, 1e-4, 1e-5);
    });
  }
});
