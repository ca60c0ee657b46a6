import { loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { runOrt, runIr } from './ort.js';
import { randomTensor, rng, compareTensors } from '../helpers/random.js';
import { readFileSync } from 'node:fs';
import { it } from 'vitest';
const only = process.env.ONLY?.split(',');
it('zoo', async () => {
  for (const dir of ['/work/shared/models', '/work/shared/models/real']) {
    const meta = JSON.parse(readFileSync(`${dir}/models.json`, 'utf8')).models;
    for (const [name, info] of Object.entries<any>(meta)) {
      if (only && !only.includes(name)) continue;
      const path = `${dir}/${info.path ?? name + '.onnx'}`;
      try {
        const dims: Record<string, number> = {};
        const model = loadModelFile(path);
        for (const vi of model.graph.inputs) vi.shape?.forEach((d, i) => { if (typeof d === 'string') dims[d] = info.inputs[vi.name].shape[i]; });
        const r = rng(1);
        const feeds: any = {};
        for (const [n, i] of Object.entries<any>(info.inputs)) feeds[n] = randomTensor(i.dtype, i.shape, r, i.range?.[0] ?? -1, i.range?.[1] ?? 1);
        const g = importModel(model, { dims });
        const t0 = Date.now();
        const ours = runIr(g, feeds);
        const t1 = Date.now();
        const ref = await runOrt(path, feeds);
        const res = Object.entries(ref).map(([k, v]) => { const c = compareTensors(ours[k]!, v, 1e-3, 1e-4); return `${k}: maxAbs=${c.maxAbs.toExponential(2)} bad=${c.firstBad}`; });
        console.log(name, `${t1 - t0}ms`, res.join(' '));
      } catch (e) { console.log(name, 'ERROR', (e as Error).message.slice(0, 500)); }
    }
  }
}, 600000);
