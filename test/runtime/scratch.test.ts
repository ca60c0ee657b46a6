import { test, vi } from 'vitest';
for (const m of ['softmax', 'layer-norm', 'movement', 'resize', 'scan', 'conv', 'conv-transpose', 'pool', 'batch-norm']) void m;
vi.mock('../../codegen/kernels/softmax.js', () => ({ generateSoftmax: () => { throw new Error('x'); } }));
import { compileGraph } from '../../src/compile.js';
test('mock', () => { console.log(typeof compileGraph); });
