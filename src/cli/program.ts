/**
 * The `onnx-wgsl` command line: compile, run, compare, inspect, bench and profile (the last two
 * registered from perf-commands.ts), with commander, and the one place that turns errors into
 * exit codes. `main(argv, io)` never calls process.exit — it returns the exit code — so tests run
 * the CLI in-process and bin/main.ts only sets process.exitCode.
 *
 * Errors: a known error class (src/errors.ts: decode, unsupported ops/form, import, codegen,
 * compile, input validation, device limits, …) prints one line `onnx-wgsl: <message>` and exits 1
 * (2 for command-line usage), with the stack only under --verbose. Anything else is a bug: its
 * message plus a hint to rerun with --verbose for the stack.
 */

import { Command, CommanderError, Option } from 'commander';
import { compile, formatBinding, formatBytes } from '../compile.js';
import { exitCodeFor, isKnownError } from '../errors.js';
import { compareCommand, F16_BOUND, passRule } from './compare.js';
import { inspectCommand } from './inspect.js';
import { registerPerfCommands } from './perf-commands.js';
import { processIo, type Io } from './io.js';
import { collect, parseDims, parseInputs, parseNumber, parseRanges, parseRunDims, parseSeed } from './options.js';
import { runCommand } from './run.js';

const DIM_HELP = 'bind a symbolic dim at compile time, e.g. --dim batch=1 (repeatable); unbound symbols stay symbolic';
const MAX_DIM_HELP = 'declare an upper bound of a symbolic dim, e.g. --max-dim sequence=512 (repeatable): buffers are allocated for it at load, larger inputs refused';
const RUN_DIM_HELP = 'size of a symbolic dim for this run\'s random inputs, e.g. --run-dim batch=3 (repeatable; .npy inputs give their own)';
const SYMBOLIC_HELP =
  '\nSymbolic dims: without --dim, a model\'s symbolic dims (batch, sequence, …) stay symbolic, the model is\n' +
  'compiled once and runs at the sizes of the inputs given: --run-dim sym=N for random inputs, or the dims of\n' +
  '.npy inputs. --dim sym=N instead binds the symbol at compile time (a static plan for that size only).';
const F64_HELP = 'compute float64 tensors in f32 on the GPU instead of refusing them (inputs and outputs stay float64)';

interface CompileFlags {
  out: string;
  dim?: string[];
  maxDim?: string[];
  optimize: boolean;
  dumpIr?: string;
  f64AsF32?: boolean;
  verbose?: boolean;
  tune?: boolean;
  tuneCache?: string;
  subgroups: boolean;
}

/**
 * A progress bar for `compile --tune` on stderr: redrawn in place on a terminal, else a line per
 * tenth of the work so logs stay short.
 */
function tuneProgress(io: Io): (done: number, total: number, label: string) => void {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return (done, total, label) => {
    if (total === 0) return;
    const width = 30;
    const filled = Math.round((width * done) / total);
    const line = `tune [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${done === total ? 'done' : label}`;
    if (tty) process.stderr.write(`\r${line.slice(0, 120).padEnd(120)}${done === total ? '\n' : ''}`);
    else {
      const tenth = Math.floor((10 * done) / total);
      if (tenth !== lastTenth || done === total) io.err(line);
      lastTenth = tenth;
    }
  };
}

