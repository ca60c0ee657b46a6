/**
 * The decoder on inputs that are not valid models: empty, text, Git LFS pointers, truncated and
 * byte-flipped files (real ones), the ONNX-rule violations built by make_onnx_fixtures.py
 * (test/fixtures/onnx/bad), and broken external data. Every failure must be an OnnxDecodeError
 * with a one-line message that names the file and the problem, never a protobufjs stack.
 */

import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { OnnxDecodeError, decodeModel, loadModelFile } from '../../src/onnx/decode.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(HERE, '../fixtures/onnx');
const ZOO = resolve(HERE, '../../../shared/models');

/** Runs `fn`, demands an OnnxDecodeError, and returns its message. */
function decodeError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OnnxDecodeError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(300);
    return message;
  }
  throw new Error('expected an OnnxDecodeError, but decoding succeeded');
}

/** Decodes; returns the error message, or null when the bytes decoded. Other errors propagate. */
function tryDecode(bytes: Uint8Array, name: string): string | null {
  try {
    decodeModel(bytes, { name });
    return null;
  } catch (err) {
    if (!(err instanceof OnnxDecodeError)) throw err;
    expect(err.message).not.toContain('\n');
    // Our own sentences only: a JS engine message here means a check is missing in the decoder.
    expect(err.message).not.toMatch(/argument|undefined|Cannot read|is not a function|is not iterable|Invalid typed array|undecodable/);
    expect(err.message.startsWith(`${name} is not a valid ONNX model: `) || err.message.startsWith(`${name}: `)).toBe(true);
    return err.message;
  }
}

describe('not a model at all', () => {
  test('empty file', () => {
    expect(decodeError(() => decodeModel(new Uint8Array(0), { name: 'e.onnx' }))).toBe(
      'e.onnx is not a valid ONNX model: the file is empty',
    );
  });

  test('text file', () => {
    const text = new TextEncoder().encode('graph {\n  node { op_type: "Relu" }\n}\nThis is plain text, not protobuf.\n');
    expect(decodeError(() => decodeModel(text, { name: 'm.txt' }))).toBe(
      'm.txt is not a valid ONNX model: it is a text file, not a binary ONNX protobuf',
    );
  });

  test('Git LFS pointer', () => {
    const pointer = new TextEncoder().encode(
      'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 46748540\n',
    );
    expect(decodeError(() => decodeModel(pointer, { name: 'r.onnx' }))).toMatch(/^r\.onnx is not a valid ONNX model: it is a Git LFS pointer/);
  });

  test('missing file and directory', () => {
    expect(decodeError(() => loadModelFile(join(FIXTURES, 'nope.onnx')))).toBe(`${join(FIXTURES, 'nope.onnx')}: no such file`);
    expect(decodeError(() => loadModelFile(FIXTURES))).toBe(`${FIXTURES}: is a directory`);
  });

  test('errors are named after the path given to loadModelFile', () => {
    expect(decodeError(() => loadModelFile(join(FIXTURES, 'bad/no-graph.onnx')))).toBe(
      `${join(FIXTURES, 'bad/no-graph.onnx')} is not a valid ONNX model: no graph`,
    );
  });
});

describe('damaged real models', () => {
  const models = ['real/mnist.onnx', 'super_resolution.onnx'].map((f) => [f, readFileSync(join(ZOO, f))] as const);

  test.each(models)('%s truncated anywhere before its tail fails as truncated', (file, bytes) => {
    // The last bytes hold opset_import entries after the graph: a cut between two of them is a
    // valid (smaller) model, so only cuts before the final 10% must fail.
    const cuts = [1, 2, 3, 5, 8, 13, 21, 50, 100];
    for (let c = 200; c < bytes.length * 0.9; c += Math.ceil(bytes.length / 97)) cuts.push(c);
    for (const cut of cuts) {
      const message = tryDecode(bytes.subarray(0, cut), 'm.onnx');
      expect(message, `cut at ${cut}`).toMatch(/^m\.onnx is not a valid ONNX model: (truncated at byte \d+|no graph)/);
    }
  });

  test('every prefix of a small model fails cleanly or decodes', () => {
    const bytes = readFileSync(join(FIXTURES, 'attributes.onnx'));
    let failures = 0;
    for (let cut = 0; cut < bytes.length; cut++) if (tryDecode(bytes.subarray(0, cut), 'a.onnx') !== null) failures++;
    expect(failures).toBeGreaterThan(bytes.length * 0.9);
  });

  test.each([['attributes.onnx'], ['storage.onnx'], ['sparse.onnx']])('%s with any one byte flipped fails cleanly or decodes', (file) => {
    const original = readFileSync(join(FIXTURES, file));
    let failures = 0;
    for (let i = 0; i < original.length; i++) {
      for (const mask of [0xff, 0x80, 0x01]) {
        const bytes = new Uint8Array(original);
        bytes[i] ^= mask;
        if (tryDecode(bytes, 'f.onnx') !== null) failures++;
      }
    }
    expect(failures).toBeGreaterThan(original.length * 0.3);
  });

  test('flipped bytes in a real model with typed-field tensors', () => {
    const original = readFileSync(join(ZOO, 'real/mnist.onnx'));
    let failures = 0;
    for (let i = 0; i < original.length; i += 7) {
      const bytes = new Uint8Array(original);
      bytes[i] ^= 0xff;
      if (tryDecode(bytes, 'mnist.onnx') !== null) failures++;
    }
    expect(failures).toBeGreaterThan(0);
  });

  test('a length field pointing past its parent message is reported as corruption', () => {
    // attributes.onnx: ir_version (2 bytes), producer_name (2 + 13), producer_version (2 + 3),
    // then the graph: tag 0x3a and a 2-byte length, then the first node: tag 0x0a and a length.
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'attributes.onnx')));
    const node = 2 + 15 + 5 + 3;
    expect([bytes[node - 3], bytes[node]]).toEqual([0x3a, 0x0a]);
    expect(bytes[node + 1] & 0x80).toBe(0x80); // its length is a 2-byte varint...
    bytes[node + 1] = 0xff; // ...which now says 16383: past the graph's end
    bytes[node + 2] = 0x7f;
    expect(tryDecode(bytes, 'c.onnx')).toMatch(/^c\.onnx is not a valid ONNX model: corrupt at byte \d+/);
  });
});

