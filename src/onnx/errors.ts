/**
 * Errors raised while importing an ONNX model into the IR.
 *
 * Three kinds, so callers (the CLI, tests) can tell them apart without parsing messages:
 * - `UnsupportedOpsError`: the model uses op types (at their opset) that have no importer. Raised
 *   once, before anything is imported, listing every such op with a count and the first node names,
 *   so a user sees the whole gap at once instead of one op per attempt.
 * - `UnsupportedFormError`: a supported op used in a form we do not lower (a non-constant shape
 *   input, a training-only output, a Resize mode without an IR equivalent, …).
 * - `ImportError`: anything else wrong with the model or a node (missing attribute, a node input
 *   defined nowhere, shapes that do not agree). `UnsupportedFormError` is a subclass.
 */

/** One unsupported (domain, op type, opset) combination and where it occurs. */
export interface UnsupportedOp {
  opType: string;
  /** '' for the default ONNX domain. */
  domain: string;
  /** The model's opset for `domain`; undefined when the model imports no opset for it. */
  opset: number | undefined;
  /** Number of nodes using it. */
  count: number;
  /** Names of the nodes using it, in file order (all of them; the message shows the first 3). */
  nodes: string[];
}

/** How an op is named in messages: `TopK (opset 11)` or `FusedConv (com.microsoft opset 1)`. */
export function describeOp(opType: string, domain: string, opset: number | undefined): string {
  const version = opset === undefined ? 'no opset import' : `opset ${opset}`;
  return domain === '' ? `${opType} (${version})` : `${opType} (${domain} ${version})`;
}

export class UnsupportedOpsError extends Error {
  override readonly name = 'UnsupportedOpsError';
  readonly ops: UnsupportedOp[];

  constructor(ops: UnsupportedOp[]) {
    const parts = ops.map((o) => {
      const shown = o.nodes.slice(0, 3).join(', ');
      const more = o.nodes.length > 3 ? ', …' : '';
      return `${describeOp(o.opType, o.domain, o.opset)} ×${o.count}: ${shown}${more}`;
    });
    // The count is of nodes (what must change in the model); each part names one op type.
    const nodes = ops.reduce((n, o) => n + o.count, 0);
    super(`${nodes} unsupported op${nodes === 1 ? '' : 's'}: ${parts.join('; ')}`);
    this.ops = ops;
  }
}

/** A failure importing one node (or the graph, when `nodeName` is undefined). */
export class ImportError extends Error {
  override readonly name: string = 'ImportError';

  constructor(
    message: string,
    readonly nodeName?: string,
    readonly opType?: string,
    options?: { cause?: unknown },
  ) {
    super(nodeName !== undefined && opType !== undefined ? `${opType} '${nodeName}': ${message}` : message, options);
  }
}

/** A supported op used in a form the importer does not lower; `reason` says which form. */
export class UnsupportedFormError extends ImportError {
  override readonly name = 'UnsupportedFormError';

  constructor(
    nodeName: string,
    opType: string,
    readonly reason: string,
  ) {
    super(reason, nodeName, opType);
  }
}

/**
 * Thrown by shared shape helpers when a computation needs a dim that is still a symbol (or a
 * product of symbols the IR cannot name). The import loop reports it as an UnsupportedFormError of
 * the node being imported, whose message suggests binding the symbol.
 */
export class SymbolicDimError extends Error {
  override readonly name = 'SymbolicDimError';
}
