/**
 * `compile --tune`: measures the model's matmul tilings on the adapter with a progress bar, stores
 * them in the given cache, records the configuration in the output folder, and a second compile
 * reuses the cache without measuring.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, tinyCnn } from './helpers.js';

describe('compile --tune', () => {
  it('tunes, caches, records, and reuses', async () => {
    const dir = tempDir('tune');
    const cache = join(dir, 'tuning.json');
    const first = await cli('compile', tinyCnn, '-o', join(dir, 'a'), '--tune', '--tune-cache', cache);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/tune \[#{30}\] (\d+)\/\1 done/);
    expect(first.out).toMatch(/tuned 1 matmul\/conv kernels on .*: 1 signatures measured, 0 from the cache/);
    const saved = JSON.parse(readFileSync(cache, 'utf8')) as { adapters: Record<string, Record<string, unknown>> };
    expect(Object.values(saved.adapters).map((a) => Object.keys(a).length)).toEqual([1]);
    expect(readFileSync(join(dir, 'a', 'model.js'), 'utf8')).toMatch(/"config":\s*"tuned \{/);

    const second = await cli('compile', tinyCnn, '-o', join(dir, 'b'), '--tune', '--tune-cache', cache);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/0 signatures measured, 1 from the cache/);
  }, 120_000);
});
