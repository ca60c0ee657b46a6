/**
 * Kernels per inference on the model zoo (compiled in memory, no GPU): each model against
 * onnxruntime's 'extended'-optimized node count, and the zoo total against 0.6 × theirs (issue 5).
 * Results are checked by test/models/zoo.test.ts; this test is about how the work is split.
 *
 * Models are compiled at a middle test size of models.json (static, as `bench` runs them) and also
 * with their symbols left symbolic (one folder for every size); both must stay within onnxruntime's
 * count (tiny_unet meets its 12 since Resize renders its consumers' stores: it writes straight
 * into the padded concat the next conv reads).
 */

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { compileToMemory } from '../../src/compile.js';

const zooDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/models');

/** onnxruntime's node counts at the 'extended' graph optimization level (issue 4). */
const ORT: Record<string, number> = {
  squeezenet1_1: 39,
  mobilenet_v2: 65,
  resnet18: 40,
  efficientnet_b0: 174,
  shufflenet_v2_x1_0: 136,
  lraspp_mobilenet_v3: 137,
  tiny_vit: 61,
  tiny_bert: 153,
  tiny_gpt: 87,
  tiny_unet: 12,
  lstm_tagger: 19,
  super_resolution: 4,
};
const KNOWN_ABOVE: Record<string, number> = {};

/** Symbol bindings from the second test size of models.json (the first is often all ones). */
function dimsFor(model: string): Record<string, number> {
  const zoo = JSON.parse(readFileSync(join(zooDir, 'models.json'), 'utf8')) as { models: Record<string, { symbolic?: Record<string, number[]> }> };
  const sym = zoo.models[model]?.symbolic ?? {};
  return Object.fromEntries(Object.entries(sym).map(([k, v]) => [k, v[Math.min(1, v.length - 1)]!]));
}

describe('kernels per inference on the zoo', () => {
  const counts = new Map<string, number>();
  for (const [model, ort] of Object.entries(ORT)) {
    test(model, () => {
      const { report } = compileToMemory(join(zooDir, `${model}.onnx`), { dims: dimsFor(model), log: () => {} });
      counts.set(model, report.kernels);
      expect(report.kernels).toBeLessThanOrEqual(KNOWN_ABOVE[model] ?? ort);
    });
    test(`${model}, symbols left symbolic`, () => {
      const { report } = compileToMemory(join(zooDir, `${model}.onnx`), { log: () => {} });
      expect(report.kernels).toBeLessThanOrEqual(KNOWN_ABOVE[model] ?? ort);
    });
  }
  test('the zoo total is at most 0.6 × onnxruntime’s', () => {
    expect(counts.size).toBe(Object.keys(ORT).length);
    const ours = [...counts.values()].reduce((a, b) => a + b, 0);
    const theirs = Object.values(ORT).reduce((a, b) => a + b, 0);
    expect(ours).toBeLessThanOrEqual(0.6 * theirs);
  });
});
