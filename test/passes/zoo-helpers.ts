/**
 * The model zoo (../shared/models) for the optimizer's tests: each model imported with its
 * symbols bound (batch 1, sequence 8). Every zoo model imports, so an import error fails the
 * model's test (it used to skip it, which let an importer regression pass unnoticed).
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Value } from '../../ir/graph.js';
import { loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';

export const ZOO_DIR = '/work/shared/models';

/** Sizes for the zoo's symbols: small, so the CPU evaluator stays quick. */
const SYMBOLS: Record<string, number> = { batch: 1, sequence: 8 };

export interface ZooModel {
  name: string;
  onnxNodes: number;
  graph: Graph;
}

interface ModelsJson {
  models: Record<string, { symbolic?: Record<string, number[]> }>;
}

export function zooModelNames(): string[] {
  const file = join(ZOO_DIR, 'models.json');
  if (!existsSync(file)) return [];
  return Object.keys((JSON.parse(readFileSync(file, 'utf8')) as ModelsJson).models);
}

export function loadZooModel(name: string): ZooModel {
  const info = (JSON.parse(readFileSync(join(ZOO_DIR, 'models.json'), 'utf8')) as ModelsJson).models[name]!;
  const dims = Object.fromEntries(Object.keys(info.symbolic ?? {}).map((s) => [s, SYMBOLS[s] ?? 2]));
  const model = loadModelFile(join(ZOO_DIR, `${name}.onnx`));
  return { name, onnxNodes: model.graph.nodes.length, graph: importModel(model, { dims }) };
}

/**
 * Adds, as extra outputs, the first computed input of each output's producer: some zoo outputs
 * are constant for random weights (tiny_vit's head is zero-initialized), and a comparison there
 * would prove nothing.
 */
export function withInnerOutputs(g: Graph): Graph {
  const h = g.clone();
  const extra: Value[] = [];
  for (const v of h.outputs) {
    const inner = v.producer?.inputs.find((x) => !x.isConstant);
    if (inner && !h.outputs.includes(inner) && !extra.includes(inner) && !h.inputs.includes(inner)) extra.push(inner);
  }
  h.outputs = [...h.outputs, ...extra];
  return h;
}
