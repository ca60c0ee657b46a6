/**
 * The model zoo's input specs (a `models.json` next to the models, as in ../shared/models): for
 * each model, the shape, dtype and value range of every input, and how to fill attention masks.
 * `bench` uses them so every model gets inputs it was made for — token ids inside the vocabulary,
 * masks that are ones then zeros — and binds the model's symbolic dims from the spec's shapes
 * (an input declared [batch, sequence] with a spec shape [2, 16] binds batch=2, sequence=16).
 */

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HostData } from '../../runtime/convert.js';
import type { OnnxModel } from '../onnx/model.js';
import { UsageError } from '../errors.js';
import { seededRandom, type HostInput } from './inputs.js';
import type { Range } from './options.js';

export interface ZooInputSpec {
  dtype: string;
  shape: number[];
  /** [lo, hi): floats; [lo, hi] inclusive: integers. */
  range?: [number, number];
  /** 'padding': a 0/1 mask, per row ones then zeros after a random length of at least 1. */
  fill?: string;
}

export interface ZooEntry {
  inputs: Record<string, ZooInputSpec>;
  symbolic?: Record<string, number[]>;
}

export interface Zoo {
  dir: string;
  models: Record<string, ZooEntry>;
}

function isEntry(x: unknown): x is ZooEntry {
  if (typeof x !== 'object' || x === null) return false;
  const inputs = (x as { inputs?: unknown }).inputs;
  if (typeof inputs !== 'object' || inputs === null) return false;
  return Object.values(inputs).every(
    (s: unknown) =>
      typeof s === 'object' && s !== null && typeof (s as ZooInputSpec).dtype === 'string' && Array.isArray((s as ZooInputSpec).shape),
  );
}

/** Reads `dir/models.json`; a missing or malformed file is a usage error naming it. */
export function readZoo(dir: string): Zoo {
  const file = join(dir, 'models.json');
  if (!existsSync(file)) throw new UsageError(`--zoo ${dir}: no models.json in that folder (it lists the models and their inputs)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const models = (parsed as { models?: unknown }).models;
  if (typeof models !== 'object' || models === null) throw new UsageError(`${file}: expected an object with a 'models' map`);
  const out: Record<string, ZooEntry> = {};
  for (const [name, entry] of Object.entries(models)) {
    if (!isEntry(entry)) throw new UsageError(`${file}: model '${name}' has no valid 'inputs' (each needs dtype and shape)`);
    out[name] = entry;
  }
  return { dir, models: out };
}

/** The zoo entry describing `modelPath`, when a models.json beside it lists the model. */
export function zooEntryFor(modelPath: string): ZooEntry | undefined {
  const dir = dirname(modelPath);
  if (!existsSync(join(dir, 'models.json'))) return undefined;
  try {
    return readZoo(dir).models[basename(modelPath).replace(/\.onnx$/, '')];
  } catch {
    return undefined; // a stray, unrelated models.json is not this command's business
  }
}

/**
 * Symbol bindings from the spec's shapes: every symbolic dim of a model input takes the size the
 * spec gives that input on that axis. Two inputs disagreeing on one symbol is an error.
 */
export function bindSymbols(model: OnnxModel, entry: ZooEntry, name: string): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const input of model.graph.inputs) {
    const spec = entry.inputs[input.name];
    if (!spec || !input.shape) continue;
    input.shape.forEach((d, axis) => {
      if (typeof d !== 'string') return;
      const size = spec.shape[axis];
      if (size === undefined) return;
      if (d in dims && dims[d] !== size) {
        throw new UsageError(`${name}: models.json gives symbol '${d}' two sizes (${dims[d]} and ${size}, at input '${input.name}')`);
      }
      dims[d] = size;
    });
  }
  return dims;
}

/** Value ranges from the spec, in the form makeInputs takes. */
export function specRanges(entry: ZooEntry): Map<string, Range> {
  const m = new Map<string, Range>();
  for (const [name, s] of Object.entries(entry.inputs)) if (s.range) m.set(name, { lo: s.range[0], hi: s.range[1] });
  return m;
}

/** A 0/1 mask of `dims` (rows along the last axis): ones, then zeros after at least one. */
function paddingMask(dims: readonly number[], like: HostData, rand: () => number): HostData {
  const rowLen = dims[dims.length - 1] ?? 1;
  const n = like.length;
  const ones: number[] = new Array<number>(n).fill(0);
  for (let r = 0; r * rowLen < n; r++) {
    const len = 1 + Math.floor(rand() * rowLen);
    for (let j = 0; j < Math.min(len, rowLen); j++) ones[r * rowLen + j] = 1;
  }
  if (like instanceof BigInt64Array) return BigInt64Array.from(ones, (v) => BigInt(v));
  const Ctor = like.constructor as new (values: number[]) => HostData;
  return new Ctor(ones);
}

/** Replaces the data of every input the spec fills as 'padding' with a seeded mask. */
export function applyFills(inputs: HostInput[], entry: ZooEntry, seed: number): HostInput[] {
  // Its own stream, so adding a mask does not shift the values drawn for the other inputs.
  const rand = seededRandom((seed ^ 0x5bd1e995) >>> 0);
  return inputs.map((i) => {
    const fill = entry.inputs[i.name]?.fill;
    if (fill === undefined) return i;
    if (fill !== 'padding') throw new UsageError(`models.json: input '${i.name}' has fill '${fill}'; only 'padding' is known`);
    return { ...i, data: paddingMask(i.dims, i.data, rand), source: 'padding mask' };
  });
}
