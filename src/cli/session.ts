/**
 * Opening a model for `run` and `compare`: either an .onnx file, compiled in memory and loaded
 * through the runtime's createModel, or an already compiled output folder, loaded by importing its
 * model.js — so `run OUT` exercises exactly what an application would ship.
 */

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createModel, type Model } from '../../runtime/index.js';
import { acquireDevice } from '../../runtime/device.js';
import type { HostData } from '../../runtime/convert.js';
import type { ModelPlan } from '../../runtime/plan.js';
import type { InputTensor } from '../../runtime/validate.js';
import { compileToMemory, type CompileOptions } from '../compile.js';
import { UsageError } from '../errors.js';
import type { HostInput } from './inputs.js';

export interface OpenModel {
  model: Model;
  plan: ModelPlan;
  /** Disposes the model and any device opened for it. */
  close(): void;
}

interface GeneratedModule {
  plan: ModelPlan;
  load(options?: { device?: GPUDevice }): Promise<Model>;
}

/**
 * Loads `target`: a compiled folder (with model.js) or an .onnx file compiled with `options`.
 * A folder's own runtime would import `webgpu` from wherever the folder lives (often outside any
 * node_modules), so the CLI opens the device with its own runtime and passes it in.
 */
export async function openModel(target: string, options: CompileOptions): Promise<OpenModel> {
  if (existsSync(target) && statSync(target).isDirectory()) {
    const modulePath = join(resolve(target), 'model.js');
    if (!existsSync(modulePath)) throw new UsageError(`${target} is a folder without model.js (not an onnx-wgsl output folder)`);
    if (options.dims && Object.keys(options.dims).length > 0) {
      throw new UsageError(
        `--dim does not apply to a compiled folder (dims are bound when compiling); pass the .onnx model instead, or --run-dim to size a symbolic folder's inputs`,
      );
    }
    const mod = (await import(pathToFileURL(modulePath).href)) as GeneratedModule;
    const { device } = await acquireDevice(mod.plan);
    try {
      const model = await mod.load({ device });
      return { model, plan: mod.plan, close: () => (model.dispose(), device.destroy()) };
    } catch (e) {
      device.destroy();
      throw e;
    }
  }
  const compiled = compileToMemory(target, options);
  const model = await createModel(compiled.plan, compiled.weights);
  return { model, plan: compiled.plan, close: () => model.dispose() };
}

/** The run() argument for host inputs. */
export function toFeeds(inputs: readonly HostInput[]): Record<string, InputTensor> {
  const feeds: Record<string, InputTensor> = {};
  for (const i of inputs) feeds[i.name] = { data: i.data as HostData, dims: i.dims };
  return feeds;
}
