/**
 * The static memory planner (codegen/schedule/memory.ts), without a GPU. Kernels here are bare
 * descriptions (no WGSL) over hand-made values. Besides hand-checked cases, random DAGs are
 * checked by simulating the plan: every buffer remembers which value it currently holds, and every
 * kernel read must find its value still there — an independent check that sharing never clobbers
 * a live value.
 */

import { describe, expect, test } from 'vitest';
import type { Kernel } from '../../codegen/kernel.js';
import { deviceBytes, planMemory } from '../../codegen/schedule/memory.js';
import { Graph, Value } from '../../ir/graph.js';
import { evalDim } from '../../ir/dim.js';
import { rng } from '../helpers/random.js';

let nextId = 1000;
const val = (name: string, n: number) => new Value(nextId++, name, { dtype: 'float32', shape: [n] });
const kernel = (name: string, inputs: Value[], outputs: Value[]): Kernel => ({ name, wgsl: '', inputs, outputs, workgroups: [1, 1, 1] });

describe('planMemory, hand-checked', () => {
  test('a chain reuses buffers once lifetimes end, never within one kernel', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: [10] });
    const [a, b, c, y] = [val('a', 10), val('b', 10), val('c', 10), val('y', 10)];
    g.outputs = [y];
    const ks = [kernel('k0', [x], [a]), kernel('k1', [a], [b]), kernel('k2', [b], [c]), kernel('k3', [c], [y])];
    const m = planMemory(g, ks, new Map());
    const buf = (v: Value) => m.bufferOf.get(v)!;
    expect(buf(a)).toBe(buf(c)); // a dies at k1, c is born at k2
    expect(buf(b)).not.toBe(buf(a));
    expect(new Set([buf(x), buf(y), buf(a), buf(b)]).size).toBe(4);
    expect(m.buffers.filter((b) => b.role === 'intermediate')).toHaveLength(2);
    expect(m.peakIntermediateBytes).toBe(80);
    expect(m.totalIntermediateBytes).toBe(120);
    expect(m.plannedIntermediateBytes).toBe(80);
  });

  test('views share their source buffer and extend its lifetime', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: [6] });
    const a = val('a', 6);
    const av = new Value(nextId++, 'a_view', { dtype: 'float32', shape: [2, 3] });
    const [b, c, y] = [val('b', 6), val('c', 6), val('y', 6)];
    g.outputs = [y];
    // a is written by k0 and read (through its view) only by k2: b must not take a's buffer.
    const ks = [kernel('k0', [x], [a]), kernel('k1', [x], [b]), kernel('k2', [av, b], [c]), kernel('k3', [c], [y])];
    const m = planMemory(g, ks, new Map([[av, a]]));
    expect(m.bufferOf.get(av)).toBe(m.bufferOf.get(a));
    expect(m.bufferOf.get(b)).not.toBe(m.bufferOf.get(a));
    expect(m.bufferOf.get(c)).not.toBe(m.bufferOf.get(a));
  });

  test('inputs, outputs (also through views) and constants get dedicated buffers', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: [4] });
    const w = g.addConstant('w', { dtype: 'float32', dims: [4], data: new Float32Array(4).fill(1) });
    const a = val('a', 4);
    const out = new Value(nextId++, 'out', { dtype: 'float32', shape: [2, 2] }); // view of a
    const b = val('b', 4);
    g.outputs = [out, b];
    const ks = [kernel('k0', [x, w], [a]), kernel('k1', [x], [b])];
    const m = planMemory(g, ks, new Map([[out, a]]));
    const roles = m.buffers.map((b) => b.role).sort();
    expect(roles).toEqual(['constant', 'input', 'output', 'output']);
    expect(m.bufferOf.get(out)).toBe(m.bufferOf.get(a));
    expect(m.plannedIntermediateBytes).toBe(0);
  });

  test('best fit: the smallest free buffer that holds the value', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: [1] });
    const [big, small, y1, late, y2] = [val('big', 250), val('small', 25), val('y1', 1), val('late', 20), val('y2', 1)];
    g.outputs = [y1, y2];
    const ks = [kernel('k0', [x], [big, small]), kernel('k1', [big, small], [y1]), kernel('k2', [x], [late]), kernel('k3', [late], [y2])];
    const m = planMemory(g, ks, new Map());
    expect(m.bufferOf.get(late)).toBe(m.bufferOf.get(small));
    expect(m.buffers[m.bufferOf.get(small)!]!.size).toBe(100);
  });

  test('a value read but never written is a planner error', () => {
    const g = new Graph();
    const ghost = val('ghost', 2);
    const y = val('y', 2);
    g.outputs = [y];
    expect(() => planMemory(g, [kernel('k', [ghost], [y])], new Map())).toThrow(/'ghost' is read but no kernel writes it/);
  });
});

