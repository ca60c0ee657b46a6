/**
 * The performance commands, `bench` and `profile`, registered on the CLI program (program.ts
 * calls `registerPerfCommands`): their flags, parsing, and where their output goes. The work is in
 * bench.ts and profile.ts.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { benchOne, benchZoo, type BenchOptions } from './bench.js';
import { formatBenchJson, formatBenchMarkdown, formatBenchText } from './bench-report.js';
import type { Io } from './io.js';
import { collect, parseDims, parseRanges, parseSeed } from './options.js';
import { profileCommand } from './profile.js';

/** A positive (or, with min 0, non-negative) integer flag. */
function parseCount(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${text}: expected an integer ≥ ${min}`);
  return n;
}

interface BenchFlags {
  zoo?: string;
  only?: string[];
  runs: string;
  warmup: string;
  seed: string;
  dim?: string[];
  range?: string[];
  json?: boolean;
  markdown?: string;
  verbose?: boolean;
}

/**
 * The command line that reproduces a bench, for the markdown report's header: the built CLI run
 * from the repository root (after `npm run build`), which is where the report is made.
 */
function benchCommandLine(model: string | undefined, o: BenchFlags): string {
  const parts = ['node dist/src/cli/main.js bench'];
  if (o.zoo !== undefined) parts.push('--zoo', o.zoo);
  else if (model !== undefined) parts.push(model);
  for (const m of o.only ?? []) parts.push('--only', m);
  parts.push('--runs', o.runs, '--warmup', o.warmup);
  if (o.seed !== '0') parts.push('--seed', o.seed);
  for (const d of o.dim ?? []) parts.push('--dim', d);
  for (const r of o.range ?? []) parts.push('--range', r);
  if (o.markdown !== undefined) parts.push('--markdown', o.markdown);
  return parts.join(' ');
}

export function registerPerfCommands(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('bench')
    .description(
      "latency of the compiled model vs onnxruntime-node's WebGPU and CPU providers, in one process on the same adapter: median and p90 after warm-up",
    )
    .argument('[model]', 'the .onnx file (or use --zoo)')
    .option('--zoo <dir>', 'benchmark every model a models.json in <dir> lists, with its input specs')
    .option('--only <name>', 'with --zoo: only this model (repeatable)', collect)
    .addOption(new Option('--runs <n>', 'timed runs per provider').default('10', '10'))
    .addOption(new Option('--warmup <n>', 'untimed runs before them').default('2', '2'))
    .addOption(new Option('--seed <n>', 'seed for the random inputs').default('0', '0'))
    .option('--dim <sym=N>', 'bind a symbolic dim (a models.json beside the model binds them too)', collect)
    .option('--range <name=lo:hi>', 'value range of an input (as in compare)', collect)
    .option('--json', 'print a machine-readable result')
    .option('--markdown <file>', 'also write the report as markdown (with the command and the adapter)')
    .option('--verbose', 'progress lines; stack traces on errors')
    .action(async (model: string | undefined, o: BenchFlags) => {
      if ((model === undefined) === (o.zoo === undefined)) throw new UsageError('bench: give either MODEL.onnx or --zoo DIR');
      if (o.only && o.zoo === undefined) throw new UsageError('--only applies to --zoo');
      const opts: BenchOptions = {
        runs: parseCount('--runs', o.runs, 1),
        warmup: parseCount('--warmup', o.warmup, 0),
        seed: parseSeed(o.seed),
        dims: parseDims(o.dim),
        ranges: parseRanges(o.range),
        log: o.verbose ? io.err : () => {},
      };
      if (o.zoo !== undefined && (o.dim || o.range)) throw new UsageError('--dim and --range do not apply to --zoo (models.json gives each model its inputs)');
      const report = o.zoo !== undefined ? await benchZoo(o.zoo, opts, o.only) : await benchOne(model!, opts);
      if (o.json) io.out(formatBenchJson(report));
      else for (const l of formatBenchText(report)) io.out(l);
      if (o.markdown !== undefined) {
        mkdirSync(dirname(o.markdown), { recursive: true });
        writeFileSync(o.markdown, formatBenchMarkdown(report, benchCommandLine(model, o)));
        io.err(`wrote ${o.markdown}`);
      }
      // A model we fail on, or whose outputs are wrong, fails the bench; slower is only reported.
      setCode(report.models.every((r) => r.ours.ok && (r.matches.ours === null || r.matches.ours === 'pass')) ? 0 : 1);
    });

  program
    .command('profile')
    .description('per-kernel GPU time (timestamp queries), estimated FLOPs and bytes, achieved GFLOP/s and GB/s, sorted by time')
    .argument('<model>', 'the .onnx file')
    .addOption(new Option('--runs <n>', 'profiled runs (each kernel reports its median)').default('5', '5'))
    .addOption(new Option('--warmup <n>', 'untimed runs before them').default('2', '2'))
    .addOption(new Option('--seed <n>', 'seed for the random inputs').default('0', '0'))
    .option('--dim <sym=N>', 'bind a symbolic dim (a models.json beside the model binds them too)', collect)
    .option('--range <name=lo:hi>', 'value range of an input (as in compare)', collect)
    .option('--json', 'print a machine-readable result')
    .option('--out <file.html>', 'write a self-contained HTML report with bar charts')
    .option('--verbose', 'stack traces on errors')
    .action(async (model: string, o: { runs: string; warmup: string; seed: string; dim?: string[]; range?: string[]; json?: boolean; out?: string }) => {
      const opts = {
        runs: parseCount('--runs', o.runs, 1),
        warmup: parseCount('--warmup', o.warmup, 0),
        seed: parseSeed(o.seed),
        dims: parseDims(o.dim),
        ranges: parseRanges(o.range),
        json: !!o.json,
        out: o.out,
      };
      setCode(await profileCommand(model, opts, io));
    });
}
