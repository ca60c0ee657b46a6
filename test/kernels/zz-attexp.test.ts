import { it } from 'vitest';
import { generateAttention } from '../../codegen/kernels/attention.js';
import { Graph, type Node } from '../../ir/graph.js';
import { makeCtx } from './harness.js';
import { getDevice } from '../helpers/gpu.js';
import { writeFileSync } from 'node:fs';

function gen(heads: number, lead: number[], s: number, t: number, qw: number, vw: number, limits = {}) {
  const g = new Graph();
  const vals = [[...lead, s, qw], [...lead, t, qw], [...lead, t, vw]].map((d, i) => g.addInput('x' + i, { dtype: 'float32', shape: d }));
  g.add({ kind: 'attention', heads, scale: 0.1 }, vals, 'n', [], false);
  return generateAttention(g.nodes[g.nodes.length - 1] as Node, makeCtx(limits))[0]!.wgsl;
}
async function time(label: string, code: string) {
  const device = await getDevice();
  const t0 = performance.now(); const c0 = process.cpuUsage();
  const module = device.createShaderModule({ code });
  const pl = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bufs = [0, 1, 2, 3].map(() => device.createBuffer({ size: 1 << 20, usage: GPUBufferUsage.STORAGE }));
  const bg = device.createBindGroup({ layout: pl.getBindGroupLayout(0), entries: bufs.map((b, i) => ({ binding: i, resource: { buffer: b } })) });
  for (let it = 0; it < 6; it++) {
  const t1 = performance.now();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass(); pass.setPipeline(pl); pass.setBindGroup(0, bg); pass.dispatchWorkgroups(Number(process.env.WG ?? 1)); pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  console.log('run', it, (performance.now() - t1).toFixed(1));
  }
  const cu = process.cpuUsage(c0); console.log(label, (performance.now() - t0).toFixed(0), 'ms wall', ((cu.user + cu.system) / 1000).toFixed(0), 'ms cpu');
}
it('exp', async () => {
  const w = gen(4, [1], 128, 128, 128, 128, process.env.CAP ? { maxComputeInvocationsPerWorkgroup: Number(process.env.CAP) } : {});
  writeFileSync('/tmp/attbench/gpt.wgsl', w);
  if (!process.env.VARIANTS) await time('gpt', w);
  const vars = (process.env.VARIANTS ?? '').split(';').filter(Boolean);
  for (const f of vars) {
    const { readFileSync } = await import('node:fs');
    await time(f, readFileSync(f, 'utf8'));
  }
}, 600000);
