/**
 * No GPU dispatch computes a shape. Every zoo model is imported with its symbols left symbolic,
 * optimized and turned into kernels; the kernels are counted by the op kind of the node anchoring
 * them, and the test fails on any kernel anchored at a shape computation (Shape, or a Range over
 * data-dependent bounds) and on any kernel whose outputs all look like shape tensors (int64 of at
 * most one axis and at most 8 elements) without being a model output — shape arithmetic must fold
 * at compile time into symbolic dims, never run on the GPU.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKernels } from '../../codegen/generate.js';
import { loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { zoo, zooDir } from './zoo-helpers.js';

const SHAPE_KINDS = new Set(['shape', 'range']);

describe('dispatches by kind', () => {
  for (const model of Object.keys(zoo.models)) {
    it(`${model}: no kernel computes a shape`, () => {
      const graph = runPipeline(importModel(loadModelFile(join(zooDir, `${model}.onnx`)))).graph;
      const { kernels } = generateKernels(graph);
      const byKind = new Map<string, number>();
      for (const k of kernels) byKind.set(k.anchorKind ?? '?', (byKind.get(k.anchorKind ?? '?') ?? 0) + 1);
      expect([...byKind.keys()].filter((k) => SHAPE_KINDS.has(k)), JSON.stringify(Object.fromEntries(byKind))).toEqual([]);
      expect(byKind.has('?')).toBe(false);
      const outputs = new Set(graph.outputs);
      const shapeLike = kernels.filter((k) =>
        k.outputs.every(
          (v) =>
            !outputs.has(v) &&
            v.type.dtype === 'int64' &&
            v.type.shape.length <= 1 &&
            v.type.shape.every((d) => typeof d === 'number' && d <= 8),
        ),
      );
      expect(shapeLike.map((k) => k.name)).toEqual([]);
    });
  }
});
