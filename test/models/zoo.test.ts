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

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { judge } from '../../src/cli/compare.js';
import type { HostData } from '../../runtime/convert.js';
import { rng } from '../helpers/random.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const zooDir = resolve(repo, '../shared/models');
const outRoot = join(repo, 'out', 'zoo');

interface InputSpec {
  dtype: 'float32' | 'int64';
  shape: number[];
  range: [number, number];
  fill?: 'padding';
}
interface ZooEntry {
  inputs: Record<string, InputSpec>;
  symbolic?: Record<string, number[]>;
}
const zoo = JSON.parse(readFileSync(join(zooDir, 'models.json'), 'utf8')) as { models: Record<string, ZooEntry> };

/** Seeded inputs as models.json describes them. */
function makeInputs(entry: ZooEntry, seed: number): { name: string; dtype: string; dims: number[]; data: Float32Array | BigInt64Array }[] {
  const rand = rng(seed);
  return Object.entries(entry.inputs).map(([name, s]) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = s.range;
    if (s.dtype === 'float32') {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rand();
      return { name, dtype: s.dtype, dims: s.shape, data };
    }
    const data = new BigInt64Array(n);
    if (s.fill === 'padding') {
      // Ones, then zeros after a random length of at least 1, per row.
      const rowLen = s.shape[s.shape.length - 1]!;
      for (let r = 0; r < n / rowLen; r++) {
        const len = 1 + Math.floor(rand() * rowLen);
        for (let j = 0; j < rowLen; j++) data[r * rowLen + j] = j < len ? 1n : 0n;
      }
    } else {
      for (let i = 0; i < n; i++) data[i] = BigInt(lo + Math.floor((hi - lo + 1) * rand()));
    }
    return { name, dtype: s.dtype, dims: s.shape, data };
  });
}

/** Symbol bindings matching the models.json input shapes (the first test size). */
function dimFlags(model: string, entry: ZooEntry): string[] {
  const p = JSON.parse(execFileSync('/usr/bin/python3', ['-c', SYMBOLS_PY, join(zooDir, `${model}.onnx`)], { encoding: 'utf8' })) as Record<string, [string, number][]>;
  const flags = new Set<string>();
  for (const [input, axes] of Object.entries(p)) {
    for (const [sym, axis] of axes) flags.add(`${sym}=${entry.inputs[input]!.shape[axis]}`);
  }
  return [...flags].flatMap((f) => ['--dim', f]);
}
const SYMBOLS_PY = `
import json, sys, onnx
m = onnx.load(sys.argv[1], load_external_data=False)
inits = {i.name for i in m.graph.initializer}
out = {}
for i in m.graph.input:
    if i.name in inits: continue
    out[i.name] = [[d.dim_param, k] for k, d in enumerate(i.type.tensor_type.shape.dim) if d.dim_param]
print(json.dumps(out))
`;

async function reference(model: string, inputs: ReturnType<typeof makeInputs>): Promise<Map<string, { data: HostData; dims: number[] }>> {
  const session = await ort.InferenceSession.create(join(zooDir, `${model}.onnx`));
  const feeds: Record<string, ort.Tensor> = {};
  for (const i of inputs) feeds[i.name] = new ort.Tensor(i.dtype as 'float32', i.data as Float32Array, i.dims);
  const result = await session.run(feeds);
  const out = new Map<string, { data: HostData; dims: number[] }>();
  // Copy before release: onnxruntime frees its output buffers with the session.
  for (const [name, t] of Object.entries(result)) out.set(name, { data: (t.data as Float32Array).slice(), dims: [...t.dims] });
  await session.release();
  return out;
}

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
      const ioDir = join(outRoot, `${model}.io`);
      rmSync(ioDir, { recursive: true, force: true });
      mkdirSync(ioDir, { recursive: true });

      const lines: string[] = [];
      const io = { out: (s: string) => lines.push(s), err: (s: string) => lines.push(s) };
      const code = await main(['compile', join(zooDir, `${model}.onnx`), '-o', outDir, ...dimFlags(model, entry)], io);
      expect(code, lines.join('\n')).toBe(0);
      expect(existsSync(join(outDir, 'model.js'))).toBe(true);

      const inputs = makeInputs(entry, 1234);
      writeFileSync(
        join(ioDir, 'inputs.json'),
        JSON.stringify(inputs.map((i, k) => ({ name: i.name, dtype: i.dtype, dims: i.dims, file: `in-${k}.bin` }))),
      );
      inputs.forEach((i, k) => writeFileSync(join(ioDir, `in-${k}.bin`), new Uint8Array(i.data.buffer)));
      execFileSync(process.execPath, [join(here, 'run-compiled.mjs'), outDir, ioDir], { stdio: ['ignore', 'ignore', 'pipe'] });

      const ours = JSON.parse(readFileSync(join(ioDir, 'outputs.json'), 'utf8')) as { name: string; dtype: string; dims: number[]; file: string }[];
      const ref = await reference(model, inputs);
      expect(ours.map((o) => o.name).sort()).toEqual([...ref.keys()].sort());
      for (const o of ours) {
        const bytes = readFileSync(join(ioDir, o.file));
        const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const verdict = judge(o.name, o.dtype, { data, dims: o.dims }, ref.get(o.name)!, 1e-4, 1e-3);
        expect(verdict.pass, `${model}/${o.name}: ${JSON.stringify(verdict)}`).toBe(true);
      }
    }, 600_000);
  }
});
