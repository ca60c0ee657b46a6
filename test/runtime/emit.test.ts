/**
 * The emitted folder (src/emit + src/compile.ts) from a real ONNX model (examples/tiny-cnn.onnx):
 * it is self-contained (copied outside the repo, its only package import is `webgpu`), its
 * model.js loads and matches onnxruntime, its model.d.ts type-checks a consumer, weights.bin holds
 * the initializers at aligned offsets, and a failed compile leaves no folder behind and an existing
 * one untouched.
 */

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { typecheckConsumer } from '../helpers/typecheck.js';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import { OnnxDecodeError, OutputFolderError, UnsupportedOpsError } from '../../src/errors.js';
import { loadModelFile } from '../../src/onnx/decode.js';
import type { Model } from '../../runtime/index.js';
import type { ModelPlan } from '../../runtime/plan.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tinyCnn = join(repo, 'examples/tiny-cnn.onnx');
const fixture = (name: string) => join(repo, 'test/fixtures/cli', name);

let tmp: string;
let out: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'onnx-wgsl-emit-'));
  out = join(tmp, 'out');
  await compile(tinyCnn, out);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Module specifiers of every static import/export-from and literal dynamic import() in `code`. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

interface GeneratedModule {
  plan: ModelPlan;
  load(options?: { device?: GPUDevice }): Promise<Model>;
}

