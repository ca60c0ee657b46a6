/**
 * Kernels generated for symbolic shapes (codegen/dims.ts): one set of kernels, run at several
 * values of the symbols, each checked against the CPU reference at that size (outputs poisoned).
 */
import { describe, it } from 'vitest';
import { generateElementwise } from '../../codegen/kernels/elementwise.js';
import { check } from './harness.js';
import { randomTensor, rng } from '../helpers/random.js';

describe('symbolic elementwise', () => {
  for (const [b, s] of [[1, 1], [2, 7], [3, 130]] as const) {
    it(`binary with broadcasting at batch=${b}, sequence=${s}`, async () => {
      await check(
        generateElementwise,
        { kind: 'binary', fn: 'add' },
        [randomTensor('float32', [b, s, 4], rng(b * 100 + s)), randomTensor('float32', [b, 1, 4], rng(b))],
        { symbolic: { 0: ['batch', 'sequence', 4], 1: ['batch', 1, 4] } },
      );
    });
  }
});
