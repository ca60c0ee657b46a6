/**
 * GPU timing of a model's runs with timestamp queries (the 'timestamp-query' feature), for
 * `createModel(plan, weights, { profile })`:
 *
 * - 'kernels' (or `true`): every kernel gets its own compute pass whose beginning and end write a
 *   timestamp, so each kernel's GPU time is known. Splitting the pass adds a little per kernel
 *   (pass boundaries), which is the price of attributing time.
 * - 'run': the model's single compute pass writes one timestamp at its beginning and one at its
 *   end, so the run is recorded exactly as an unprofiled one and only its total GPU time is known.
 *
 * The timestamps are resolved into a buffer in the run's own command encoder, copied to a mappable
 * buffer, and mapped together with the outputs — no extra submit or wait. Nothing here exists when
 * profiling is off, so an unprofiled model pays nothing.
 *
 * This file is copied into every output folder, so it imports nothing from the compiler.
 */

import { ModelLoadError } from './errors.js';

export type ProfileMode = 'kernels' | 'run';

/** GPU time of one kernel in one run. */
export interface KernelTiming {
  /** The plan kernel's name (its IR node, plus a suffix when a node emits several kernels). */
  name: string;
  /** Start, in nanoseconds after the run's first timestamp. */
  startNs: number;
  durationNs: number;
}

/** What one profiled run measured on the GPU. */
export interface RunProfile {
  mode: ProfileMode;
  /** From the first kernel's start to the last kernel's end. */
  gpuNs: number;
  /** Per kernel, in execution order ('kernels' mode only; empty for 'run'). */
  kernels: KernelTiming[];
}

const MAP_READ = 0x0001;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const QUERY_RESOLVE = 0x0200;
const MAP_MODE_READ = 0x1;

/** WebGPU caps a query set at 4096 queries; larger plans use several sets. */
const QUERIES_PER_SET = 4096;

/** Normalizes the `profile` option: true means per-kernel timing. */
export function profileMode(option: boolean | ProfileMode | undefined): ProfileMode | undefined {
  if (option === true) return 'kernels';
  if (option === false || option === undefined) return undefined;
  return option;
}

/**
 * Query sets, a resolve buffer and a readback buffer for one model: `passTimestamps(i)` gives the
 * timestampWrites of compute pass i, `resolve` records the resolve and copy at the end of a run,
 * and `read` (after `map`) turns the ticks into a RunProfile.
 */
export class TimestampRecorder {
  private readonly sets: GPUQuerySet[] = [];
  private readonly resolveBuffer: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly passes: number;

  constructor(
    private readonly device: GPUDevice,
    readonly mode: ProfileMode,
    private readonly kernelNames: readonly string[],
  ) {
    if (!device.features.has('timestamp-query')) {
      throw new ModelLoadError("profiling needs the 'timestamp-query' feature, which this device was not created with (or its adapter lacks)");
    }
    this.passes = mode === 'kernels' ? kernelNames.length : 1;
    const queries = 2 * this.passes;
    for (let first = 0; first < queries; first += QUERIES_PER_SET) {
      const count = Math.min(QUERIES_PER_SET, queries - first);
      this.sets.push(device.createQuerySet({ type: 'timestamp', count, label: `timestamps ${first}` }));
    }
    // Each set resolves at offset set·4096·8 bytes, a multiple of the required 256.
    const bytes = Math.max(8, queries * 8);
    this.resolveBuffer = device.createBuffer({ size: bytes, usage: QUERY_RESOLVE | COPY_SRC, label: 'timestamps' });
    this.readback = device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST, label: 'readback timestamps' });
  }

  /** How many GPU buffers the recorder created (for the model's stats). */
  get buffersCreated(): number {
    return 2;
  }

  /** The timestampWrites for compute pass `pass` (one per kernel, or the run's single pass). */
  passTimestamps(pass: number): GPUComputePassTimestampWrites {
    const q = 2 * pass;
    const set = Math.floor(q / QUERIES_PER_SET);
    const local = q % QUERIES_PER_SET;
    return { querySet: this.sets[set]!, beginningOfPassWriteIndex: local, endOfPassWriteIndex: local + 1 };
  }

  /** Records the resolve of every query and the copy to the readback buffer. */
  resolve(encoder: GPUCommandEncoder): void {
    this.sets.forEach((set, i) => encoder.resolveQuerySet(set, 0, set.count, this.resolveBuffer, i * QUERIES_PER_SET * 8));
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.readback, 0, this.readback.size);
  }

  map(): Promise<void> {
    return this.readback.mapAsync(MAP_MODE_READ);
  }

  /** Reads the mapped ticks (nanoseconds) and unmaps. */
  read(): RunProfile {
    const ticks = new BigUint64Array(this.readback.getMappedRange().slice(0, this.passes * 16));
    this.readback.unmap();
    const origin = ticks[0] ?? 0n;
    // Nanosecond counts of a run fit a double exactly; subtract first so the bigints stay small.
    const at = (i: number) => Number(ticks[i]! - origin);
    const kernels: KernelTiming[] = [];
    if (this.mode === 'kernels') {
      this.kernelNames.forEach((name, k) => {
        // An end before its beginning would be a driver quirk; clamp rather than report negative time.
        kernels.push({ name, startNs: at(2 * k), durationNs: Math.max(0, at(2 * k + 1) - at(2 * k)) });
      });
    }
    const last = 2 * this.passes - 1;
    return { mode: this.mode, gpuNs: this.passes === 0 ? 0 : Math.max(0, at(last)), kernels };
  }

  destroy(): void {
    for (const s of this.sets) s.destroy();
    this.resolveBuffer.destroy();
    this.readback.destroy();
  }
}
