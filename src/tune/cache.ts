/**
 * The tuning cache: which tiling won for each kernel signature on each adapter, kept in one JSON
 * file so later compiles on the same machine reuse measurements instead of repeating them. An
 * entry's tiling is a GEMM tiling (matmul, pointwise conv) or a conv-2d tiling; files written
 * before convs were tuned hold GEMM tilings only and read as they are.
 *
 * Location: `$ONNX_WGSL_TUNE_CACHE` when set, else `~/.cache/onnx-wgsl/tuning.json`. Keys are the
 * adapter (vendor, architecture, device, description — a driver update that renames the adapter
 * starts a fresh set) and the kernel signature (src/tune/tune.ts `matmulSignature`, src/tune/conv.ts
 * `convSignature`). The file is
 * written whole through a temporary file and a rename, so an interrupted tune never leaves it
 * half-written; an unreadable file is reported, not silently replaced.
 */

import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KernelTiling } from '../../codegen/generate.js';

export interface TuningEntry {
  tiling: KernelTiling;
  /** Median time of the winner, in milliseconds per dispatch. */
  ms: number;
  /** Median time of the default (heuristic) tiling on the same measurement, for the report. */
  defaultMs: number;
  candidates: number;
  measuredAt: string;
}

interface CacheFile {
  version: 1;
  adapters: Record<string, Record<string, TuningEntry>>;
}

export function defaultCachePath(): string {
  return process.env['ONNX_WGSL_TUNE_CACHE'] ?? join(homedir(), '.cache', 'onnx-wgsl', 'tuning.json');
}

export class TuningCache {
  private constructor(
    readonly path: string,
    private readonly file: CacheFile,
  ) {}

  static load(path = defaultCachePath()): TuningCache {
    if (!existsSync(path)) return new TuningCache(path, { version: 1, adapters: {} });
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`the tuning cache ${path} is not valid JSON (${(e as Error).message}); delete it to start over`);
    }
    const f = parsed as Partial<CacheFile>;
    if (f.version !== 1 || typeof f.adapters !== 'object' || f.adapters === null) {
      throw new Error(`the tuning cache ${path} has an unknown format; delete it to start over`);
    }
    return new TuningCache(path, f as CacheFile);
  }

  get(adapter: string, signature: string): TuningEntry | undefined {
    return this.file.adapters[adapter]?.[signature];
  }

  set(adapter: string, signature: string, entry: TuningEntry): void {
    (this.file.adapters[adapter] ??= {})[signature] = entry;
  }

  /** Number of signatures recorded for an adapter. */
  size(adapter: string): number {
    return Object.keys(this.file.adapters[adapter] ?? {}).length;
  }

  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.file, null, 1)}\n`);
    renameSync(tmp, this.path);
  }
}

/** The cache key of an adapter. */
export function adapterKey(info: { vendor: string; architecture: string; device: string; description: string }): string {
  return [info.vendor, info.architecture, info.device, info.description].map((s) => s.trim()).filter((s) => s !== '').join(' | ') || 'unknown adapter';
}
