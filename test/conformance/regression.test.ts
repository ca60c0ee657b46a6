/**
 * The conformance regression check, part of `npm test`: every test that passed in the committed
 * results.json (written by `npm run conformance`) is re-run, and this fails listing each one that
 * no longer passes, with its new status and reason. Only the passing tests are re-run, to keep
 * `npm test` fast; the full run is `npm run conformance`.
 *
 * Missing test data is a failure, never a skip: CI installs Debian's libonnx-testdata.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { checkDataInstalled } from './cases.js';
import type { ResultsFile } from './report.js';
import { runConformance } from './runner.js';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

test('every conformance test that passed in results.json still passes', { timeout: 900_000 }, async () => {
  // Throws MissingTestDataError with the install instructions.
  checkDataInstalled();
  if (!existsSync(RESULTS)) throw new Error(`${RESULTS} is missing: run \`npm run conformance\` to write it`);
  const committed = JSON.parse(readFileSync(RESULTS, 'utf8')) as ResultsFile;
  const passing = new Set(Object.entries(committed).filter(([, status]) => status === 'pass').map(([key]) => key));

  const run = await runConformance({ only: passing });
  const ran = new Set(run.results.map((r) => `${r.suite}/${r.name}`));
  const regressions = [
    ...[...passing].filter((k) => !ran.has(k)).map((k) => `${k}: no longer in the test data`),
    ...run.results.filter((r) => r.status !== 'pass').map((r) => `${r.suite}/${r.name}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}`),
  ];
  expect(regressions, `${regressions.length} of ${passing.size} tests that passed in results.json no longer pass`).toEqual([]);
});
