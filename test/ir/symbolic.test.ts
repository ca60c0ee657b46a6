/**
 * Symbolic shape arithmetic in the IR: bounds of dim expressions (ir/dim-range.ts), compile-time
 * evaluation of shape plumbing into `Value.symbolic` (ir/eval/symbolic.ts, run by Graph.add),
 * the `arange` op, run-time dim assertions, and `specializeGraph`.
 *
 * The property tests check the symbolic paths against the numeric ones they generalize: random
 * shape-plumbing graphs over [batch, seq, 4] evaluated symbolically must give, for random symbol
 * values (1 included), exactly what the CPU evaluator computes from a tensor of those dims; and
 * symbolic slice sizes must evaluate to the sizes numeric slicing gives.
 */

import { describe, expect, it } from 'vitest';
import { canonicalDim, evalDim, type Dim } from '../../ir/dim.js';
import { compareDims, dimAtMost, dimInterval, dimIsNegative, dimIsNonNegative } from '../../ir/dim-range.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { Graph, type Value } from '../../ir/graph.js';
import { resolveSliceDims } from '../../ir/infer.js';
import type { BinaryFn, Op } from '../../ir/ops.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { specializeGraph } from '../../ir/specialize.js';
import { verifyGraph } from '../../ir/verify.js';
import { randomTensor, rng } from '../helpers/random.js';

const i64 = (g: Graph, values: number[], dims = [values.length]): Value =>
  g.addConstant(`c${g.constants().length}_${values.join('_')}`, { dtype: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)) });

describe('dim bounds (symbols are integers ≥ 1)', () => {
  it('computes intervals and decides comparisons only when they hold for every value', () => {
    expect(dimInterval('seq')).toEqual([1, Infinity]);
    expect(dimInterval('seq-1')).toEqual([0, Infinity]);
    expect(dimInterval('min(512,seq)')).toEqual([1, 512]);
    expect(dimInterval('((seq+1)//2)')).toEqual([1, Infinity]);
    expect(compareDims('seq', -1)).toBe(1);
    expect(compareDims('seq', 0)).toBe(1);
    expect(compareDims('seq', 1)).toBeUndefined();
    expect(compareDims('2*seq', 'seq')).toBe(1);
    expect(compareDims('batch', 'seq')).toBeUndefined();
    expect(dimIsNonNegative('seq-1')).toBe(true);
    expect(dimIsNonNegative('seq-2')).toBe(false);
    expect(dimIsNegative('-1-seq')).toBe(true);
    // min(x, …) ≤ b when some x ≤ b, which intervals alone cannot see.
    expect(dimAtMost('min(6,seq)', 'seq')).toBe(true);
    expect(dimAtMost('seq', 'max(6,seq)')).toBe(true);
    expect(dimAtMost('min(6,seq)', 5)).toBe(false);
  });
});

