/** The committed reference values produced by test/fixtures/eval/gen_eval_fixtures.py. */

import { readFileSync } from 'node:fs';

export interface ResizeCase {
  name: string;
  mode: 'nearest' | 'linear' | 'cubic';
  coordMode: 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'half_pixel_symmetric';
  nearestMode: 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
  cubicCoeffA: number;
  excludeOutside: boolean;
  scales: number[];
  inputDims: number[];
  input: number[];
  outputDims: number[];
  output: number[];
}

export interface EvalFixture {
  float16: { inputs: number[]; bits: number[] };
  erf: { x: number[]; erf: number[] };
  resize: ResizeCase[];
}

export const fixture: EvalFixture = JSON.parse(
  readFileSync(new URL('../../fixtures/eval/eval-reference.json', import.meta.url), 'utf8'),
) as EvalFixture;