describe('the output folder', () => {
  test('has exactly model.js, model.d.ts, weights.bin and runtime/*.js', () => {
    expect(readdirSync(out).sort()).toEqual(['model.d.ts', 'model.js', 'runtime', 'weights.bin']);
    const runtime = readdirSync(join(out, 'runtime'));
    expect(runtime).toContain('index.js');
    expect(runtime.every((f) => f.endsWith('.js'))).toBe(true);
    expect(readdirSync(tmp).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary siblings left
  });

  test('is self-contained: copied elsewhere, its only package import is webgpu, and it runs', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'onnx-wgsl-copy-')), 'model');
    cpSync(out, copy, { recursive: true });
    try {
      const files = [join(copy, 'model.js'), ...readdirSync(join(copy, 'runtime')).map((f) => join(copy, 'runtime', f))];
      for (const f of files) {
        for (const spec of specifiers(readFileSync(f, 'utf8'))) {
          const relative = spec.startsWith('./') || spec.startsWith('../');
          expect(relative || spec === 'webgpu', `${f} imports '${spec}'`).toBe(true);
          if (relative) expect(existsSync(resolve(dirname(f), spec)), `${f} → ${spec} exists in the folder`).toBe(true);
        }
      }
      const mod = (await import(pathToFileURL(join(copy, 'model.js')).href)) as GeneratedModule;
      const model = await mod.load({ device: await getDevice() });
      try {
        const image = randomTensor('float32', [1, 1, 8, 8], rng(5));
        const got = await model.run({ image: { data: image.data as Float32Array, dims: [1, 1, 8, 8] } } as never);
        const session = await ort.InferenceSession.create(tinyCnn);
        const want = await session.run({ image: new ort.Tensor('float32', image.data as Float32Array, [1, 1, 8, 8]) });
        await session.release();
        const probs = (got as Record<string, { data: Float32Array; dims: number[] }>).probs!;
        expect(probs.dims).toEqual([1, 10]);
        expectClose({ dtype: 'float32', dims: probs.dims, data: probs.data }, { dtype: 'float32', dims: [1, 10], data: want.probs!.data as Float32Array }, 1e-4, 1e-6, 'probs');
        expect(model.stats.pipelinesCreated).toBe(mod.plan.shaders.length);
      } finally {
        model.dispose();
      }
    } finally {
      rmSync(dirname(copy), { recursive: true, force: true });
    }
  });

  test('without a device, load() imports webgpu from beside the folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'onnx-wgsl-node-'));
    try {
      cpSync(out, join(root, 'model'), { recursive: true });
      mkdirSync(join(root, 'node_modules'));
      symlinkSync(join(repo, 'node_modules/webgpu'), join(root, 'node_modules/webgpu'), 'dir');
      const mod = (await import(pathToFileURL(join(root, 'model/model.js')).href)) as GeneratedModule;
      const model = await mod.load();
      const outs = await model.run({ image: { data: new Float32Array(64).fill(0.25) } } as never);
      const probs = (outs as Record<string, { data: Float32Array }>).probs!.data;
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      model.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('weightsUrl points load() at moved weights; missing weights are a ModelLoadError', async () => {
    const root = mkdtempSync(join(tmpdir(), 'onnx-wgsl-weights-'));
    try {
      cpSync(out, join(root, 'm'), { recursive: true });
      mkdirSync(join(root, 'm/data'));
      renameSync(join(root, 'm/weights.bin'), join(root, 'm/data/cnn.bin'));
      const mod = (await import(pathToFileURL(join(root, 'm/model.js')).href)) as GeneratedModule & {
        load(o: { device?: GPUDevice; weightsUrl?: string }): Promise<Model>;
      };
      const device = await getDevice();
      await expect(mod.load({ device })).rejects.toThrow(/cannot read the weights of tiny-cnn\.onnx from file:.*weights\.bin/);
      const model = await mod.load({ device, weightsUrl: './data/cnn.bin' });
      const probs = ((await model.run({ image: { data: new Float32Array(64).fill(-0.5) } } as never)) as Record<string, { data: Float32Array }>).probs!;
      expect(probs.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      model.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('weights.bin holds every initializer at a 256-byte aligned offset', async () => {
    const mod = (await import(pathToFileURL(join(out, 'model.js')).href)) as GeneratedModule;
    const bin = readFileSync(join(out, 'weights.bin'));
    expect(bin.byteLength).toBe(mod.plan.weightsByteLength);
    const inits = loadModelFile(tinyCnn).graph.initializers;
    const byName = new Map(mod.plan.weights.map((w) => [w.name, w]));
    for (const name of ['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias']) {
      const w = byName.get(name);
      expect(w, name).toBeDefined();
      expect(w!.offset % 256).toBe(0);
      const stored = new Float32Array(bin.buffer.slice(bin.byteOffset + w!.offset, bin.byteOffset + w!.offset + w!.byteLength));
      expect(Array.from(stored)).toEqual(Array.from(inits.get(name)!.data as Float32Array));
    }
  });

  test('model.d.ts types a consumer: right names and arrays pass, wrong ones do not', () => {
    const consumer = join(tmp, 'consumer.ts');
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }'); // an ES module, for top-level await
    writeFileSync(
      consumer,
      `import { load } from './out/model.js';
const model = await load();
const outs = await model.run({ image: { data: new Float32Array(64), dims: [1, 1, 8, 8] } });
const probs: Float32Array = outs.probs.data;
const dtype: 'float32' = outs.probs.dtype;
const [batch, classes]: [1, 10] = outs.probs.dims;
// @ts-expect-error unknown input name
await model.run({ imag: { data: new Float32Array(64) } });
// @ts-expect-error wrong array type
await model.run({ image: { data: new Int32Array(64) } });
// @ts-expect-error no such output
outs.logits;
model.dispose();
export { probs, dtype, batch, classes };
`,
    );
    expect(typecheckConsumer(consumer)).toEqual([]);
    const dts = readFileSync(join(out, 'model.d.ts'), 'utf8');
    expect(dts).toContain('/** float32 [1, 1, 8, 8] */');
  });
});

describe('writing is all or nothing', () => {
  test('a failed compile creates no folder', async () => {
    const target = join(tmp, 'never');
    await expect(compile(fixture('unsupported-op.onnx'), target)).rejects.toThrow(UnsupportedOpsError);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('a failed compile leaves an existing output untouched; a good one replaces it', async () => {
    const target = join(tmp, 'existing');
    await compile(tinyCnn, target);
    writeFileSync(join(target, 'marker.txt'), 'from before');
    const before = readFileSync(join(target, 'model.js'), 'utf8');

    const truncated = join(tmp, 'truncated.onnx');
    const bytes = readFileSync(tinyCnn);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(compile(truncated, target)).rejects.toThrow(OnnxDecodeError);
    await expect(compile(fixture('unsupported-op.onnx'), target)).rejects.toThrow(UnsupportedOpsError);
    expect(readFileSync(join(target, 'marker.txt'), 'utf8')).toBe('from before');
    expect(readFileSync(join(target, 'model.js'), 'utf8')).toBe(before);

    await compile(tinyCnn, target);
    expect(existsSync(join(target, 'marker.txt'))).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('a folder onnx-wgsl did not write is never replaced', async () => {
    const target = join(tmp, 'project');
    mkdirSync(target);
    writeFileSync(join(target, 'important.txt'), 'keep me');
    await expect(compile(tinyCnn, target)).rejects.toThrow(OutputFolderError);
    await expect(compile(tinyCnn, target)).rejects.toThrow(/refusing to replace/);
    expect(readdirSync(target)).toEqual(['important.txt']);
  });
});
