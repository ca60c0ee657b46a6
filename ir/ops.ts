/**
 * The canonical IR operations: a small closed set, separate from ONNX.
 *
 * ONNX op names appear only in `src/onnx/`; importers map each ONNX node (at its opset) onto these
 * ops with every attribute resolved to an explicit value, so later stages never see defaults,
 * negative axes, `auto_pad` strings or opset differences. Each op is one member of the `Op`
 * discriminated union (tag: `kind`), so a `switch (op.kind)` with a `never` check shows every
 * place that must learn a new op.
 *
 * Conventions every stage relies on:
 * - Axes are non-negative and sorted where order does not matter.
 * - Spatial pads are `[begin_0, …, begin_{n-1}, end_0, …, end_{n-1}]` as in ONNX, already
 *   resolved from `auto_pad`.
 * - Optional inputs are trailing and simply absent from `Node.inputs` when not given.
 */

import type { DType } from './dtype.js';
import type { Dim } from './shape.js';

/** Elementwise functions of one tensor. `alpha`/`beta` carry the parameters named below. */
export type UnaryFn =
  | 'identity'
  | 'relu'
  | 'leakyRelu' // alpha
  | 'elu' // alpha
  | 'selu' // alpha, beta(=gamma)
  | 'celu' // alpha
  | 'thresholdedRelu' // alpha
  | 'sigmoid'
  | 'hardSigmoid' // alpha, beta
  | 'hardSwish'
  | 'silu' // x · sigmoid(x) (SiLU / Swish; recognized from decomposed graphs by src/passes)
  | 'softplus'
  | 'softsign'
  | 'mish'
  | 'gelu' // tanh approximation when beta === 1, erf otherwise
  | 'clip' // alpha = min, beta = max (±Infinity when absent)
  | 'shrink' // alpha = lambd, beta = bias
  | 'tanh'
  | 'neg'
  | 'exp'
  | 'log'
  | 'abs'
  | 'sqrt'
  | 'reciprocal'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round' // half to even
  | 'sign'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'asin'
  | 'acos'
  | 'atan'
  | 'sinh'
  | 'cosh'
  | 'asinh'
  | 'acosh'
  | 'atanh'
  | 'not'
  | 'isNaN'
  | 'isInf'; // alpha = detect_negative (0/1), beta = detect_positive (0/1)

/** Elementwise functions of two tensors, with numpy broadcasting of the inputs. */
export type BinaryFn =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div' // integer division truncates toward zero for integer dtypes (ONNX semantics)
  | 'pow'
  | 'max'
  | 'min'
  | 'mod' // Python-style (sign of divisor) for integers
  | 'fmod' // C-style (sign of dividend)
  | 'prelu' // x < 0 ? x * slope : x  (a = x, b = slope)
  | 'equal'
  | 'less'
  | 'lessOrEqual'
  | 'greater'
  | 'greaterOrEqual'
  | 'and'
  | 'or'
  | 'xor'
  | 'bitShiftLeft'
  | 'bitShiftRight'
  | 'bitAnd'
  | 'bitOr'
  | 'bitXor';

/** Which index output a pool has: none, or flat indices in row- or column-major spatial order. */
export type PoolIndices = 'none' | 'rowMajor' | 'colMajor';

export type ReduceFn = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'l1' | 'l2' | 'logSum' | 'logSumExp' | 'sumSquare';

/** Every Resize coordinate transformation mode (ONNX names), for validation. */
export const RESIZE_COORD_MODES = [
  'half_pixel',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_crop_and_resize',
  'half_pixel_symmetric',
  'tf_half_pixel_for_nn',
] as const;

export type ResizeCoordMode = (typeof RESIZE_COORD_MODES)[number];

/**
 * Nearest rounding (ONNX nearest_mode); `simple` is the rule before opset 11 (onnxruntime's):
 * ceil on an axis whose scale is below 1, else floor.
 */
export type ResizeNearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

/**
 * Activation functions of the recurrent cells (the list ONNX RNN / GRU / LSTM allow), each with
 * explicit parameters: affine αx+β, leakyRelu (α), thresholdedRelu (α), scaledTanh α·tanh(βx),
 * hardSigmoid clamp(αx+β, 0, 1), elu (α); the others take none.
 */
export type RnnActivation =
  | 'relu'
  | 'tanh'
  | 'sigmoid'
  | 'affine'
  | 'leakyRelu'
  | 'thresholdedRelu'
  | 'scaledTanh'
  | 'hardSigmoid'
  | 'elu'
  | 'softsign'
  | 'softplus';

