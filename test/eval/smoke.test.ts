import { it } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import { randomTensor, rng } from './helpers/tensors.js';
it('perf', () => {
  const r = rng(1);
  const x = randomTensor(r, 'float32', [1, 64, 224, 224]);
  const w = randomTensor(r, 'float32', [64, 64, 3, 3]);
  let t = performance.now();
  evaluate({ kind: 'conv', strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }, [x, w]);
  console.log('conv', performance.now() - t);
  t = performance.now();
  evaluate({ kind: 'pool', type: 'max', kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: false }, [x]);
  console.log('pool', performance.now() - t);
  const a = randomTensor(r, 'float32', [512, 512]);
  t = performance.now();
  evaluate({ kind: 'matmul', transA: false, transB: true, alpha: 1, beta: 1 }, [a, a]);
  console.log('matmul', performance.now() - t);
}, 120000);
