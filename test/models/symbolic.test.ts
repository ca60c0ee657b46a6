/**
 * Issue 3's end-to-end check: each zoo model with symbolic dims is compiled ONCE with its symbols
 * left symbolic, and that one folder — loaded once by a plain Node program (run-compiled.mjs) —
 * runs every size models.json lists (tiny_bert at (batch, sequence) = (1, 1), (2, 16), (8, 128)
 * with padding masks; tiny_gpt (1, 1), (1, 24), (2, 128); lstm_tagger (1, 1), (3, 20), (1, 64);
 * mobilenet_v2 and resnet18 at batch 1 and 4; tiny_vit and lraspp, which have no symbols, at their
 * one size). Every output is judged against onnxruntime CPU with the zoo's rule (relative L2 ≤ 1e-4,
 * max abs ≤ 1e-3·max|reference|), and the model's counters must show that no shader module or
 * pipeline was created after load.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { judge } from '../../src/cli/compare.js';
import { makeInputs, outRoot, reference, runCompiled, symbolicAxes, zoo, zooDir } from './zoo-helpers.js';

const MODELS = ['tiny_bert', 'tiny_gpt', 'lstm_tagger', 'mobilenet_v2', 'resnet18', 'tiny_vit', 'lraspp_mobilenet_v3'];

/** Input shapes for the i-th size of models.json's `symbolic` lists. */
function shapesFor(model: string, i: number): Record<string, number[]> {
  const entry = zoo.models[model]!;
  const axes = symbolicAxes(model);
  const shapes: Record<string, number[]> = {};
  for (const [name, spec] of Object.entries(entry.inputs)) {
    const shape = [...spec.shape];
    for (const [sym, axis] of axes[name] ?? []) {
      const values = entry.symbolic?.[sym];
      if (!values) throw new Error(`${model}: models.json lists no sizes for the symbol '${sym}'`);
      shape[axis] = values[i]!;
    }
    shapes[name] = shape;
  }
  return shapes;
}

describe('symbolic zoo: one compiled folder, every size', () => {
  for (const model of MODELS) {
    it(model, async () => {
      const entry = zoo.models[model]!;
      const sizes = Math.max(1, ...Object.values(entry.symbolic ?? {}).map((v) => v.length));
      const outDir = join(outRoot, `${model}.symbolic`);
      mkdirSync(outRoot, { recursive: true });
      const lines: string[] = [];
      const io = { out: (s: string) => lines.push(s), err: (s: string) => lines.push(s) };
      const code = await main(['compile', join(zooDir, `${model}.onnx`), '-o', outDir], io);
      expect(code, lines.join('\n')).toBe(0);

      const sets = Array.from({ length: sizes }, (_, i) => makeInputs(entry, 100 + i, shapesFor(model, i)));
      const { outputs, stats } = runCompiled(outDir, join(outRoot, `${model}.symbolic.io`), sets);
      expect(stats.afterRuns.shaderModulesCreated).toBe(stats.afterLoad.shaderModulesCreated);
      expect(stats.afterRuns.pipelinesCreated).toBe(stats.afterLoad.pipelinesCreated);
      expect(stats.afterRuns.runs).toBe(sizes);

      for (let i = 0; i < sizes; i++) {
        const ref = await reference(model, sets[i]!);
        const ours = outputs[i]!;
        expect(ours.map((o) => o.name).sort()).toEqual([...ref.keys()].sort());
        for (const o of ours) {
          const r = ref.get(o.name)!;
          expect(o.dims, `${model} size ${i} output ${o.name}`).toEqual(r.dims);
          const verdict = judge(o.name, o.dtype, { data: o.data, dims: o.dims }, r, 1e-4, 1e-3);
          expect(verdict.pass, `${model} size ${i} (${JSON.stringify(shapesFor(model, i))})/${o.name}: ${JSON.stringify(verdict)}`).toBe(true);
        }
      }
    }, 900_000);
  }
});
