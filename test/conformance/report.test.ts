/**
 * The report's account of `--f64-as-f32`: the header counts the tests that needed it and those
 * that pass only thanks to it, and a section lists them with their status, so a float64 test that
 * fails for f32 precision shows as a failure with its reason.
 */

import { expect, test } from 'vitest';
import { renderReport } from './report.js';
import type { ConformanceRun, TestResult } from './runner.js';

const result = (name: string, status: TestResult['status'], extra: Partial<TestResult> = {}): TestResult => ({ suite: 'node', name, status, ...extra });

test('the header counts the tests run with float64 in f32, and a section lists them', () => {
  const run: ConformanceRun = {
    results: [
      result('test_a', 'pass'),
      result('test_cast_DOUBLE', 'pass', { f64AsF32: true, maxAbsErr: 0 }),
      result('test_huge_double', 'fail', { f64AsF32: true, reason: 'output y: got Infinity (float64 computed in f32)' }),
      result('test_b', 'unsupported', { reason: 'no', blockers: ['X (opset 13)'] }),
    ],
    adapter: 'test adapter',
    compileIn: 'inline',
    wallMs: 1000,
  };
  const md = renderReport(run, { command: 'npm run conformance', date: new Date(0) });
  expect(md).toMatch(/`--f64-as-f32`.*; 2 tests needed it and 1 of them pass only thanks to it/);
  const section = md.slice(md.indexOf('## Tests run with float64 computed in f32'));
  expect(section).toMatch(/\| node\/test_cast_DOUBLE \| pass \|/);
  expect(section).toMatch(/\| node\/test_huge_double \| fail \| {2}\| output y: got Infinity \(float64 computed in f32\) \|/);
  expect(section.split('## Slowest')[0]).not.toMatch(/test_a/);
});
