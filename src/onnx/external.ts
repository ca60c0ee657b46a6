/**
 * External tensor data: TensorProtos with data_location = EXTERNAL keep their bytes in another
 * file, named by the `location` entry of `external_data` relative to the model's folder, with
 * optional `offset` and `length` entries (ONNX's external-data convention; `checksum` is unused).
 *
 * Each tensor is read into its own fresh buffer (aligned, so the typed array is a view on it with
 * no further copy) rather than mapping whole files, because external data exists precisely for
 * models too big to hold twice. Locations that are absolute or climb out of the model's folder
 * are rejected: a model file must not be able to make the compiler read arbitrary files.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DecodeProblem, invalid } from './decode-error.js';
import type { TensorProtoMsg } from './proto.js';
import type { ExternalSource } from './tensor.js';

interface OpenFile {
  fd: number;
  size: number;
}

/** Reads external tensor data below `baseDir`; `close()` releases the files it opened. */
export class ExternalDataReader implements ExternalSource {
  private readonly files = new Map<string, OpenFile>();

  /** `baseDir` undefined: the model came as bytes with no folder, so external data is an error. */
  constructor(private readonly baseDir: string | undefined) {}

  read(tensor: TensorProtoMsg, where: string, expectedBytes: number): Uint8Array {
    const entries = new Map(tensor.external_data.map((e) => [e.key, e.value]));
    const location = entries.get('location');
    if (!location) invalid(`${where} stores its data externally but names no location`);
    const offset = parseCount(entries.get('offset'), 'offset', where) ?? 0;
    const declared = parseCount(entries.get('length'), 'length', where);
    if (this.baseDir === undefined) {
      throw new DecodeProblem(
        `${where} stores its data in external file '${location}', but the model was given as bytes with no baseDir to find it in`,
        'io',
      );
    }
    const path = this.resolveInside(location, where);
    const file = this.open(path, location, where);
    if (declared !== undefined && declared !== expectedBytes) {
      invalid(`${where} has ${declared} bytes of external data in '${location}' but needs ${expectedBytes}`);
    }
    // Without a length entry the data runs to the end of the file; we read what the dims need.
    const length = expectedBytes;
    if (offset + length > file.size) {
      throw new DecodeProblem(
        `external data file '${location}' is too short: ${where} needs bytes ${offset}..${offset + length} but the file has ${file.size}`,
        'io',
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const got = readSync(file.fd, out, done, length - done, offset + done);
      if (got === 0) throw new DecodeProblem(`external data file '${location}' ended early while reading ${where}`, 'io');
      done += got;
    }
    return out;
  }

  close(): void {
    for (const file of this.files.values()) closeSync(file.fd);
    this.files.clear();
  }

  private resolveInside(location: string, where: string): string {
    const base = resolve(this.baseDir ?? '.');
    const path = resolve(base, location);
    const rel = relative(base, path);
    // Like onnx's own checker, refuse any '..' component, even one that would land back inside.
    const climbs = location.split(/[\\/]/).includes('..');
    if (isAbsolute(location) || climbs || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      invalid(`${where} has external data location '${location}', which is outside the model's folder`);
    }
    return path;
  }

  private open(path: string, location: string, where: string): OpenFile {
    const cached = this.files.get(path);
    if (cached) return cached;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found' : `cannot be opened (${code ?? String(err)})`;
      throw new DecodeProblem(`external data file '${location}' for ${where} ${why} (looked for ${path})`, 'io');
    }
    const file = { fd, size: fstatSync(fd).size };
    this.files.set(path, file);
    return file;
  }
}

/** A non-negative decimal integer entry, or undefined when absent. */
function parseCount(text: string | undefined, key: string, where: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    invalid(`${where} has an invalid external data ${key} '${text}'`);
  }
  return Number(text);
}