/** A random DAG of kernels with 1–3 inputs and 1–2 outputs, random sizes, some views. */
function randomProgram(seed: number) {
  const rand = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const g = new Graph();
  const avail: Value[] = [g.addInput('in0', { dtype: 'float32', shape: [7] }), g.addInput('in1', { dtype: 'float32', shape: [3] })];
  const constants = [g.addConstant('c0', { dtype: 'float32', dims: [5], data: new Float32Array(5) })];
  avail.push(...constants);
  const views = new Map<Value, Value>();
  const kernels: Kernel[] = [];
  const nKernels = 5 + Math.floor(rand() * 25);
  for (let k = 0; k < nKernels; k++) {
    // Prefer recent values so lifetimes vary from short to long.
    const recent = avail.slice(-6);
    const inputs = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(rand() < 0.7 ? recent : avail));
    const outputs = Array.from({ length: 1 + Math.floor(rand() * 2) }, (_, j) => val(`v${k}_${j}`, 1 + Math.floor(rand() * 64)));
    kernels.push(kernel(`k${k}`, [...new Set(inputs)], outputs));
    for (const o of outputs) {
      avail.push(o);
      if (rand() < 0.25) {
        const v = new Value(nextId++, `${o.name}_view`, o.type);
        views.set(v, o);
        avail.push(v);
      }
    }
  }
  const produced = avail.filter((v) => !g.inputs.includes(v) && !v.isConstant);
  g.outputs = [...new Set([pick(produced), pick(produced), produced[produced.length - 1]!])];
  return { g, kernels, views, constants };
}

describe('planMemory on random programs (simulated execution)', () => {
  test.each(Array.from({ length: 200 }, (_, i) => i))('seed %i', (seed) => {
    const { g, kernels, views, constants } = randomProgram(seed);
    const m = planMemory(g, kernels, views);
    const root = (v: Value): Value => (views.has(v) ? root(views.get(v)!) : v);
    const buf = (v: Value) => {
      const b = m.bufferOf.get(v);
      expect(b, `value ${v.name} has a buffer`).toBeDefined();
      return b!;
    };
    const holds = new Map<number, Value>();
    for (const v of [...g.inputs, ...constants]) {
      if (m.bufferOf.has(v)) holds.set(buf(v), v); // a constant no kernel reads has no buffer
    }
    for (const k of kernels) {
      for (const v of k.inputs) expect(holds.get(buf(v)), `${k.name} reads ${v.name}`).toBe(root(v));
      const inBufs = new Set(k.inputs.map(buf));
      const outBufs = k.outputs.map(buf);
      expect(new Set(outBufs).size, `${k.name}: outputs in distinct buffers`).toBe(outBufs.length);
      for (const b of outBufs) expect(inBufs.has(b), `${k.name}: no buffer both read and written`).toBe(false);
      for (const v of k.outputs) {
        expect(Number(m.buffers[buf(v)]!.size)).toBeGreaterThanOrEqual(Number(deviceBytes(v))); // static shapes: numbers
        holds.set(buf(v), root(v));
      }
    }
    for (const o of g.outputs) expect(holds.get(buf(o)), `output ${o.name} survives`).toBe(root(o));
    expect(m.peakIntermediateBytes).toBeLessThanOrEqual(m.plannedIntermediateBytes);
    expect(m.plannedIntermediateBytes).toBeLessThanOrEqual(m.totalIntermediateBytes);
  });
});

