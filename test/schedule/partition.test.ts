/**
 * The fusion partition (codegen/schedule/fuse.ts) as data, without a GPU: which nodes land in
 * which group, what each group binds from outside, where a value read twice stops a group, the
 * binding limit, graph outputs, broadcasting, reshapes inside a group, and the execution order.
 */

import { describe, expect, test } from 'vitest';
import { partitionGraph, type FusedGroup, type ScheduleItem } from '../../codegen/schedule/fuse.js';
import type { Graph, Node } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { Builder, binary, unary } from './helpers.js';

const CONV: Op = { kind: 'conv', strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };
const MATMUL: Op = { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 };

function partition(g: Graph, maxBindings = 8): ScheduleItem[] {
  return partitionGraph(g, { acceptsEpilogue: (n) => n.op.kind === 'conv' || n.op.kind === 'matmul' || n.op.kind === 'reduce', maxBindings });
}
const groups = (items: ScheduleItem[]): FusedGroup[] => items.flatMap((i) => (i.kind === 'group' ? [i.group] : []));
const names = (nodes: Node[]) => nodes.map((n) => n.name);

describe('partitionGraph', () => {
  test('conv + bias + relu + residual add + relu is one group binding only the residual', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const r = b.input('r', [1, 4, 6, 6]);
    const c = b.op(CONV, [x, b.constant('w', [4, 4, 3, 3]), b.constant('bias', [4])], 'conv');
    const y = b.op(unary('relu'), [b.op(binary('add'), [b.op(unary('relu'), [c], 'relu1'), r], 'add')], 'relu2');
    const [g] = groups(partition(b.outputs(y)));
    expect(names([g!.anchor, ...g!.epilogue])).toEqual(['conv', 'relu1', 'add', 'relu2']);
    expect(g!.inputs).toEqual([r]);
    expect(g!.output).toBe(y);
  });

  test('a value with two consumers is stored: neither consumer fuses into its producer', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const c = b.op(CONV, [x, b.constant('w', [4, 4, 3, 3])], 'conv');
    const y1 = b.op(unary('relu'), [c], 'relu');
    const y2 = b.op(binary('mul'), [c, b.scalar('two', 2)], 'mul');
    const gs = groups(partition(b.outputs(y1, y2)));
    expect(gs.map((g) => names([g.anchor, ...g.epilogue]))).toEqual([['conv'], ['relu'], ['mul']]);
    expect(gs[1]!.inputs).toEqual([c]);
    // The scalar constant is a literal, not a binding.
    expect(gs[2]!.inputs).toEqual([c]);
  });

  test('a value read twice by one node has one consumer: still one group', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const c = b.op(CONV, [x, b.constant('w', [4, 4, 3, 3])], 'conv');
    const s = b.op(unary('sigmoid'), [c], 'sig');
    const sq = b.op(binary('mul'), [s, s], 'sq');
    const gs = groups(partition(b.outputs(sq)));
    expect(gs.map((g) => names([g.anchor, ...g.epilogue]))).toEqual([['conv', 'sig', 'sq']]);
  });

  test('a value read by several nodes of one group is not stored: x·sigmoid(x) after a conv', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const c = b.op(CONV, [x, b.constant('w', [4, 4, 3, 3])], 'conv');
    const y = b.op(binary('mul'), [c, b.op(unary('sigmoid'), [c], 'sig')], 'mul');
    const gs = groups(partition(b.outputs(y)));
    expect(gs.map((g) => names([g.anchor, ...g.epilogue]))).toEqual([['conv', 'sig', 'mul']]);
    expect(gs[0]!.inputs).toEqual([]);
  });

  test('a value read by a heavy anchor and by its epilogue is stored', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const r = b.op(unary('relu'), [x], 'relu');
    const y = b.op(binary('add'), [b.op(CONV, [r, b.constant('w', [4, 4, 3, 3])], 'conv'), r], 'add');
    const gs = groups(partition(b.outputs(y)));
    expect(gs.map((g) => names([g.anchor, ...g.epilogue]))).toEqual([['relu'], ['conv', 'add']]);
  });

  test('a graph output ends its group even with a single consumer', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const c = b.op(CONV, [x, b.constant('w', [4, 4, 3, 3])], 'conv');
    const r = b.op(unary('relu'), [c], 'relu');
    const t = b.op(unary('tanh'), [r], 'tanh');
    const gs = groups(partition(b.outputs(r, t)));
    expect(gs.map((g) => names([g.anchor, ...g.epilogue]))).toEqual([['conv', 'relu'], ['tanh']]);
  });

  test('an elementwise DAG with several external inputs becomes one group', () => {
    const b = new Builder();
    const a = b.input('a', [2, 3, 4]);
    const bb = b.input('b', [2, 3, 4]);
    const c = b.input('c', [3, 1]);
    const d = b.input('d', [4]);
    const ab = b.op(binary('mul'), [a, bb], 'ab');
    const sc = b.op(unary('exp'), [c], 'expc'); // [3,1]: grows by broadcasting below
    const sd = b.op(binary('add'), [sc, d], 'cd'); // [3,4]
    const y = b.op(binary('sub'), [ab, sd], 'y'); // [2,3,4]
    const gs = groups(partition(b.outputs(y)));
    expect(gs).toHaveLength(1);
    expect(names([gs[0]!.anchor, ...gs[0]!.epilogue])).toEqual(['ab', 'expc', 'cd', 'y']);
    expect(new Set(gs[0]!.inputs)).toEqual(new Set([a, bb, c, d]));
  });

  test('a heavy anchor never grows by broadcasting', () => {
    const b = new Builder();
    const x = b.input('x', [2, 4]);
    const big = b.input('big', [3, 2, 5]);
    const m = b.op(MATMUL, [x, b.constant('w', [4, 5])], 'mm'); // [2,5]
    const y = b.op(binary('add'), [m, big], 'grow'); // [3,2,5]
    const gs = groups(partition(b.outputs(y)));
    expect(gs.map((g) => names([g.anchor, ...g.epilogue]))).toEqual([['mm'], ['grow']]);
  });

  test('fusion crosses single-use reshapes at full size and absorbs them', () => {
    const b = new Builder();
    const x = b.input('x', [6, 4]);
    const res = b.input('res', [2, 3, 5]);
    const m = b.op(MATMUL, [x, b.constant('w', [4, 5])], 'mm'); // [6,5]
    const v = b.op({ kind: 'reshape', shape: [2, 3, 5] }, [m], 'view');
    const y = b.op(binary('add'), [v, res], 'add');
    const items = partition(b.outputs(y));
    expect(items.filter((i) => i.kind === 'view')).toHaveLength(0);
    const [g] = groups(items);
    expect(names(g!.views)).toEqual(['view']);
    expect(names(g!.epilogue)).toEqual(['add']);
  });

  test('a reshape whose output is read twice stays a view and ends the group', () => {
    const b = new Builder();
    const x = b.input('x', [6, 4]);
    const m = b.op(MATMUL, [x, b.constant('w', [4, 5])], 'mm');
    const v = b.op({ kind: 'reshape', shape: [30] }, [m], 'view');
    const y1 = b.op(unary('relu'), [v], 'relu');
    const y2 = b.op(unary('neg'), [v], 'neg');
    const items = partition(b.outputs(y1, y2));
    expect(items.filter((i) => i.kind === 'view').map((i) => i.node.name)).toEqual(['view']);
    expect(groups(items).map((g) => g.anchor.name)).toEqual(['mm', 'relu', 'neg']);
  });

  test('the binding limit splits an epilogue with many external inputs', () => {
    const b = new Builder();
    const x = b.input('x', [1, 2, 4, 4]);
    // conv binds x, w, bias, y: 4 of 6, leaving two extra inputs.
    let v = b.op(CONV, [x, b.constant('w', [2, 2, 3, 3]), b.constant('bias', [2])], 'conv');
    for (let i = 0; i < 4; i++) v = b.op(binary('add'), [v, b.input(`r${i}`, [1, 2, 4, 4])], `add${i}`);
    const gs = groups(partition(b.outputs(v), 6));
    expect(gs.map((g) => names([g.anchor, ...g.epilogue]))).toEqual([['conv', 'add0', 'add1'], ['add2', 'add3']]);
    for (const g of gs) {
      const own = g.anchor.op.kind === 'conv' ? g.anchor.inputs.length : 0;
      expect(own + g.inputs.length + 1).toBeLessThanOrEqual(6);
    }
  });

  test('groups run in the order of their last node; views are listed', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const c1 = b.op(CONV, [x, b.constant('w1', [4, 4, 3, 3])], 'c1');
    const c2 = b.op(CONV, [x, b.constant('w2', [4, 4, 3, 3])], 'c2');
    // c1's epilogue ends after c2 is computed, so c2's group must run first.
    const y = b.op(binary('add'), [b.op(unary('relu'), [c1], 'relu'), c2], 'add');
    const gs = groups(partition(b.outputs(y)));
    expect(gs.map((g) => g.anchor.name)).toEqual(['c2', 'c1']);
    expect(gs[1]!.inputs).toEqual([c2]);
  });

  test('no fusion when disabled: one group per node', () => {
    const b = new Builder();
    const x = b.input('x', [1, 4, 6, 6]);
    const y = b.op(unary('relu'), [b.op(CONV, [x, b.constant('w', [4, 4, 3, 3])], 'conv')], 'relu');
    const items = partitionGraph(b.outputs(y), { acceptsEpilogue: () => true, maxBindings: 8, fuse: false });
    expect(groups(items).map((g) => g.anchor.name)).toEqual(['conv', 'relu']);
  });
});
