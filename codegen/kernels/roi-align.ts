/**
 * RoiAlign: one invocation per output element (box, channel, bin row, bin column). Each
 * recomputes its box's geometry (a dozen flops), then walks its bin's sample grid — a runtime
 * count when samplingRatio is 0, since it then depends on the box size — interpolating each
 * sample bilinearly and averaging, or taking the max of the weighted corner terms.
 *
 * The f32 arithmetic follows the CPU reference (ir/eval/roi-align.ts), which follows
 * onnxruntime, operation by operation, so sample positions truncate to the same pixels. Batch
 * indices are clamped into range (out of range is an error the CPU reference reports).
 *
 * The batch, the channels and the number of boxes may be symbolic (dims table, codegen/dims.ts);
 * the image's height and width enter the f32 sample arithmetic as constants, so they are static.
 */

import { dimMul, dimSub } from '../../ir/dim.js';
import type { KernelGenerator } from '../kernel.js';
import { i32, u32 } from '../dims.js';
import { f32Lit, numelOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

export const generateRoiAlign: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'roiAlign') return unsupported(node, 'not a roiAlign');
  const [x, rois, batchIndices] = node.inputs;
  if (!x || !rois || !batchIndices) return unsupported(node, 'needs inputs [x, rois, batchIndices]');
  const dtype = x.type.dtype;
  if (dtype !== 'float32' && dtype !== 'float16') unsupported(node, `roiAlign needs float data, got ${dtype}`);
  const out = node.outputs[0]!;
  if (numelOf(out) === 0) return [];
  const [batch, channels, height, width] = shapeOf(x);
  if (batch === undefined || channels === undefined || height === undefined || width === undefined) return unsupported(node, 'needs x of rank 4');
  if (typeof height !== 'number' || typeof width !== 'number') return unsupported(node, `x's height and width (${height}, ${width}) must be static`);
  const [oh, ow] = [op.outputHeight, op.outputWidth];
  const h = new WgslHelpers();
  const offset = op.halfPixel ? 0.5 : 0;
  const scale = f32Lit(op.spatialScale);
  const grid = (bin: string) => (op.samplingRatio > 0 ? `${op.samplingRatio}` : `i32(ceil(${bin}))`);

  // One sample: the four corner offsets and weights, zero weights more than a pixel outside.
  const prelude = `struct RoiSample { pos: vec4<u32>, w: vec4<f32> }

fn roiSample(yIn: f32, xIn: f32) -> RoiSample {
  if (yIn < -1.0 || yIn > ${f32Lit(height)} || xIn < -1.0 || xIn > ${f32Lit(width)}) {
    return RoiSample(vec4<u32>(0u), vec4<f32>(0.0));
  }
  var y = max(yIn, 0.0);
  var x = max(xIn, 0.0);
  var yl = i32(y);
  var xl = i32(x);
  var yh = yl + 1;
  var xh = xl + 1;
  if (yl >= ${height - 1}) { yl = ${height - 1}; yh = yl; y = f32(yl); }
  if (xl >= ${width - 1}) { xl = ${width - 1}; xh = xl; x = f32(xl); }
  let ly = y - f32(yl);
  let lx = x - f32(xl);
  let hy = 1.0 - ly;
  let hx = 1.0 - lx;
  let r0 = u32(yl) * ${width}u;
  let r1 = u32(yh) * ${width}u;
  return RoiSample(vec4<u32>(r0 + u32(xl), r0 + u32(xh), r1 + u32(xl), r1 + u32(xh)), vec4<f32>(hy * hx, hy * lx, ly * hx, ly * lx));
}`;

  const accumulate =
    op.mode === 'avg'
      ? 'acc = acc + (t.x + t.y + t.z + t.w);'
      : ['let m = max(max(max(t.x, t.y), t.z), t.w);', 'acc = select(m, max(acc, m), seen);', 'seen = true;'].join('\n    ');
  const result = op.mode === 'avg' ? `acc / f32(max(gridH * gridW, 1))` : 'acc';
  const body = [
    `let pw = idx % ${ow}u;`,
    `let ph = (idx / ${ow}u) % ${oh}u;`,
    `let c = (idx / ${ow * oh}u) % ${u32(channels)};`,
    `let r = idx / ${u32(dimMul(ow * oh, channels))};`,
    `let b = u32(clamp(in2[r], 0, ${typeof batch === 'number' ? batch - 1 : `max(${i32(dimSub(batch, 1))}, 0)`}));`,
    `let startW = in1[r * 4u] * ${scale} - ${f32Lit(offset)};`,
    `let startH = in1[r * 4u + 1u] * ${scale} - ${f32Lit(offset)};`,
    `var roiW = (in1[r * 4u + 2u] * ${scale} - ${f32Lit(offset)}) - startW;`,
    `var roiH = (in1[r * 4u + 3u] * ${scale} - ${f32Lit(offset)}) - startH;`,
    // output_half_pixel widens malformed boxes to 1×1.
    ...(op.halfPixel ? [] : ['roiW = max(roiW, 1.0);', 'roiH = max(roiH, 1.0);']),
    `let binH = roiH / ${f32Lit(oh)};`,
    `let binW = roiW / ${f32Lit(ow)};`,
    `let gridH = ${grid('binH')};`,
    `let gridW = ${grid('binW')};`,
    `let base = (b * ${u32(channels)} + c) * ${height * width}u;`,
    'var acc = 0.0;',
    'var seen = false;',
    'for (var iy = 0; iy < gridH; iy = iy + 1) {',
    '  let y = (startH + f32(ph) * binH) + ((f32(iy) + 0.5) * binH) / f32(gridH);',
    '  for (var ix = 0; ix < gridW; ix = ix + 1) {',
    '    let xx = (startW + f32(pw) * binW) + ((f32(ix) + 0.5) * binW) / f32(gridW);',
    '    let s = roiSample(y, xx);',
    '    let v = vec4<f32>(in0[base + s.pos.x], in0[base + s.pos.y], in0[base + s.pos.z], in0[base + s.pos.w]);',
    '    let t = s.w * v;',
    `    ${accumulate}`,
    '  }',
    '}',
    `out0[idx] = ${dtype === 'float16' ? `${h.use('f16round')}(${result})` : result};`,
  ].join('\n');
  return [
    flatKernel(node, ctx, {
      inputs: [x, rois, batchIndices],
      outputs: [out],
      total: numelOf(out),
      prelude: [prelude, h.render()].filter((p) => p !== '').join('\n\n'),
      body,
    }),
  ];
};