describe('shape plumbing evaluated at compile time', () => {
  it('Shape → Gather → Unsqueeze → Concat gives known contents, and numbers fold to constants', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'seq', 128] });
    const [s] = g.add({ kind: 'shape', start: 0, end: 3 }, [x]);
    const [b] = g.add({ kind: 'gather', axis: 0 }, [s!, i64(g, [0], [])]);
    const [q] = g.add({ kind: 'gather', axis: 0 }, [s!, i64(g, [1])]);
    const [b1] = g.add({ kind: 'reshape', shape: [1] }, [b!]);
    const [cat] = g.add({ kind: 'concat', axis: 0 }, [b1!, q!, i64(g, [4, 32])]);
    expect(cat!.symbolic).toEqual(['batch', 'seq', 4, 32]);
    // The last dim is a number: a constant, no node.
    const [c] = g.add({ kind: 'gather', axis: 0 }, [s!, i64(g, [-1], [])]);
    expect(c!.isConstant && Number(c!.data!.data[0])).toBe(128);
    // Arithmetic and decidable comparisons: Equal(shape, -1) is false for every symbol value.
    const [n] = g.add({ kind: 'reduce', fn: 'prod', axes: [0], keepdims: false }, [s!]);
    expect(n!.symbolic).toEqual(['128*batch*seq']);
    const [eq] = g.add({ kind: 'binary', fn: 'equal' }, [cat!, i64(g, [-1])]);
    expect(eq!.isConstant && Array.from(eq!.data!.data as Uint8Array)).toEqual([0, 0, 0, 0]);
    const [half] = g.add({ kind: 'binary', fn: 'div' }, [q!, i64(g, [2])]);
    expect(half!.symbolic).toEqual(['((seq)//2)']);
    // Not decidable: seq < 2 depends on seq, so no contents.
    const [lt] = g.add({ kind: 'binary', fn: 'less' }, [q!, i64(g, [2])]);
    expect(lt!.symbolic).toBeUndefined();
  });

  /** A random chain of shape ops over x's shape; returns the values with symbolic contents. */
  function randomPlumbing(seed: number): { g: Graph; outs: Value[] } {
    const rand = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'seq', 4] });
    const pool: Value[] = [g.add({ kind: 'shape', start: 0, end: 3 }, [x])[0]!];
    const add = (op: Op, inputs: Value[]) => {
      try {
        pool.push(g.add(op, inputs)[0]!);
      } catch {
        // An ill-typed random combination: skip it.
      }
    };
    const ints = pool.filter.bind(pool);
    for (let step = 0; step < 14; step++) {
      const v = pick(ints((p) => p.type.dtype === 'int64'));
      const len = v.rank === 0 ? 1 : (v.type.shape[0] as number);
      switch (pick(['gather', 'slice', 'concat', 'binary', 'cmp', 'reduce', 'cast'] as const)) {
        case 'gather':
          if (v.rank === 1) add({ kind: 'gather', axis: 0 }, [v, i64(g, [int(-len, len - 1)], pick([[], [1]]))]);
          break;
        case 'slice':
          if (v.rank === 1) add({ kind: 'slice', axes: [0], starts: [int(-len, len)], ends: [int(-len, len + 1)], steps: [pick([1, 1, 2, -1])] }, [v]);
          break;
        case 'concat': {
          const w = pick(ints((p) => p.rank === 1 && p.type.dtype === 'int64'));
          if (v.rank === 1 && w) add({ kind: 'concat', axis: 0 }, [v, w]);
          break;
        }
        case 'binary': {
          const fn = pick<BinaryFn>(['add', 'sub', 'mul', 'div', 'max', 'min', 'mod']);
          const other = rand() < 0.5 ? i64(g, [int(1, 5)], []) : pick(ints((p) => p.type.dtype === 'int64' && p.rank === 0));
          if (other) add({ kind: 'binary', fn }, [v, other]);
          break;
        }
        case 'cmp': {
          const [c] = g.add({ kind: 'binary', fn: pick<BinaryFn>(['equal', 'less', 'greaterOrEqual']) }, [v, i64(g, [pick([-1, 0, 1])], [])]);
          add({ kind: 'where' }, [c!, v, i64(g, [7], [])]);
          break;
        }
        case 'reduce':
          if (v.rank === 1 && len > 0) add({ kind: 'reduce', fn: pick(['prod', 'sum', 'max'] as const), axes: [0], keepdims: rand() < 0.5 }, [v]);
          break;
        case 'cast':
          add({ kind: 'cast', to: 'int32' }, [v]);
          break;
      }
    }
    return { g, outs: pool.filter((p) => p.symbolic !== undefined) };
  }

  for (let seed = 1; seed <= 40; seed++) {
    it(`random shape plumbing ${seed} evaluates like the CPU evaluator at every size`, () => {
      const { g, outs } = randomPlumbing(seed);
      expect(outs.length).toBeGreaterThan(0);
      g.outputs = outs;
      verifyGraph(g);
      const rand = rng(100 + seed);
      for (const env of [{ batch: 1, seq: 1 }, { batch: 2, seq: 7 }, { batch: 5, seq: 3 }]) {
        const feeds = { x: randomTensor('float32', [env.batch, env.seq, 4], rand) };
        const got = evaluateGraph(g, feeds);
        for (const v of outs) {
          const actual = Array.from(got.get(v.name)!.data as ArrayLike<number | bigint>, Number);
          expect(actual, `${v.name} = [${v.symbolic!.join(', ')}] at ${JSON.stringify(env)}\n${printGraph(g)}`).toEqual(
            v.symbolic!.map((d) => evalDim(d, env)),
          );
        }
      }
    });
  }
});

