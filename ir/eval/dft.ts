/**
 * dft on the host: the direct O(n²) sum per bin in float64, with each twiddle factor's angle
 * reduced exactly first — (j·k mod length) / length turns, as integers — so long transforms lose
 * no accuracy to huge arguments of cos and sin. Angles split into quarter turns plus a remainder
 * in [0, π/2) (as the GPU kernel does), so quarter-turn multiples give exact 0 and ±1.
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { dftBins } from '../infer/dft.js';
import { float64Data, fromFloat64, requireFloat, sizeOf } from './tensor.js';

type DftOp = Extract<Op, { kind: 'dft' }>;

export function evalDft(op: DftOp, x: Tensor): Tensor {
  requireFloat(x, 'dft');
  const rank = x.dims.length;
  const c = x.dims[rank - 1]!;
  if ((c !== 1 && c !== 2) || op.axis < 0 || op.axis >= rank - 1) throw new Error(`dft: axis ${op.axis} does not fit x dims [${x.dims.join(', ')}]`);
  const n = x.dims[op.axis]!;
  const outer = sizeOf(x.dims.slice(0, op.axis));
  const inner = sizeOf(x.dims.slice(op.axis + 1, -1));
  const L = op.length;
  const bins = dftBins(op);
  const sign = op.inverse ? 1 : -1;
  const scale = op.inverse ? 1 / L : 1;
  // cos/sin of 2π·m/L for m in [0, L): the twiddle table, by quadrant q and φ = (π/2)·r/L.
  const cos = new Float64Array(L);
  const sin = new Float64Array(L);
  for (let m = 0; m < L; m++) {
    const q = Math.floor((4 * m) / L);
    const phi = (Math.PI / 2) * ((4 * m - q * L) / L);
    const [c, s] = [Math.cos(phi), Math.sin(phi)];
    [cos[m], sin[m]] = q === 0 ? [c, s] : q === 1 ? [-s, c] : q === 2 ? [-c, -s] : [s, -c];
  }
  const xs = float64Data(x);
  const out = new Float64Array(outer * bins * inner * 2);
  const used = Math.min(n, L); // samples past L are cut, missing ones are zeros
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let k = 0; k < bins; k++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < used; j++) {
          const at = ((o * n + j) * inner + i) * c;
          const xr = xs[at]!;
          const xi = c === 2 ? xs[at + 1]! : 0;
          const m = (j * k) % L;
          const s = sign * sin[m]!;
          re += xr * cos[m]! - xi * s;
          im += xr * s + xi * cos[m]!;
        }
        const to = ((o * bins + k) * inner + i) * 2;
        out[to] = re * scale;
        out[to + 1] = im * scale;
      }
    }
  }
  return fromFloat64(x.dtype, [...x.dims.slice(0, op.axis), bins, ...x.dims.slice(op.axis + 1, -1), 2], out);
}
