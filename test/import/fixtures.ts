/**
 * Shared setup for the importer tests: where the fixtures live (built by
 * test/fixtures/make_import_fixtures.py), loading and importing one, and random feeds that
 * follow each model's declared inputs (symbolic dims sized from `dims`).
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph, Tensor } from '../../ir/graph.js';
import { loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { randomTensor, rng } from '../helpers/random.js';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/import');
export const ZOO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/models');

export function fixturePath(name: string): string {
  return join(FIXTURES, `${name}.onnx`);
}

export function loadFixture(name: string): OnnxModel {
  return loadModelFile(fixturePath(name));
}

export function importFixture(name: string, dims: Record<string, number> = {}): Graph {
  return importModel(loadFixture(name), { dims });
}

/**
 * Random inputs for every graph input: floats in [-1, 1), integers in [-5, 5], bools, with
 * symbolic dims taken from `dims` (unbound ones get 3). Seeded per call.
 */
export function randomFeeds(model: OnnxModel, dims: Record<string, number>, seed: number): Record<string, Tensor> {
  const rand = rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const vi of model.graph.inputs) {
    const shape = (vi.shape ?? []).map((d) => (typeof d === 'number' ? d : d === null ? 3 : (dims[d] ?? 3)));
    feeds[vi.name] = randomTensor(vi.dtype!, shape, rand, vi.dtype === 'float32' ? -1 : -5, vi.dtype === 'float32' ? 1 : 5);
  }
  return feeds;
}
