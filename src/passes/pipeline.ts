/**
 * The optimizer pipeline: every pass, in order, and `runPipeline`, which runs them on a copy of a
 * graph — the stage between import and scheduling.
 *
 * Two stages. The first simplifies and recognizes, repeated until a whole round changes nothing
 * (each pass exposes work for the others: folding makes operands constant for no-op removal,
 * no-op removal uncovers recognizer patterns, recognized attention leaves transposes to merge).
 * The second runs once at the end: fusions that would hide patterns from the first stage, then
 * dead-code elimination.
 *
 * After each pass that changed the graph, symbolic dims named after values are refreshed
 * (`refreshSymbols`): merging or renaming values renames them.
 *
 * Options: `disable` skips passes by name (for debugging a miscompile); `verify` runs the IR
 * verifier after every pass (tests do); `dumpDir` writes the IR text to `NN-<pass>.ir` after
 * each pass run (00-input.ir first; in later rounds only runs that changed something), with big
 * constants elided — `dumpPasses` limits it to some passes.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../../ir/graph.js';
import { printGraph } from '../../ir/print.js';
import { verifyGraph } from '../../ir/verify.js';
import { recognizeActivationsPass } from './activations.js';
import { recognizeAttentionPass } from './attention.js';
import { foldBatchNormPass } from './batchnorm.js';
import { csePass } from './cse.js';
import { dcePass } from './dce.js';
import { foldConstantsPass } from './fold-constants.js';
import { fuseBiasPass } from './fuse-bias.js';
import { simplifyMovementPass } from './movement.js';
import { removeNoopsPass } from './noops.js';
import { recognizeNormalizationsPass } from './normalization.js';
import { refreshSymbols } from './graph-edit.js';
import type { Pass } from './pass.js';

/** Stage 1, repeated to a fixed point. */
export const SIMPLIFY_PASSES: readonly Pass[] = [
  // First: shape plumbing and constant subgraphs become data, which the rules below read as
  // constants (a reshape's target, a `·1` computed from a Shape, a folded weight).
  foldConstantsPass,
  // Before the recognizers: exporters leave `·1`, `+0` and identity reshapes inside the very
  // patterns the recognizers look for (tiny_bert scales its attention scores by a constant 1).
  removeNoopsPass,
  simplifyMovementPass,
  // Before the recognizers: a pattern like x·sigmoid(x) needs both reads of x to be one value.
  csePass,
  foldBatchNormPass,
  // Before attention: its pattern starts at a softmax, which may itself be decomposed.
  recognizeNormalizationsPass,
  recognizeActivationsPass,
  recognizeAttentionPass,
];

/** Stage 2, once. */
export const FINAL_PASSES: readonly Pass[] = [
  // After attention recognition: a constant additive mask on the Q·Kᵀ MatMul is a "bias" this
  // pass would move into the matmul, hiding the attention pattern.
  fuseBiasPass,
  // Last: rules drop what they replace, but folding and CSE can leave whole subgraphs unused.
  dcePass,
];

export const ALL_PASSES: readonly Pass[] = [...SIMPLIFY_PASSES, ...FINAL_PASSES];

/** How many rounds stage 1 may take; real models settle in two or three. */
export const MAX_ROUNDS = 8;

export interface PipelineOptions {
  /** Write the IR after each pass run into this folder (created if missing). */
  dumpDir?: string;
  /** Pass names to dump after (default: every pass). */
  dumpPasses?: readonly string[];
  /** Pass names to skip. */
  disable?: readonly string[];
  /** Run the IR verifier after every pass (and on the input). */
  verify?: boolean;
}

export interface PassRun {
  pass: string;
  /** 1-based round of stage 1; stage-2 passes report round 0. */
  round: number;
  changed: boolean;
  /** Nodes in the graph after the pass. */
  nodes: number;
  ms: number;
}

export interface PipelineResult {
  graph: Graph;
  /** One entry per pass run, in order. */
  report: PassRun[];
}

function checkNames(names: readonly string[] | undefined, what: string): void {
  const known = new Set(ALL_PASSES.map((p) => p.name));
  const unknown = (names ?? []).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new Error(`${what}: unknown pass${unknown.length > 1 ? 'es' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} (passes: ${[...known].join(', ')})`);
  }
}

/** Runs the optimizer on a copy of `input`; the input graph is left unchanged. */
export function runPipeline(input: Graph, opts: PipelineOptions = {}): PipelineResult {
  checkNames(opts.disable, 'disable');
  checkNames(opts.dumpPasses, 'dump');
  const disabled = new Set(opts.disable ?? []);
  const graph = input.clone();
  const report: PassRun[] = [];
  let seq = 0;
  const dump = (name: string) => {
    if (!opts.dumpDir) return;
    const file = `${String(seq).padStart(2, '0')}-${name}.ir`;
    writeFileSync(join(opts.dumpDir, file), printGraph(graph, { elideConstantsOver: 16 }));
  };
  if (opts.dumpDir) mkdirSync(opts.dumpDir, { recursive: true });
  if (opts.verify) verifyGraph(graph);
  dump('input');

  const run = (pass: Pass, round: number): boolean => {
    if (disabled.has(pass.name)) return false;
    const t0 = performance.now();
    const changed = pass.run(graph);
    if (changed) refreshSymbols(graph);
    report.push({ pass: pass.name, round, changed, nodes: graph.nodes.length, ms: performance.now() - t0 });
    seq++;
    if (opts.verify) {
      try {
        verifyGraph(graph);
      } catch (e) {
        throw new Error(`the IR is invalid after pass '${pass.name}' (round ${round}): ${(e as Error).message}`, { cause: e });
      }
    }
    if ((changed || round <= 1) && (!opts.dumpPasses || opts.dumpPasses.includes(pass.name))) dump(pass.name);
    return changed;
  };

  for (let round = 1; round <= MAX_ROUNDS; round++) {
    let changed = false;
    for (const pass of SIMPLIFY_PASSES) changed = run(pass, round) || changed;
    if (!changed) break;
  }
  for (const pass of FINAL_PASSES) run(pass, 0);
  return { graph, report };
}

/** Op counts of a graph, keyed by kind (`unary.gelu`, `binary.add` for the elementwise fns). */
export function opHistogram(g: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of g.nodes) {
    const key = n.op.kind === 'unary' || n.op.kind === 'binary' ? `${n.op.kind}.${n.op.fn}` : n.op.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
