/**
 * The runtime's profiling mode (runtime/profile.ts through createModel's `profile` option), on
 * examples/tiny-cnn.onnx compiled in memory: per-kernel timestamps are positive, in plan order,
 * non-overlapping and add up to no more than the run's GPU span, which is no more than the
 * wall-clock time of the run; 'run' mode gives only the span; profiling changes no output; an
 * unprofiled model records nothing; more kernels than one query set holds (4096 timestamps) are
 * timed across several sets. Never asserts speed.
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createModel, type Model } from '../../runtime/index.js';
import { TimestampRecorder } from '../../runtime/profile.js';
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

describe('TimestampRecorder', () => {
  test('more passes than one query set holds: every pass timed, in order', async () => {
    const device = (await load('run')).device;
    const module = device.createShaderModule({
      code: '@group(0) @binding(0) var<storage, read_write> y: array<u32>;\n@compute @workgroup_size(1) fn main() { y[0] = y[0] + 1u; }',
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const buffer = device.createBuffer({ size: 4, usage: 0x0080 /* STORAGE */ });
    const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
    const names = Array.from({ length: 2100 }, (_, i) => `k${i}`); // 4200 timestamps: two query sets
    const recorder = new TimestampRecorder(device, 'kernels', names);
    const encoder = device.createCommandEncoder();
    names.forEach((_, i) => {
      const pass = encoder.beginComputePass({ timestampWrites: recorder.passTimestamps(i) });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(1);
      pass.end();
    });
    expect(recorder.passTimestamps(2047).querySet).toBe(recorder.passTimestamps(0).querySet);
    expect(recorder.passTimestamps(2048).querySet).not.toBe(recorder.passTimestamps(0).querySet);
    recorder.resolve(encoder);
    device.queue.submit([encoder.finish()]);
    await recorder.map();
    const p = recorder.read();
    expect(p.kernels.map((k) => k.name)).toEqual(names);
    let end = 0;
    for (const k of p.kernels) {
      expect(k.startNs).toBeGreaterThanOrEqual(end);
      end = k.startNs + k.durationNs;
    }
    expect(p.kernels.at(-1)!.startNs).toBeGreaterThan(0); // the second set was resolved, not left zero
    expect(p.gpuNs).toBe(end);
    recorder.destroy();
    buffer.destroy();
  });
});
