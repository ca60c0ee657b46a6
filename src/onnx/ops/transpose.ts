/**
 * Axis permutations → IR `transpose` (and `reshape` around it).
 *
 * ONNX: Transpose (opset 1/13/21), DepthToSpace (1/11/13), SpaceToDepth (1/13). Opsets 1 to
 * MAX_OPSET; any element type.
 * - Transpose: `perm` defaults to reversing the axes.
 * - DepthToSpace (blocksize b, mode DCR default, CRD from opset 11) on [N, C, H, W]:
 *     DCR: reshape [N, b, b, C/b², H, W] → transpose [0, 3, 4, 1, 5, 2] → reshape [N, C/b², H·b, W·b]
 *     CRD: reshape [N, C/b², b, b, H, W] → transpose [0, 1, 4, 2, 5, 3] → reshape (same)
 * - SpaceToDepth: reshape [N, C, H/b, b, W/b, b] → transpose [0, 3, 5, 1, 2, 4]
 *     → reshape [N, C·b², H/b, W/b]
 * C, H and W must be static (the products have no symbolic form); N may be a symbol.
 */

import type { Dim } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, iota, staticDim } from './common.js';

function transpose(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  const perm = ctx.getInts('perm', iota(x.rank).reverse());
  if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    ctx.fail(`perm [${perm.join(', ')}] is not a permutation of the ${x.rank} axes`);
  }
  if (perm.every((p, i) => p === i)) return [x];
  return [ctx.addOut1({ kind: 'transpose', perm }, [x])];
}

/** [N, C, H, W] with C, H, W static, for the depth/space rearrangements. */
function readNCHW(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  if (x.rank !== 4) ctx.fail(`input must be 4-d [N, C, H, W], got rank ${x.rank}`);
  const b = ctx.getInt('blocksize');
  if (b < 1) ctx.fail(`blocksize must be ≥ 1, got ${b}`);
  const [n, c, h, w] = x.type.shape as [Dim, Dim, Dim, Dim];
  const what = `${ctx.opType} with blocksize ${b}`;
  return { x, b, n, c: staticDim(c, what), h: staticDim(h, what), w: staticDim(w, what) };
}

function depthToSpace(ctx: ImportContext) {
  const { x, b, n, c, h, w } = readNCHW(ctx);
  if (c % (b * b) !== 0) ctx.fail(`channels ${c} are not divisible by blocksize² = ${b * b}`);
  const mode = ctx.opset >= 11 ? ctx.getString('mode', 'DCR') : 'DCR';
  if (mode !== 'DCR' && mode !== 'CRD') ctx.fail(`mode '${mode}' is not DCR or CRD`);
  const cOut = c / (b * b);
  const split: Dim[] = mode === 'DCR' ? [n, b, b, cOut, h, w] : [n, cOut, b, b, h, w];
  const perm = mode === 'DCR' ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3];
  const s = ctx.add1({ kind: 'reshape', shape: split }, [x]);
  const t = ctx.add1({ kind: 'transpose', perm }, [s]);
  return [ctx.addOut1({ kind: 'reshape', shape: [n, cOut, h * b, w * b] }, [t])];
}

function spaceToDepth(ctx: ImportContext) {
  const { x, b, n, c, h, w } = readNCHW(ctx);
  if (h % b !== 0 || w % b !== 0) ctx.fail(`spatial dims ${h}×${w} are not divisible by blocksize ${b}`);
  const s = ctx.add1({ kind: 'reshape', shape: [n, c, h / b, b, w / b, b] }, [x]);
  const t = ctx.add1({ kind: 'transpose', perm: [0, 3, 5, 1, 2, 4] }, [s]);
  return [ctx.addOut1({ kind: 'reshape', shape: [n, c * b * b, h / b, w / b] }, [t])];
}

export const transposeImporters: OpImporter[] = [
  importer('Transpose', transpose, 1),
  importer('DepthToSpace', depthToSpace, 1),
  importer('SpaceToDepth', spaceToDepth, 1),
];