describe('symbolic slices', () => {
  it('random slices: symbolic sizes evaluate to the numeric slice sizes', () => {
    const rand = rng(3);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const bounds: Dim[] = [0, 1, 2, -1, -3, 2 ** 31 - 1, -(2 ** 31 - 1), 'seq', 'seq+1', '2*seq', 'seq-1'];
    for (let k = 0; k < 300; k++) {
      const dim: Dim = [5, 'seq', 'seq+2', '2*seq'][int(0, 3)]!;
      const op: Extract<Op, { kind: 'slice' }> = {
        kind: 'slice',
        axes: [0],
        starts: [bounds[int(0, bounds.length - 1)]!],
        ends: [bounds[int(0, bounds.length - 1)]!],
        steps: [[1, 2, 3, -1, -2][int(0, 4)]!],
      };
      const [r] = resolveSliceDims([dim], op);
      for (const seq of [1, 2, 3, 8]) {
        const env = { seq };
        const numeric = resolveSliceDims([evalDim(dim, env)], { ...op, starts: op.starts.map((d) => evalDim(d, env)), ends: op.ends.map((d) => evalDim(d, env)) });
        const what = `slice [${op.starts[0]}:${op.ends[0]}:${op.steps[0]}] of ${dim} at seq=${seq}`;
        expect(evalDim(r!.size, env), what).toBe(numeric[0]!.size);
        expect(evalDim(r!.start, env), what).toBe(numeric[0]!.start);
      }
    }
  });
});

describe('arange, assertions and specialization', () => {
  const text = `graph(%x: f32[batch, seq, 4]) {
  %pos = const f32[6, 4] dense<[${Array.from({ length: 24 }, (_, i) => i / 8).join(', ')}]>
  %r = arange() {delta = 1, dtype = int64, length = seq, start = 0} : i64[seq]
  %e = gather(%pos, %r) {axis = 0} : f32[seq, 4]
  %y = binary(%x, %e) {fn = add} : f32[batch, seq, 4]
  %f = reshape(%y) {shape = [batch*seq, 4]} : f32[batch*seq, 4]
  %t = slice(%pos) {axes = [0], ends = [seq], starts = [0], steps = [1]} : f32[min(6,seq), 4]
  %z = binary(%t, %e) {fn = mul} : f32[seq, 4] loc("scale")
  assert min(6,seq) == seq loc("scale")
  return %f, %z
}
`;

  it('prints and parses symbolic expressions bare, and records the assumed equality', () => {
    const g = parseGraph(text);
    verifyGraph(g);
    expect(printGraph(g)).toBe(text);
    // min(6, seq) against seq: seq is kept, the equality is checked at run time.
    expect(g.dimAssertions).toEqual([{ a: 'min(6,seq)', b: 'seq', where: 'scale' }]);
    // An assert line alone (no node assuming it) is read back too.
    const extra = parseGraph(text.replace('  return', '  assert 2*batch == seq+1 loc("mine")\n  return'));
    expect(extra.dimAssertions[1]).toEqual({ a: '2*batch', b: 'seq+1', where: 'mine' });
    expect(canonicalDim('sequence*batch*128')).toBe('128*batch*sequence');
  });

  it('specializes to numbers, evaluates, and rejects sizes that break an assertion', () => {
    const g = parseGraph(text);
    const s = specializeGraph(g, { batch: 2, seq: 5 });
    expect(printGraph(s)).toContain('%f = reshape(%y) {shape = [10, 4]} : f32[10, 4]');
    expect(printGraph(s)).toContain('%r = arange() {delta = 1, dtype = int64, length = 5, start = 0} : i64[5]');
    const x = randomTensor('float32', [2, 5, 4], rng(1));
    const [a, b] = [evaluateGraph(g, { x }), evaluateGraph(s, { x })];
    expect(b.get('f')!.data).toEqual(a.get('f')!.data);
    expect(Array.from(a.get('z')!.data as Float32Array).slice(0, 4)).toEqual([0, 1, 4, 9].map((v) => v / 64));
    expect(() => specializeGraph(g, { batch: 2, seq: 7 })).toThrow("node 'scale' assumed min(6,seq) = seq, but with");
  });

  it('arange infers [length], evaluates once the length is known, and needs no inputs', () => {
    const g = new Graph();
    const [r] = g.add({ kind: 'arange', start: 3, delta: -2, length: 'n', dtype: 'float32' }, []);
    expect(r!.type.shape).toEqual(['n']);
    g.outputs = [r!];
    const s = specializeGraph(g, { n: 4 });
    expect(Array.from(evaluateGraph(s, {}).get(r!.name)!.data as Float32Array)).toEqual([3, 1, -1, -3]);
    expect(() => g.add({ kind: 'arange', start: 0, delta: 0, length: 2, dtype: 'int64' }, [])).toThrow('delta non-zero');
  });
});
