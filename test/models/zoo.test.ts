/**
 * The model zoo end to end, as a user runs it: each model in ../shared/models is compiled with the
 * CLI into a folder, that folder is loaded from a plain Node program (run-compiled.mjs, which
 * imports nothing of the compiler), fed the inputs models.json describes (seeded; attention masks
 * filled as 'padding'), and every output is judged against onnxruntime-node's CPU provider on the
 * same inputs with the project's rule: relative L2 error ≤ 1e-4 and max abs error ≤
 * 1e-3·max|reference| (f32 accumulation-order differences stay orders of magnitude below both).
 *
 * Output folders go under out/zoo/ inside the repository so the generated runtime's
 * `import('webgpu')` resolves from the project's node_modules, as it would in a user's project.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { judge } from '../../src/cli/compare.js';
import { dimFlags, makeInputs, outRoot, reference, runCompiled, zoo, zooDir } from './zoo-helpers.js';

const MODELS = [
  // Issue 2's CNNs.
  'squeezenet1_1',
  'mobilenet_v2',
  'resnet18',
  'efficientnet_b0',
  'shufflenet_v2_x1_0',
  'super_resolution',
  'tiny_unet',
  // The rest of the zoo, at the models.json sizes with symbols bound at compile time.
  'lraspp_mobilenet_v3',
  'tiny_vit',
  'tiny_bert',
  'tiny_gpt',
  'lstm_tagger',
];

describe('model zoo: compiled folder vs onnxruntime CPU', () => {
  for (const model of MODELS) {
    it(model, async () => {
      const entry = zoo.models[model]!;
      const outDir = join(outRoot, model);
      mkdirSync(outRoot, { recursive: true });
      const lines: string[] = [];
      const io = { out: (s: string) => lines.push(s), err: (s: string) => lines.push(s) };
      const code = await main(['compile', join(zooDir, `${model}.onnx`), '-o', outDir, ...dimFlags(model, entry)], io);
      expect(code, lines.join('\n')).toBe(0);
      expect(existsSync(join(outDir, 'model.js'))).toBe(true);

      const inputs = makeInputs(entry, 1234);
      const [ours] = runCompiled(outDir, join(outRoot, `${model}.io`), [inputs]).outputs;
      const ref = await reference(model, inputs);
      expect(ours!.map((o) => o.name).sort()).toEqual([...ref.keys()].sort());
      for (const o of ours!) {
        const verdict = judge(o.name, o.dtype, { data: o.data, dims: o.dims }, ref.get(o.name)!, 1e-4, 1e-3);
        expect(verdict.pass, `${model}/${o.name}: ${JSON.stringify(verdict)}`).toBe(true);
      }
    }, 600_000);
  }
});
