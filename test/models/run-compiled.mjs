// A plain Node program that uses a compiled output folder the way a user would: it imports only
// OUT/model.js (whose runtime imports only the `webgpu` package), loads the model ONCE, and for each
// IO_DIR feeds the inputs described in IO_DIR/inputs.json (raw little-endian files), writing each
// output to IO_DIR as raw bytes plus IO_DIR/outputs.json. Several IO dirs run through the same loaded
// model (a symbolic model at several sizes); OUT_DIR/stats.json records the model's counters right
// after load and after the last run, so tests can check that no shader or pipeline was created by a
// run. Used by the zoo tests; nothing from the compiler is imported here.
//
// usage: node run-compiled.mjs OUT_DIR IO_DIR [IO_DIR ...]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [outDir, ...ioDirs] = process.argv.slice(2);
const { load } = await import(pathToFileURL(resolve(outDir, 'model.js')).href);
const arrays = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, bool: Uint8Array, uint8: Uint8Array };

const model = await load();
const afterLoad = { ...model.stats };
for (const ioDir of ioDirs) {
  const spec = JSON.parse(readFileSync(join(ioDir, 'inputs.json'), 'utf8'));
  const feeds = {};
  for (const inp of spec) {
    const bytes = readFileSync(join(ioDir, inp.file));
    const Ctor = arrays[inp.dtype];
    const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    feeds[inp.name] = { data, dims: inp.dims };
  }
  const outputs = await model.run(feeds);
  const meta = [];
  for (const [name, t] of Object.entries(outputs)) {
    const file = `out-${meta.length}.bin`;
    writeFileSync(join(ioDir, file), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    meta.push({ name, dtype: t.dtype, dims: t.dims, file });
  }
  writeFileSync(join(ioDir, 'outputs.json'), JSON.stringify(meta));
}
writeFileSync(join(outDir, 'stats.json'), JSON.stringify({ afterLoad, afterRuns: { ...model.stats } }));
model.dispose();
process.exit(0);
