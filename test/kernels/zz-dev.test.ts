import { it } from 'vitest';
import { generateElementwise } from '../../codegen/kernels/elementwise.js';
import { check, f32 } from './harness.js';
it('dev', async () => {
  console.log('start');
  const r = await check(generateElementwise, { kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [f32([3], [1, -2, 3])]);
  console.log(r.kernels[0].wgsl, r.actual);
});
