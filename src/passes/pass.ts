/**
 * What a pass is: a name (used by `--disable-pass`, the IR dumps and the report) and a function
 * that rewrites the graph in place and says whether it changed anything. Local rewrites are
 * rule lists run by `applyRules` (rewrite.ts); global passes are plain functions.
 */

import type { Graph } from '../../ir/graph.js';
import { applyRules, type Rule } from './rewrite.js';

export interface Pass {
  /** kebab-case, unique in the pipeline. */
  readonly name: string;
  /** One line for listings: what the pass does. */
  readonly description: string;
  run(g: Graph): boolean;
}

/** A pass made of local rewrite rules. */
export function rulePass(name: string, description: string, rules: readonly Rule[]): Pass {
  return { name, description, run: (g) => applyRules(g, rules) };
}
