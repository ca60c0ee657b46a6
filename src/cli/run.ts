/**
 * `onnx-wgsl run MODEL.onnx|OUT`: runs one inference on the GPU with random or .npy inputs and
 * prints each output's name, dtype, dims and first values. With an output folder it loads the
 * generated model.js, so it checks what would be shipped. A symbolic model (compiled without
 * --dim, or a folder compiled so) runs at the sizes --run-dim and the .npy inputs give.
 */

import { makeInputs, preview } from './inputs.js';
import type { Io } from './io.js';
import type { InputSource } from './options.js';
import { openModel, toFeeds } from './session.js';

export interface RunOptions {
  /** Compile-time bindings (--dim). */
  dims: Record<string, number>;
  /** Sizes of symbols left symbolic, for random inputs (--run-dim). */
  runDims?: Record<string, number>;
  inputs: Map<string, InputSource>;
  seed: number;
  verbose: boolean;
  /** Compute float64 in f32 (--f64-as-f32) when compiling an .onnx file. */
  f64AsF32?: boolean;
}

export async function runCommand(target: string, opts: RunOptions, io: Io): Promise<number> {
  const { model, plan, close } = await openModel(target, { dims: opts.dims, verbose: opts.verbose, log: io.err, f64AsF32: opts.f64AsF32 });
  try {
    const inputs = makeInputs(plan.inputs, opts.seed, new Map(), opts.inputs, opts.runDims ?? {});
    for (const i of inputs) io.out(`input  ${i.name}: ${i.dtype} [${i.dims.join(', ')}] ${i.source}`);
    const t0 = performance.now();
    const outputs = await model.run(toFeeds(inputs));
    const ms = performance.now() - t0;
    for (const [name, t] of Object.entries(outputs)) {
      io.out(`output ${name}: ${t.dtype} [${t.dims.join(', ')}] ${preview(t.data)}`);
    }
    if (opts.verbose) io.err(`ran ${model.stats.dispatchesPerRun} dispatches in ${ms.toFixed(1)} ms`);
    return 0;
  } finally {
    close();
  }
}