describe('planMemory, symbolic sizes', () => {
  const sym = (name: string, shape: (number | string)[]) => new Value(nextId++, name, { dtype: 'float32', shape });

  test('a shared buffer is the max of its members; byte figures at the reference binding', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'sequence'] });
    const a = sym('a', ['batch', 'sequence', 4]);
    const b = sym('b', ['batch']);
    const c = sym('c', ['batch', 'sequence']);
    const y = sym('y', ['batch', 'sequence']);
    g.outputs = [y];
    const ks = [kernel('k0', [x], [a]), kernel('k1', [a], [b]), kernel('k2', [b], [c]), kernel('k3', [c], [y])];
    const m = planMemory(g, ks, new Map());
    expect(deviceBytes(a)).toBe('16*batch*sequence');
    expect(m.bufferOf.get(c)).toBe(m.bufferOf.get(a)); // a dies at k1, c is born at k2
    // 16·b·s ≥ 4·b·s at every binding: the dominated size is dropped, no max() needed.
    expect(m.buffers[m.bufferOf.get(a)!]!.size).toBe('16*batch*sequence');
    expect(m.reference).toEqual({ batch: 64, sequence: 64 });
    expect(m.peakIntermediateBytes).toBe(16 * 64 * 64 + 4 * 64); // a and b live at k1
    expect(m.totalIntermediateBytes).toBe(16 * 64 * 64 + 4 * 64 + 4 * 64 * 64);
    expect(m.plannedIntermediateBytes).toBe(16 * 64 * 64 + 4 * 64);
  });

  test('sizes that neither dominates share a dimMax buffer, fitting both at every binding', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'sequence'] });
    const a = sym('a', ['batch', 4]);
    const c = sym('c', ['sequence']);
    const [y1, y2] = [sym('y1', [1]), sym('y2', [1])];
    g.outputs = [y1, y2];
    const ks = [kernel('k0', [x], [a]), kernel('k1', [a], [y1]), kernel('k2', [x], [c]), kernel('k3', [c], [y2])];
    const m = planMemory(g, ks, new Map());
    expect(m.bufferOf.get(c)).toBe(m.bufferOf.get(a));
    const size = m.buffers[m.bufferOf.get(a)!]!.size;
    expect(size).toBe('max(16*batch,4*sequence)');
    for (const [batch, sequence] of [[1, 100], [100, 1], [0, 0], [7, 28]]) {
      const env = { batch: batch!, sequence: sequence! };
      expect(evalDim(size, env)).toBe(Math.max(16 * batch!, 4 * sequence!));
    }
  });

  test('best fit compares sizes at the reference binding: the declared maxima when given', () => {
    // A = 16·batch and B = 4·sequence are free when V = 4·batch is born.
    const build = () => {
      const g = new Graph();
      const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 'sequence'] });
      const A = sym('A', ['batch', 4]);
      const B = sym('B', ['sequence']);
      const V = sym('V', ['batch']);
      const [y1, y2] = [sym('y1', [1]), sym('y2', [1])];
      g.outputs = [y1, y2];
      const ks = [kernel('k0', [x], [A, B]), kernel('k1', [A, B], [y1]), kernel('k2', [x], [V]), kernel('k3', [V], [y2])];
      return { g, ks, A, B, V };
    };
    // Every symbol = 64: A = 1024, B = 256 bytes, V = 256 fits B exactly, the smaller.
    const d = build();
    const byDefault = planMemory(d.g, d.ks, new Map());
    expect(byDefault.bufferOf.get(d.V)).toBe(byDefault.bufferOf.get(d.B));
    // batch ≤ 8: A = 128, B = 256 (sequence at the default 64), V = 32 fits A, now the smaller.
    const b = build();
    const bounded = planMemory(b.g, b.ks, new Map(), { maxDims: { batch: 8 } });
    expect(bounded.reference).toEqual({ batch: 8, sequence: 64 });
    expect(bounded.bufferOf.get(b.V)).toBe(bounded.bufferOf.get(b.A));
    expect(bounded.buffers[bounded.bufferOf.get(b.A)!]!.size).toBe('16*batch'); // 16·batch ≥ 4·batch
  });

  test('a static model keeps numeric sizes and an empty reference binding', () => {
    const g = new Graph();
    const x = g.addInput('x', { dtype: 'float32', shape: [3] });
    const y = val('y', 3);
    g.outputs = [y];
    const m = planMemory(g, [kernel('k0', [x], [y])], new Map());
    expect(m.reference).toEqual({});
    expect(m.buffers.map((b) => b.size)).toEqual([12, 12]);
  });
});