describe('ONNX rule violations', () => {
  test.each([
    ['raw-length', "initializer 'w' has 7 bytes of data but its 2 float32 elements need 8"],
    ['typed-count', "initializer 'w' has 3 values in float_data but its dims need 2"],
    ['no-data', "initializer 'w' has no data (2 float32 elements expected)"],
    ['unknown-dtype', "initializer 'w' has unknown element type 99"],
    ['negative-dim', "initializer 'w' has an invalid dimension -1"],
    ['duplicate-initializer', "initializer 'w' appears twice in the main graph"],
    ['no-op-type', "node 'n0' of the main graph has no op_type"],
    ['attribute-no-value', "attribute 'empty' of node 'n0' (Identity) has no type and no value"],
    ['no-graph', 'no graph'],
  ])('%s', (file, detail) => {
    expect(decodeError(() => decodeModel(readFileSync(join(FIXTURES, `bad/${file}.onnx`)), { name: 'x.onnx' }))).toBe(
      `x.onnx is not a valid ONNX model: ${detail}`,
    );
  });

  test.each([
    ['complex64', "x.onnx: initializer 'w' has element type COMPLEX64, which onnx-wgsl does not support"],
    ['segment', "x.onnx: initializer 'w' is a segment of a larger tensor, which onnx-wgsl does not support"],
  ])('%s is valid ONNX but unsupported', (file, message) => {
    expect(decodeError(() => decodeModel(readFileSync(join(FIXTURES, `bad/${file}.onnx`)), { name: 'x.onnx' }))).toBe(message);
  });

  test('bfloat16 decodes to its values (the top half of an f32)', () => {
    const w = decodeModel(readFileSync(join(FIXTURES, 'bad/bfloat16.onnx')), { name: 'x.onnx' }).graph.initializers.get('w')!;
    expect(w.dtype).toBe('bfloat16');
    expect(Array.from(w.data as Float32Array)).toEqual([1]);
  });
});

describe('external data failures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-ext-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('missing data file names the file and where it looked', () => {
    copyFileSync(join(FIXTURES, 'external.onnx'), join(dir, 'm.onnx'));
    const message = decodeError(() => loadModelFile(join(dir, 'm.onnx')));
    expect(message).toBe(
      `${join(dir, 'm.onnx')}: external data file 'external.bin' for initializer 'ext_a' not found (looked for ${join(dir, 'external.bin')})`,
    );
  });

  test('a data file too short for the tensor', () => {
    copyFileSync(join(FIXTURES, 'external.onnx'), join(dir, 'm.onnx'));
    writeFileSync(join(dir, 'external.bin'), readFileSync(join(FIXTURES, 'external.bin')).subarray(0, 20));
    expect(decodeError(() => loadModelFile(join(dir, 'm.onnx')))).toMatch(
      /: external data file 'external\.bin' is too short: initializer 'ext_a' needs bytes 3\.\.27 but the file has 20$/,
    );
  });

  test.each([
    ['external-escape', '../onnx/external.bin'],
    ['external-absolute', '/tmp/onnx-wgsl/external.bin'],
  ])('%s: locations outside the model folder are refused before any file is opened', (file, location) => {
    expect(decodeError(() => loadModelFile(join(FIXTURES, `${file}.onnx`)))).toMatch(
      `has external data location '${location}', which is outside the model's folder`,
    );
  });

  test('bytes with external data but no baseDir', () => {
    const bytes = readFileSync(join(FIXTURES, 'external.onnx'));
    expect(decodeError(() => decodeModel(bytes, { name: 'b.onnx' }))).toMatch(/^b\.onnx: initializer 'ext_a' stores its data in external file 'external\.bin', but .*no baseDir/);
  });
});
