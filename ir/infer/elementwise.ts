/**
 * Inference for the elementwise ops: unary, binary, where and cast.
 *
 * Shapes follow numpy broadcasting; dtypes follow ONNX's type constraints per function (listed
 * in the two domain tables below), with ONNX's exceptions to "both operands share one type":
 * pow's exponent may be any numeric type, and prelu's slope broadcasts one way, to x.
 */

import type { DType } from '../dtype.js';
import { ONNX_DTYPE_CODES } from '../dtype.js';
import type { TensorType, Value } from '../graph.js';
import type { BinaryFn, Op, UnaryFn } from '../ops.js';
import { binaryOutputsBool, unaryOutputsBool } from '../ops.js';
import type { DTypeClass } from './common.js';
import { arity, broadcast, checkDType, checkUnidirectional, fail, sameDType } from './common.js';

const KNOWN_DTYPES = new Set<DType>(Object.values(ONNX_DTYPE_CODES));

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

/** The dtypes each unary fn accepts (ONNX type constraints of the op it comes from). */
function unaryDomain(fn: UnaryFn): DTypeClass {
  switch (fn) {
    case 'identity':
      return 'any';
    case 'not':
      return 'bool';
    case 'relu':
    case 'neg':
      return 'signed';
    case 'abs':
    case 'sign':
    case 'clip':
      return 'numeric';
    case 'leakyRelu':
    case 'elu':
    case 'selu':
    case 'celu':
    case 'thresholdedRelu':
    case 'sigmoid':
    case 'hardSigmoid':
    case 'hardSwish':
    case 'silu':
    case 'softplus':
    case 'softsign':
    case 'mish':
    case 'gelu':
    case 'shrink':
    case 'tanh':
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'reciprocal':
    case 'erf':
    case 'floor':
    case 'ceil':
    case 'round':
    case 'sin':
    case 'cos':
    case 'tan':
    case 'asin':
    case 'acos':
    case 'atan':
    case 'sinh':
    case 'cosh':
    case 'asinh':
    case 'acosh':
    case 'atanh':
    case 'isNaN':
    case 'isInf':
      return 'float';
    default: {
      const never: never = fn;
      throw new Error(`unknown unary fn '${String(never)}'`);
    }
  }
}

export function inferUnary(op: OpOf<'unary'>, inputs: readonly Value[]): TensorType[] {
  const what = `unary ${op.fn}`;
  const [x] = arity(what, inputs, 1);
  checkDType(what, 'x', x!.dtype, unaryDomain(op.fn));
  return [{ dtype: unaryOutputsBool(op.fn) ? 'bool' : x!.dtype, shape: [...x!.shape] }];
}

/** Operand dtype class, and whether both operands must share the dtype. */
function binaryDomain(fn: BinaryFn): { cls: DTypeClass; same: boolean } {
  switch (fn) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'max':
    case 'min':
    case 'mod':
    case 'fmod':
    case 'prelu':
    case 'less':
    case 'lessOrEqual':
    case 'greater':
    case 'greaterOrEqual':
      return { cls: 'numeric', same: true };
    case 'pow':
      // Pow's base (T) and exponent (T1) are separate type variables in ONNX.
      return { cls: 'numeric', same: false };
    case 'equal':
      return { cls: 'any', same: true };
    case 'and':
    case 'or':
    case 'xor':
      return { cls: 'bool', same: true };
    case 'bitShiftLeft':
    case 'bitShiftRight':
      return { cls: 'unsigned', same: true };
    case 'bitAnd':
    case 'bitOr':
    case 'bitXor':
      return { cls: 'integer', same: true };
    default: {
      const never: never = fn;
      throw new Error(`unknown binary fn '${String(never)}'`);
    }
  }
}

export function inferBinary(op: OpOf<'binary'>, inputs: readonly Value[]): TensorType[] {
  const what = `binary ${op.fn}`;
  const [a, b] = arity(what, inputs, 2) as [TensorType, TensorType];
  const { cls, same } = binaryDomain(op.fn);
  checkDType(what, 'a', a.dtype, cls);
  checkDType(what, 'b', b.dtype, cls);
  if (same) sameDType(what, [a, b], ['a', 'b']);
  const dtype = binaryOutputsBool(op.fn) ? 'bool' : a.dtype;
  if (op.fn === 'prelu') {
    // The slope broadcasts to x, never x to the slope: the output keeps x's shape.
    checkUnidirectional(what, 'slope', b.shape, a.shape);
    return [{ dtype, shape: [...a.shape] }];
  }
  return [{ dtype, shape: broadcast(what, a.shape, b.shape) }];
}

export function inferWhere(inputs: readonly Value[]): TensorType[] {
  const what = 'where';
  const [cond, a, b] = arity(what, inputs, 3) as [TensorType, TensorType, TensorType];
  checkDType(what, 'cond', cond.dtype, 'bool');
  const dtype = sameDType(what, [a, b], ['a', 'b']);
  return [{ dtype, shape: broadcast(what, cond.shape, a.shape, b.shape) }];
}

export function inferCast(op: OpOf<'cast'>, inputs: readonly Value[]): TensorType[] {
  const [x] = arity('cast', inputs, 1);
  if (!KNOWN_DTYPES.has(op.to)) fail('cast', `unknown dtype '${String(op.to)}'`);
  if (op.to === 'string') fail('cast', 'string tensors are not supported');
  return [{ dtype: op.to, shape: [...x!.shape] }];
}