export type Op =
  /** y = fn(x). Inputs: [x]. */
  | { kind: 'unary'; fn: UnaryFn; alpha: number; beta: number }
  /** y = fn(a, b) with broadcasting. Inputs: [a, b]. Comparison/logic fns output bool. */
  | { kind: 'binary'; fn: BinaryFn }
  /** y = cond ? a : b with broadcasting. Inputs: [cond(bool), a, b]. */
  | { kind: 'where' }
  /** Element type conversion. Inputs: [x]. */
  | { kind: 'cast'; to: DType }
  /**
   * N-d convolution (N = rank - 2). Inputs: [x (N,C,…), w (M,C/group,k…), bias? (M)].
   * `pads` as in the file header; kernel sizes come from w's shape.
   */
  | { kind: 'conv'; strides: number[]; pads: number[]; dilations: number[]; group: number }
  /**
   * N-d transposed convolution. Inputs: [x (N,C,…), w (C,M/group,k…), bias? (M)].
   * `pads` are final (output_shape / auto_pad already resolved into pads and outputPadding).
   */
  | {
      kind: 'convTranspose';
      strides: number[];
      pads: number[];
      dilations: number[];
      group: number;
      outputPadding: number[];
    }
  /** Inference batch norm over axis 1. Inputs: [x, scale, bias, mean, var]. */
  | { kind: 'batchNorm'; epsilon: number }
  /**
   * Max/average pooling over the spatial axes (rank - 2 of them). Inputs: [x].
   * `ceilMode` rounds the output size up (windows starting in the padding are dropped, as ONNX).
   * `indices` (max only; 'none' for avg): a second, int64 output holding where each max came from
   * (ONNX MaxPool's Indices): the (n·C + c) plane's offset plus the spatial position flattened
   * row-major ('rowMajor') or column-major ('colMajor'); the first max in window order wins a
   * tie, and an empty window (all padding) gives -1.
   */
  | {
      kind: 'pool';
      type: 'max' | 'avg';
      kernel: number[];
      strides: number[];
      pads: number[];
      dilations: number[];
      ceilMode: boolean;
      countIncludePad: boolean;
      indices: PoolIndices;
    }
  /**
   * y = alpha · op(a) · op(b) + beta · c, batched over leading dims with broadcasting; op transposes
   * the last two dims when trans* is set; 1-d a or b follow numpy matmul rules (no transposes then).
   * Inputs: [a, b, c?]; c broadcasts to the output. Covers ONNX Gemm and MatMul.
   */
  | { kind: 'matmul'; transA: boolean; transB: boolean; alpha: number; beta: number }
  /** Reduction over `axes` (empty = all axes). Inputs: [x]. */
  | { kind: 'reduce'; fn: ReduceFn; axes: number[]; keepdims: boolean }
  /** Index of the max/min along `axis` (int64 output). Inputs: [x]. */
  | { kind: 'argReduce'; fn: 'max' | 'min'; axis: number; keepdims: boolean; selectLastIndex: boolean }
  /** Softmax (or log-softmax) along one axis (opset-13 semantics; older forms reshape around it). */
  | { kind: 'softmax'; axis: number; log: boolean }
  /** Layer normalization over axes [axis, rank). Inputs: [x, scale, bias?]. */
  | { kind: 'layerNorm'; axis: number; epsilon: number }
  /**
   * Scaled dot-product attention, y = softmax(scale · q·kᵀ + mask) · v, the softmax over keys.
   * Not an ONNX op: src/passes recognizes it from the decomposed MatMul/Softmax/MatMul graph.
   * Inputs: [q, k, v, mask?]; mask is additive, of q's float dtype (−inf hides a key).
   * - heads = 0: q [..., S, D], k [..., T, D], v [..., T, Dv] → y [..., S, Dv], with the same
   *   leading dims on q, k and v; mask broadcasts one way to [..., S, T].
   * - heads = H ≥ 1: the heads are packed in the last dim (the exporters' head split and merge —
   *   reshape [..., S, H, D] + transpose — folded in): q [..., S, H·D], k [..., T, H·D],
   *   v [..., T, H·Dv] → y [..., S, H·Dv]; head h reads and writes columns [h·D, (h+1)·D) (and
   *   [h·Dv, (h+1)·Dv)); mask broadcasts one way to [..., H, S, T].
   */
  | { kind: 'attention'; heads: number; scale: number }
  /** Same data, new shape (resolved: no 0 or -1). Inputs: [x]. Emitted as a view, not a kernel. */
  | { kind: 'reshape'; shape: Dim[] }
  /** Inputs: [x]. */
  | { kind: 'transpose'; perm: number[] }
  /** Inputs: [x0, x1, …]. */
  | { kind: 'concat'; axis: number }
  /**
   * Inputs: [x]. One entry per sliced axis: ONNX starts/ends/steps (may be negative or out of
   * range; clamped against the input dims by shape inference and codegen, as ONNX specifies).
   * starts/ends may be symbolic (an end read from another tensor's shape, e.g. `sequence`); a
   * symbolic start or end must have a known sign (ir/dim-range.ts) so its meaning is decided.
   */
  | { kind: 'slice'; axes: number[]; starts: Dim[]; ends: Dim[]; steps: number[] }
  /** Inputs: [data, indices]. Negative indices count from the end. */
  | { kind: 'gather'; axis: number }
  /** Inputs: [data, indices] (same rank). */
  | { kind: 'gatherElements'; axis: number }
  /**
   * Pads as in the file header but over all axes. Inputs: [x] or [x, value] (a one-element tensor
   * of x's dtype given at run time, which then replaces `value`). A pad may be symbolic (a pads
   * input read at run time); a symbolic pad must be provably ≥ 0 (ir/dim-range.ts).
   */
  | { kind: 'pad'; mode: 'constant' | 'reflect' | 'edge'; pads: Dim[]; value: number }
  /** Broadcast x to `shape` (numpy rules, resolved). Inputs: [x]. */
  | { kind: 'expand'; shape: Dim[] }
  /** Repeat along each axis. Inputs: [x]. */
  | { kind: 'tile'; repeats: number[] }
  /**
   * Resize to `sizes` (one per axis). `scales` are the per-axis scale factors used by the
   * coordinate transform (given or derived as sizes/in as ONNX says), or empty when they are known
   * only at run time. Inputs: [x] or [x, p]. Under tf_crop_and_resize, p is the region of interest
   * (float [2·rank]: starts then ends; without it, the whole input). Otherwise p is the scales
   * (float [rank], read per run; `scales` then empty); with neither, each scale is sizes/in of
   * the bound dims.
   */
  | {
      kind: 'resize';
      mode: 'nearest' | 'linear' | 'cubic';
      coordMode: ResizeCoordMode;
      nearestMode: ResizeNearestMode;
      cubicCoeffA: number;
      excludeOutside: boolean;
      extrapolationValue: number;
      scales: number[];
      sizes: Dim[];
    }
  /** The dims of x as int64, from start to end (ONNX Shape-15 semantics, resolved). Inputs: [x]. */
  | { kind: 'shape'; start: number; end: number }
  /**
   * Cumulative sum along axis. Inputs: [x] or [x, axis]: with a second input (an int32/int64
   * scalar computed at run time, negative counting from the end) the axis comes from its data and
   * the `axis` attribute is ignored (importers write 0). An axis outside [-rank, rank) is an
   * error on the CPU; a GPU kernel cannot raise one, so there it clamps (undefined output).
   */
  | { kind: 'cumSum'; axis: number; exclusive: boolean; reverse: boolean }
  /**
   * Lower (upper=false) or upper triangle with diagonal offset k over the last two dims.
   * Inputs: [x] or [x, k]: with a second input (an int32/int64 scalar computed at run time) k
   * comes from its data and the `k` attribute is ignored (importers write 0).
   */
  | { kind: 'trilu'; upper: boolean; k: number }
  /** int64 [start, limit) by delta; inputs are the scalars [start, limit, delta]. */
  | { kind: 'range' }
  /**
   * [start, start + delta, …] with `length` entries, of `dtype` (ONNX Range whose start and
   * delta are constants and whose limit is symbolic: length = max(0, ⌈(limit − start) / delta⌉),
   * e.g. `arange(sequence)` for position ids). No inputs; output shape [length].
   */
  | { kind: 'arange'; start: number; delta: number; length: Dim; dtype: DType }
  /**
   * One recurrent layer (ONNX RNN, GRU, LSTM) in layout 0 with every optional input present.
   * G = 1 (rnn), 3 (gru, gates z r h), 4 (lstm, gates i o f c); D = 2 when bidirectional, else 1.
   * Inputs: [x (S,B,I), w (D,G·H,I), r (D,G·H,H), b (D,2·G·H), seqLens (B, int32), h0 (D,B,H)],
   * then for lstm [c0 (D,B,H), p (D,3·H)]. Outputs: [y (S,D,B,H), yH (D,B,H)], then yC (D,B,H)
   * for lstm. `activations` lists the cell's functions for each direction in turn (rnn f, gru f g,
   * lstm f g h), with one resolved alpha and beta per entry; `clip` bounds every activation input
   * (Infinity = none). Steps past a batch's sequence length keep its state and write zeros to y.
   */
  | {
      kind: 'rnn';
      cell: 'rnn' | 'gru' | 'lstm';
      direction: 'forward' | 'reverse' | 'bidirectional';
      hiddenSize: number;
      activations: RnnActivation[];
      activationAlpha: number[];
      activationBeta: number[];
      clip: number;
      inputForget: boolean;
      linearBeforeReset: boolean;
    }
  /**
   * out = data with `updates` written along `axis` (ONNX ScatterElements, Scatter): the update at
   * coordinates c lands at c with c[axis] replaced by indices[c] (negative counts from the end).
   * Inputs: [data, indices, updates]; indices and updates share one shape of data's rank.
   * Updates apply in row-major order, so with duplicate targets the last wins for 'none' and
   * reductions combine in that order.
   */
  | { kind: 'scatterElements'; axis: number; reduction: ScatterReduction }
  /**
   * out = data with slices replaced (ONNX ScatterND): indices (…, k) name slices
   * data[i_0, …, i_{k-1}, :, …]; updates have dims indices.dims[:-1] + data.dims[k:].
   * Inputs: [data, indices, updates]. Rows apply in order, as for scatterElements.
   */
  | { kind: 'scatterND'; reduction: ScatterReduction }
  /**
   * ONNX GatherND: out[b…, m…, :] = data[b…, indices[b…, m…, 0..k-1], :] over the first
   * `batchDims` axes shared by data and indices. Inputs: [data, indices (…, k)].
   */
  | { kind: 'gatherND'; batchDims: number }
  /**
   * The k largest (or smallest) elements along `axis` and their int64 indices, in order (ties:
   * lower index first; NaN ranks above every number). Inputs: [x]. Outputs: [values, indices].
   * `sorted` = false leaves the order to the implementation; this one always sorts. k may be
   * symbolic (a K input read at run time); k ≤ the axis length is then a run-time assertion.
   */
  | { kind: 'topK'; axis: number; k: Dim; largest: boolean; sorted: boolean }
  /**
   * Samples x (N, C, D1…Dr) at the points of grid (N, O1…Or, r) → (N, C, O1…Or) (ONNX GridSample).
   * grid[…, 0] is the coordinate along the last axis (x/width), grid[…, r-1] along D1; −1 and 1
   * are the edge pixels' centers (alignCorners) or outer edges. Out-of-range points read zeros,
   * the clamped border or the reflection. `cubic` uses A = −0.75 on 4 taps per axis.
   */
  | {
      kind: 'gridSample';
      mode: 'linear' | 'nearest' | 'cubic';
      padding: 'zeros' | 'border' | 'reflection';
      alignCorners: boolean;
    }
  /**
   * ONNX RoiAlign: for each box r of rois (R, 4) [x1, y1, x2, y2] (scaled by `spatialScale`) on the
   * map of image batchIndices[r] in x (N, C, H, W), an (outputHeight × outputWidth) grid of bins,
   * each the average or max of bilinear samples (samplingRatio per bin and axis; 0 = adaptive).
   * `halfPixel` shifts coordinates by −0.5 (mode half_pixel, else output_half_pixel).
   * Inputs: [x, rois, batchIndices (int64)]. Output (R, C, outputHeight, outputWidth).
   */
  | {
      kind: 'roiAlign';
      mode: 'avg' | 'max';
      outputHeight: number;
      outputWidth: number;
      samplingRatio: number;
      spatialScale: number;
      halfPixel: boolean;
    }
  /** Determinants of the square matrices in the last two dims: x (…, M, M) → (…). Inputs: [x]. */
  | { kind: 'det' }
  /**
   * Discrete Fourier transform along `axis` (ONNX DFT): x (…, n, …, c) with c = 1 (real) or 2
   * (complex) → (…, m, …, 2), the signal zero-padded or cut to `length`;
   * X[k] = Σ_j x[j]·e^{∓2πi·jk/length} (+ and a 1/length scale when `inverse`); m = length, or
   * floor(length/2) + 1 bins when `onesided` (forward only). `axis` is never the last (component)
   * dim. Inputs: [x].
   */
  | { kind: 'dft'; axis: number; length: number; inverse: boolean; onesided: boolean };

/** How a scatter combines an update with the element already at its target (ONNX `reduction`). */
export type ScatterReduction = 'none' | 'add' | 'mul' | 'max' | 'min';

export type OpKind = Op['kind'];

/** Elementwise ops: the ones fusion may chain into one kernel. */
export function isElementwise(op: Op): boolean {
  return op.kind === 'unary' || op.kind === 'binary' || op.kind === 'where' || op.kind === 'cast';
}

/** Ops that only reinterpret their input's buffer (emitted as views, never kernels). */
export function isView(op: Op): boolean {
  return op.kind === 'reshape';
}

/** Comparison and logic binary fns produce bool. */
export function binaryOutputsBool(fn: BinaryFn): boolean {
  switch (fn) {
    case 'equal':
    case 'less':
    case 'lessOrEqual':
    case 'greater':
    case 'greaterOrEqual':
    case 'and':
    case 'or':
    case 'xor':
      return true;
    default:
      return false;
  }
}

/** Unary fns whose output is bool regardless of the input type. */
export function unaryOutputsBool(fn: UnaryFn): boolean {
  return fn === 'isNaN' || fn === 'isInf' || fn === 'not';
}
