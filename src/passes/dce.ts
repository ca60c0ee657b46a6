/**
 * Dead-code elimination: drops every node no graph output depends on. Graph inputs stay (they
 * are the model's interface even when unused); unreferenced constants vanish with their readers.
 */

import type { Graph } from '../../ir/graph.js';
import { removeDeadNodes } from './graph-edit.js';
import type { Pass } from './pass.js';

export const dcePass: Pass = {
  name: 'dce',
  description: 'remove nodes no graph output depends on',
  run: (g: Graph) => removeDeadNodes(g),
};
