/**
 * Errors of the ONNX decoder. Code deep in the decoder (a tensor, an attribute, an external data
 * file) does not know which file it is reading, so it throws a `DecodeProblem` carrying only the
 * specific detail and its kind; `decodeModel` catches it once and turns it into the public
 * `OnnxDecodeError` whose message names the model: "m.onnx is not a valid ONNX model: …" for
 * malformed data, "m.onnx: …" for valid data this compiler cannot represent or a missing file.
 */

/** The one error type `decodeModel` / `loadModelFile` throw. */
export class OnnxDecodeError extends Error {
  override name = 'OnnxDecodeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * - invalid: the bytes break the ONNX format (truncated, bad lengths, missing required parts).
 * - unsupported: valid ONNX the decoder cannot represent (bfloat16 tensors, segmented tensors).
 * - io: a file the model refers to cannot be read.
 */
export type DecodeProblemKind = 'invalid' | 'unsupported' | 'io';

/** Internal: thrown inside the decoder, rewrapped by `decodeModel` with the model's name. */
export class DecodeProblem extends Error {
  constructor(
    readonly detail: string,
    readonly kind: DecodeProblemKind = 'invalid',
  ) {
    super(detail);
  }
}

/** Shorthand for throwing an 'invalid' problem from expression position. */
export function invalid(detail: string): never {
  throw new DecodeProblem(detail, 'invalid');
}

/** The public error for a problem, prefixed with the model's name. */
export function toDecodeError(modelName: string, problem: DecodeProblem): OnnxDecodeError {
  const message =
    problem.kind === 'invalid'
      ? `${modelName} is not a valid ONNX model: ${problem.detail}`
      : `${modelName}: ${problem.detail}`;
  return new OnnxDecodeError(message, { cause: problem });
}