function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('onnx-wgsl')
    .description('Ahead-of-time compiler from ONNX models to WebGPU (WGSL) kernels and a thin runtime')
    .version('0.1.0')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');

  program
    .command('compile')
    .description('compile MODEL.onnx into a self-contained folder: model.js, model.d.ts, weights.bin, runtime/')
    .argument('<model>', 'the .onnx file')
    .requiredOption('-o, --out <dir>', 'output folder (replaced only when the new one is complete)')
    .option('--dim <sym=N>', DIM_HELP, collect)
    .option('--max-dim <sym=N>', MAX_DIM_HELP, collect)
    .option('--no-optimize', 'skip the optimizer passes (for debugging a miscompile)')
    .option('--dump-ir <dir>', 'write the IR after each optimizer pass into <dir>')
    .option('--f64-as-f32', F64_HELP)
    .option('--tune', 'measure GEMM and conv tilings on this adapter and keep the fastest (reuses and extends the tuning cache)')
    .option('--tune-cache <file>', 'with --tune: the tuning cache file (default $ONNX_WGSL_TUNE_CACHE or ~/.cache/onnx-wgsl/tuning.json)')
    .option('--no-subgroups', 'plain GEMM kernels only (by default big GEMMs also get a WebGPU-subgroups form, used where the device has subgroups)')
    .option('--verbose', 'print the IR, the kernels and the memory plan; stack traces on errors')
    .action(async (model: string, o: CompileFlags) => {
      const r = await compile(model, o.out, {
        dims: parseDims(o.dim),
        maxDims: parseDims(o.maxDim, '--max-dim'),
        optimize: o.optimize,
        dumpIrDir: o.dumpIr,
        verbose: o.verbose,
        log: io.err,
        f64AsF32: !!o.f64AsF32,
        tune: o.tune ? { cachePath: o.tuneCache, progress: tuneProgress(io) } : undefined,
        subgroups: o.subgroups,
      });
      if (r.tuning) {
        io.out(
          `tuned ${r.tuning.kernels} matmul/conv kernels on ${r.tuning.adapter}: ${r.tuning.measured} signatures measured, ` +
            `${r.tuning.reused} from the cache (${r.tuning.cachePath})`,
        );
      }
      io.out(
        `compiled ${r.modelName} → ${o.out}: ${r.kernels} kernels (${r.shaders} shaders), ${r.buffers} buffers, ` +
          `weights ${formatBytes(r.weightsBytes)}, intermediates ${formatBytes(r.plannedIntermediateBytes)} ` +
          `(peak live ${formatBytes(r.peakIntermediateBytes)}, ${formatBytes(r.totalIntermediateBytes)} without reuse` +
          `${r.symbols.length > 0 ? `; at ${formatBinding(r.reference)}` : ''})`,
      );
      for (const note of r.notes) io.out(`note: ${note}`);
      setCode(0);
    });

  program
    .command('run')
    .description('run one inference on the GPU and print each output (name, dims, first values)')
    .argument('<model>', 'an .onnx file (compiled in memory) or a compiled output folder')
    .option('--input <name=src>', "input source: 'random' or a .npy file, e.g. --input x=x.npy (repeatable; default random)", collect)
    .option('--dim <sym=N>', DIM_HELP, collect)
    .option('--run-dim <sym=N>', RUN_DIM_HELP, collect)
    .addOption(new Option('--seed <n>', 'seed for random inputs').default('0', '0'))
    .option('--f64-as-f32', F64_HELP)
    .option('--verbose', 'print compile details and timing; stack traces on errors')
    .addHelpText('after', SYMBOLIC_HELP)
    .action(async (model: string, o: { input?: string[]; dim?: string[]; runDim?: string[]; seed: string; f64AsF32?: boolean; verbose?: boolean }) => {
      const dims = parseDims(o.dim);
      setCode(
        await runCommand(
          model,
          {
            dims,
            runDims: parseRunDims(o.runDim, dims),
            inputs: parseInputs(o.input),
            seed: parseSeed(o.seed),
            verbose: !!o.verbose,
            f64AsF32: !!o.f64AsF32,
          },
          io,
        ),
      );
    });

  program
    .command('compare')
    .description('run the model on the GPU and with onnxruntime (CPU) on the same seeded random inputs; exit 1 on any mismatch')
    .argument('<model>', 'the .onnx file')
    .addOption(new Option('--seed <n>', 'seed for the random inputs').default('0', '0'))
    .option('--range <name=lo:hi>', 'value range of an input (floats: uniform [lo, hi), default -1:1; integers: inclusive, default 0:10)', collect)
    .option('--dim <sym=N>', DIM_HELP, collect)
    .option('--run-dim <sym=N>', RUN_DIM_HELP, collect)
    .option('--json', 'print a machine-readable result')
    .addOption(new Option('--rtol <x>', 'bound on the relative L2 error').default('1e-4', '1e-4'))
    .addOption(new Option('--atol-scale <x>', 'bound on the max abs error, as a fraction of max|reference|').default('1e-3', '1e-3'))
    .option('--f64-as-f32', `${F64_HELP}; onnxruntime still computes float64`)
    .option('--verbose', 'print compile details; stack traces on errors')
    .addHelpText(
      'after',
      `\nPass rule, per output: equal dims, NaNs in the same places, and\n  ${passRule(1e-4, 1e-3)}\n` +
        `(with the defaults; --rtol and --atol-scale change the two bounds). float16 outputs use bounds of at least ${F16_BOUND}:\n` +
        'onnxruntime rounds every float16 intermediate, the GPU computes float16 in f32.\n' +
        SYMBOLIC_HELP,
    )
    .action(
      async (
        model: string,
        o: {
          seed: string;
          range?: string[];
          dim?: string[];
          runDim?: string[];
          json?: boolean;
          rtol: string;
          atolScale: string;
          f64AsF32?: boolean;
          verbose?: boolean;
        },
      ) => {
        const dims = parseDims(o.dim);
        const opts = {
          seed: parseSeed(o.seed),
          ranges: parseRanges(o.range),
          dims,
          runDims: parseRunDims(o.runDim, dims),
          json: !!o.json,
          rtol: parseNumber('--rtol', o.rtol, 0),
          atolScale: parseNumber('--atol-scale', o.atolScale, 0),
          verbose: !!o.verbose,
          f64AsF32: !!o.f64AsF32,
        };
        setCode(await compareCommand(model, opts, io));
      },
    );

  program
    .command('inspect')
    .description('describe a model: IR version, producer, opsets, inputs/outputs, op histogram, unsupported ops')
    .argument('<model>', 'the .onnx file')
    .option('--json', 'print a machine-readable result')
    .option('--dim <sym=N>', DIM_HELP, collect)
    .option('--verbose', 'stack traces on errors')
    .action((model: string, o: { json?: boolean; dim?: string[] }) => {
      setCode(inspectCommand(model, { json: !!o.json, dims: parseDims(o.dim) }, io));
    });

  registerPerfCommands(program, io, setCode);

  return program;
}

/** The stack of `e` and of its causes (a wrapped generator or importer error keeps its own). */
function printStack(e: Error, io: Io): void {
  let cur: unknown = e;
  for (let depth = 0; cur instanceof Error && depth < 5; depth++) {
    io.err(`${depth > 0 ? 'caused by: ' : ''}${cur.stack ?? cur.message}`);
    cur = cur.cause;
  }
}

/** Runs the CLI on `argv` (without node and the script path); returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  const verbose = argv.includes('--verbose');
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isKnownError(e)) {
      io.err(`onnx-wgsl: ${e.message}`);
      if (verbose) printStack(e, io);
      return exitCodeFor(e);
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.err(`onnx-wgsl: internal error: ${err.message}`);
    if (verbose) printStack(err, io);
    else io.err('(this is a bug in onnx-wgsl; rerun with --verbose for the stack trace)');
    return 1;
  }
}
