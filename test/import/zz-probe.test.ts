import { join } from 'node:path';
import { test } from 'vitest';
import { loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { ZOO } from './fixtures.js';
test('probe', () => {
  for (const p of ['lstm_tagger.onnx', 'real/dtln_model_1.onnx', 'real/gtcrn_simple.onnx']) {
    try {
      const g = importModel(loadModelFile(join(ZOO, p)), {});
      console.log(p, 'OK', JSON.stringify(g.inputs.map((v) => [v.name, v.type])), JSON.stringify(g.outputs.map((v) => [v.name, v.type.dtype, v.type.shape])));
    } catch (e) { console.log(p, 'FAIL', (e as Error).message.slice(0, 600)); }
  }
});
