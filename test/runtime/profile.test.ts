/**
 * The runtime's profiling mode (runtime/profile.ts through createModel's `profile` option), on
 * examples/tiny-cnn.onnx compiled in memory: per-kernel timestamps are positive, in plan order,
 * non-overlapping and add up to no more than the run's GPU span, which is no more than the
 * wall-clock time of the run; 'run' mode gives only the span; profiling changes no output; and an
 * unprofiled model records nothing. Never asserts speed.
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createModel, type Model } from '../../runtime/index.js';
import { compileToMemory, type CompiledModel } from '../../src/compile.js';
import { rng } from '../helpers/random.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tinyCnn = join(repo, 'examples/tiny-cnn.onnx');

let compiled: CompiledModel;
const models: Model[] = [];
const image = () => {
  const r = rng(7);
  return { data: Float32Array.from({ length: 64 }, () => r() * 2 - 1), dims: [1, 1, 8, 8] };
};

beforeAll(() => {
  compiled = compileToMemory(tinyCnn);
});
afterAll(() => models.forEach((m) => m.dispose()));

async function load(profile?: boolean | 'kernels' | 'run'): Promise<Model> {
  const m = await createModel(compiled.plan, compiled.weights, profile === undefined ? {} : { profile });
  models.push(m);
  return m;
}

describe('profile: kernels', () => {
  test('one timing per plan kernel, positive, ordered, within the GPU span and the wall-clock time', async () => {
    const m = await load(true);
    expect(m.device.features.has('timestamp-query')).toBe(true);
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      await m.run({ image: image() });
      const wallNs = (performance.now() - t0) * 1e6;
      const p = m.lastProfile!;
      expect(p.mode).toBe('kernels');
      expect(p.kernels.map((k) => k.name)).toEqual(compiled.plan.kernels.map((k) => k.name));
      let end = 0;
      for (const k of p.kernels) {
        expect(k.durationNs).toBeGreaterThan(0);
        expect(k.startNs).toBeGreaterThanOrEqual(end); // passes run one after another
        end = k.startNs + k.durationNs;
      }
      const sum = p.kernels.reduce((n, k) => n + k.durationNs, 0);
      expect(sum).toBeLessThanOrEqual(p.gpuNs);
      expect(p.gpuNs).toBe(end);
      expect(p.gpuNs).toBeLessThanOrEqual(wallNs);
    }
  });

  test('profiling changes no output', async () => {
    const plain = await load();
    const timed = await load('kernels');
    const a = await plain.run({ image: image() });
    const b = await timed.run({ image: image() });
    expect(Array.from(b.probs!.data as Float32Array)).toEqual(Array.from(a.probs!.data as Float32Array));
    // The plain model keeps its single pass and records nothing.
    expect(plain.lastProfile).toBeUndefined();
    expect(timed.stats.dispatchesPerRun).toBe(plain.stats.dispatchesPerRun);
    expect(timed.stats.buffersCreated).toBe(plain.stats.buffersCreated + 2);
  });
});

describe('profile: run', () => {
  test('the whole run as one span, no per-kernel entries', async () => {
    const m = await load('run');
    const t0 = performance.now();
    await m.run({ image: image() });
    const wallNs = (performance.now() - t0) * 1e6;
    const p = m.lastProfile!;
    expect(p.mode).toBe('run');
    expect(p.kernels).toEqual([]);
    expect(p.gpuNs).toBeGreaterThan(0);
    expect(p.gpuNs).toBeLessThanOrEqual(wallNs);
  });

  test('a given device without timestamp-query is refused with a clear error', async () => {
    const m = await load();
    // A device created with no features: the plain model's own (tiny-cnn needs none).
    expect(m.device.features.has('timestamp-query')).toBe(false);
    await expect(createModel(compiled.plan, compiled.weights, { device: m.device, profile: true })).rejects.toThrow(
      /profiling needs the 'timestamp-query' feature/,
    );
  });
});
