/**
 * Errors the runtime raises for problems a caller can fix, as distinct classes so the CLI (and any
 * application) can tell them from bugs: a bad input to run(), a device too small for the model, and
 * a load that cannot proceed (no WebGPU, missing weights). Each sets `name` so it survives being
 * printed, and none carries anything but a message written for the person running the model.
 *
 * This file is copied into every output folder, so it imports nothing.
 */

/** run() was given inputs that do not match the model: wrong name, dtype, dims or length. */
export class InputValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputValidationError';
  }
}

/**
 * run() was given a value the compiled model cannot take although the ONNX model allows it: an
 * element of a shape-like input (a Reshape target, an Expand shape) that the compiler read as a
 * symbol ≥ 1 is 0 or negative here. An InputValidationError (the caller can fix the run), named
 * apart so tools can tell "this compiled form does not cover that value" from a malformed input.
 */
export class UnsupportedValueError extends InputValidationError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedValueError';
  }
}

/** The device cannot hold the model: a tensor larger than a buffer limit, too many bindings. */
export class DeviceLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceLimitError';
  }
}

/** load() could not get a device, read the weights, or build a pipeline. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}
