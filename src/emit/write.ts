/**
 * Writes the output folder whole or not at all: everything goes into a temporary sibling folder
 * first, and only a complete folder is renamed into place. An existing output folder is replaced
 * only after the new one is complete, and only when it is empty or was written by onnx-wgsl (its
 * model.js starts with our header) — `-o .` by mistake must not delete a project.
 *
 * Folder layout: model.js, model.d.ts, weights.bin, runtime/*.js.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ModelPlan } from '../../runtime/plan.js';
import { OutputFolderError } from '../errors.js';
import { generateDts } from './dts.js';
import { generateModule, MODULE_HEADER } from './module.js';
import { runtimeFiles } from './runtime-files.js';

export interface OutputFile {
  /** Relative to the output folder, '/'-separated. */
  path: string;
  data: string | Uint8Array;
}

/** Every file of the output folder for a plan and its weights. */
export async function outputFiles(plan: ModelPlan, weights: Uint8Array): Promise<OutputFile[]> {
  const runtime = await runtimeFiles();
  return [
    { path: 'model.js', data: generateModule(plan) },
    { path: 'model.d.ts', data: generateDts(plan) },
    { path: 'weights.bin', data: weights },
    ...runtime.map((f) => ({ path: `runtime/${f.name}`, data: f.text })),
  ];
}

/** Throws unless `dir` is absent, an empty folder, or a folder onnx-wgsl wrote. */
function checkReplaceable(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new OutputFolderError(`output path '${dir}' exists and is not a folder`);
  if (readdirSync(dir).length === 0) return;
  const model = join(dir, 'model.js');
  const ours = existsSync(model) && readFileSync(model, 'utf8').startsWith(MODULE_HEADER);
  if (!ours) {
    throw new OutputFolderError(`refusing to replace '${dir}': it is not empty and was not written by onnx-wgsl (no generated model.js)`);
  }
}

/** Writes `files` as the folder `outDir`, atomically replacing a previous output there. */
export function writeFolder(outDir: string, files: readonly OutputFile[]): void {
  const target = resolve(outDir);
  checkReplaceable(target);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${tag}`);
  const old = join(parent, `.${basename(target)}.old-${tag}`);
  try {
    mkdirSync(tmp);
    for (const f of files) {
      const path = join(tmp, ...f.path.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.data);
    }
    // rename(2) cannot replace a non-empty folder, so move the old one aside first and put it back
    // if the second rename fails.
    const hadOld = existsSync(target);
    if (hadOld) renameSync(target, old);
    try {
      renameSync(tmp, target);
    } catch (e) {
      if (hadOld) renameSync(old, target);
      throw e;
    }
    if (hadOld) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof OutputFolderError) throw e;
    throw new OutputFolderError(`cannot write '${outDir}': ${(e as Error).message}`, { cause: e });
  }
}
