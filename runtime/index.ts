/**
 * The runtime's entry point, imported by every generated model.js: `loadModel(plan, weightsUrl,
 * options)` reads weights.bin (fs in Node, fetch elsewhere) and builds the model on a device.
 *
 * The whole runtime folder is copied into each output folder, so nothing here may import outside
 * it; the only package it loads is `webgpu`, and only in Node when no device is given. The Node
 * file-system module is imported through a variable so browser bundlers do not try to resolve it.
 */

import { ModelLoadError } from './errors.js';
import { createModel, type CreateOptions, type Model } from './model.js';
import type { ModelPlan } from './plan.js';

export { InputValidationError, UnsupportedValueError, DeviceLimitError, ModelLoadError } from './errors.js';
export { createModel } from './model.js';
export type { Model, ModelStats, OutputTensor, GpuOutputTensor, RunOptions, CreateOptions } from './model.js';
export type { InputTensor, GpuInputTensor, RunInput } from './validate.js';
export type { ProfileMode, RunProfile, KernelTiming } from './profile.js';
export type { ModelPlan, PlanTensor, PlanDim, PlanSymbol } from './plan.js';

export interface LoadOptions extends CreateOptions {
  /** Where to read the weights from; relative URLs resolve against model.js. Default: its weights.bin. */
  weightsUrl?: string | URL;
}

async function readBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const fsName = 'node:fs/promises';
    const fs = (await import(fsName)) as typeof import('node:fs/promises');
    const buf = await fs.readFile(url);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Reads the weights and loads `plan` on a device; called by the generated model.js. */
export async function loadModel(plan: ModelPlan, defaultWeightsUrl: URL, options: LoadOptions = {}): Promise<Model> {
  const url = options.weightsUrl === undefined ? defaultWeightsUrl : new URL(String(options.weightsUrl), defaultWeightsUrl);
  let weights: Uint8Array;
  try {
    weights = await readBytes(url);
  } catch (e) {
    throw new ModelLoadError(`cannot read the weights of ${plan.modelName} from ${url.href}: ${(e as Error).message}`);
  }
  return createModel(plan, weights, options);
}
