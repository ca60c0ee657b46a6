/**
 * The ONNX backend tests of the ops that importers lower to subgraphs of existing IR ops (loss
 * functions, normalizations, one-hot encodings, windows, quantization, integer products, Einsum,
 * Compress, ReverseSequence, the Adagrad and Momentum optimizer steps), run through the importer
 * and the CPU evaluator — no GPU — and compared with the tests' expected outputs under the
 * backend tolerance. Every listed test must pass; the refused ops must be refused with their
 * specific reason.
 *
 * Names are the folders under /usr/share/libonnx-testdata/data/node without the `test_` prefix.
 * `_expanded` variants (the op's ONNX function body) are listed where they need one of these
 * importers (the SoftmaxCrossEntropyLoss bodies use NegativeLogLikelihoodLoss, the
 * DynamicQuantizeLinear bodies QuantizeLinear).
 */

import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkDataInstalled, dataRoot } from '../conformance/cases.js';
import { runBackendTestOnCpu } from './backend-cpu.js';

/** The SoftmaxCrossEntropyLoss cases; each also exists as `_log_prob` (second output). */
const SCE = [
  'sce_NCd1_mean_weight_negative_ii',
  'sce_NCd1d2d3_none_no_weight_negative_ii',
  'sce_NCd1d2d3_sum_weight_high_ii',
  'sce_NCd1d2d3d4d5_mean_weight',
  'sce_NCd1d2d3d4d5_none_no_weight',
  'sce_mean',
  'sce_mean_3d',
  'sce_mean_no_weight_ii',
  'sce_mean_no_weight_ii_3d',
  'sce_mean_no_weight_ii_4d',
  'sce_mean_weight',
  'sce_mean_weight_ii',
  'sce_mean_weight_ii_3d',
  'sce_mean_weight_ii_4d',
  'sce_none',
  'sce_none_weights',
  'sce_sum',
].flatMap((n) => [n, `${n}_log_prob`]);

const PASSING: Record<string, string[]> = {
  SoftmaxCrossEntropyLoss: [...SCE, ...SCE.map((n) => `${n}_expanded`)],
  NegativeLogLikelihoodLoss: [
    'nllloss_NC',
    'nllloss_NCd1',
    'nllloss_NCd1_ii',
    'nllloss_NCd1_mean_weight_negative_ii',
    'nllloss_NCd1_weight',
    'nllloss_NCd1_weight_ii',
    'nllloss_NCd1d2',
    'nllloss_NCd1d2_no_weight_reduction_mean_ii',
    'nllloss_NCd1d2_reduction_mean',
    'nllloss_NCd1d2_reduction_sum',
    'nllloss_NCd1d2_with_weight',
    'nllloss_NCd1d2_with_weight_reduction_mean',
    'nllloss_NCd1d2_with_weight_reduction_sum',
    'nllloss_NCd1d2_with_weight_reduction_sum_ii',
    'nllloss_NCd1d2d3_none_no_weight_negative_ii',
    'nllloss_NCd1d2d3_sum_weight_high_ii',
    'nllloss_NCd1d2d3d4d5_mean_weight',
    'nllloss_NCd1d2d3d4d5_none_no_weight',
  ],
  // Every one of these requests the Mean and InvStdDev outputs.
  LayerNormalization: [
    'layer_normalization_2d_axis0',
    'layer_normalization_2d_axis1',
    'layer_normalization_2d_axis_negative_1',
    'layer_normalization_2d_axis_negative_2',
    'layer_normalization_3d_axis0_epsilon',
    'layer_normalization_3d_axis1_epsilon',
    'layer_normalization_3d_axis2_epsilon',
    'layer_normalization_3d_axis_negative_1_epsilon',
    'layer_normalization_3d_axis_negative_2_epsilon',
    'layer_normalization_3d_axis_negative_3_epsilon',
    'layer_normalization_4d_axis0',
    'layer_normalization_4d_axis1',
    'layer_normalization_4d_axis2',
    'layer_normalization_4d_axis3',
    'layer_normalization_4d_axis_negative_1',
    'layer_normalization_4d_axis_negative_2',
    'layer_normalization_4d_axis_negative_3',
    'layer_normalization_4d_axis_negative_4',
    'layer_normalization_default_axis',
  ],
  InstanceNormalization: ['instancenorm_epsilon', 'instancenorm_example'],
  MeanVarianceNormalization: ['mvn'],
  LRN: ['lrn', 'lrn_default'],
  Hardmax: [
    'hardmax_axis_0',
    'hardmax_axis_1',
    'hardmax_axis_2',
    'hardmax_default_axis',
    'hardmax_example',
    'hardmax_negative_axis',
    'hardmax_one_hot',
  ],
  OneHot: ['onehot_negative_indices', 'onehot_with_axis', 'onehot_with_negative_axis', 'onehot_without_axis'],
  EyeLike: ['eyelike_populate_off_main_diagonal', 'eyelike_with_dtype', 'eyelike_without_dtype'],
  Windows: ['blackmanwindow', 'blackmanwindow_symmetric', 'hammingwindow', 'hammingwindow_symmetric', 'hannwindow', 'hannwindow_symmetric'],
  MelWeightMatrix: ['melweightmatrix'],
  QuantizeLinear: ['quantizelinear', 'quantizelinear_axis'],
  DequantizeLinear: ['dequantizelinear', 'dequantizelinear_axis'],
  DynamicQuantizeLinear: [
    'dynamicquantizelinear',
    'dynamicquantizelinear_max_adjusted',
    'dynamicquantizelinear_min_adjusted',
    'dynamicquantizelinear_expanded',
    'dynamicquantizelinear_max_adjusted_expanded',
    'dynamicquantizelinear_min_adjusted_expanded',
  ],
  MatMulInteger: ['matmulinteger'],
  ConvInteger: ['basic_convinteger', 'convinteger_with_padding', 'convinteger_without_padding'],
  QLinearMatMul: ['qlinearmatmul_2D', 'qlinearmatmul_3D'],
  QLinearConv: ['qlinearconv'],
  Einsum: ['einsum_batch_diagonal', 'einsum_batch_matmul', 'einsum_inner_prod', 'einsum_sum', 'einsum_transpose'],
  Compress: ['compress_0', 'compress_1', 'compress_default_axis', 'compress_negative_axis'],
  ReverseSequence: ['reversesequence_batch', 'reversesequence_time'],
  Adagrad: ['adagrad', 'adagrad_multiple'],
  Momentum: ['momentum', 'momentum_multiple', 'nesterov_momentum'],
};

/** Tests of ops refused on purpose, with a word of the reason each must give. */
const REFUSED: Record<string, RegExp> = {
  bernoulli: /random sampling is not supported/,
  bernoulli_double: /random sampling is not supported/,
  bernoulli_seed: /random sampling is not supported/,
  adam: /training ops are not supported/,
  adam_multiple: /training ops are not supported/,
};

const node = (name: string) => join(dataRoot(), 'node', `test_${name}`);

test('the ONNX backend test data is installed', () => {
  // Fails (never skips) without the data: CI installs libonnx-testdata.
  checkDataInstalled();
});

describe.each(Object.entries(PASSING))('%s', (_op, names) => {
  test.each(names)('%s', (name) => {
    expect(runBackendTestOnCpu(node(name))).toEqual({ status: 'pass' });
  });
});

describe('refused ops', () => {
  test.each(Object.entries(REFUSED))('%s', (name, reason) => {
    const r = runBackendTestOnCpu(node(name));
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(reason);
  });
});
