/**
 * `profile --out report.html`: one self-contained HTML file (inline SVG and CSS, no scripts, no
 * network) with the run's summary, a horizontal bar chart of GPU time per op kind, one of time per
 * kernel (slowest first, colored by op, achieved GFLOP/s and GB/s in each bar's label and
 * tooltip), and the full kernel table.
 */

import type { KernelProfile, ProfileResult } from './profile.js';

/** "1.23 G", "45.6 M", "789 k" — for FLOPs and bytes. */
export function si(x: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) if (Math.abs(x) >= v) return `${(x / v).toPrecision(3)} ${u}`;
  return `${Number.isInteger(x) ? x : x.toPrecision(3)} `;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A stable color per op label (hue from a string hash), so one op looks the same in both charts. */
function colorOf(op: string): string {
  let h = 0;
  for (const ch of op) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360}, 60%, 55%)`;
}

interface Bar {
  label: string;
  value: number;
  color: string;
  /** Right of the bar. */
  note: string;
  tooltip: string;
}

/** A horizontal bar chart: one row per bar, labels on the left, widths scaled to the largest. */
function barChart(bars: readonly Bar[], title: string): string {
  const row = 18;
  const labelW = 300;
  const barW = 520;
  const noteW = 260;
  const top = 26;
  const height = top + bars.length * row + 8;
  const max = Math.max(1e-12, ...bars.map((b) => b.value));
  const parts = bars.map((b, i) => {
    const y = top + i * row;
    const w = Math.max(1, (b.value / max) * barW);
    const label = b.label.length > 44 ? `…${b.label.slice(-43)}` : b.label;
    return (
      `<g><title>${esc(b.tooltip)}</title>` +
      `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(label)}</text>` +
      `<rect x="${labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 4}" fill="${b.color}"/>` +
      `<text x="${labelW + w + 6}" y="${y + 13}">${esc(b.note)}</text></g>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + noteW}" height="${height}" font-family="sans-serif" font-size="11">` +
    `<text x="0" y="16" font-size="14" font-weight="bold">${esc(title)}</text>${parts.join('')}</svg>`
  );
}

function kernelNote(k: KernelProfile): string {
  const rate = k.gflops === null ? '' : `, ${k.gflops.toFixed(2)} GFLOP/s`;
  return `${k.ms.toFixed(3)} ms${rate}, ${k.gbps.toFixed(2)} GB/s`;
}

export function renderProfileHtml(r: ProfileResult): string {
  const opBars: Bar[] = r.ops.map((o) => ({
    label: o.op,
    value: o.ms,
    color: colorOf(o.op),
    note: `${o.ms.toFixed(3)} ms (${(100 * o.share).toFixed(1)}%), ${o.kernels} kernel${o.kernels === 1 ? '' : 's'}`,
    tooltip: `${o.op}: ${o.kernels} kernels, ${o.ms.toFixed(3)} ms`,
  }));
  const kernelBars: Bar[] = r.kernels.map((k) => ({
    label: k.name,
    value: k.ms,
    color: colorOf(k.op),
    note: kernelNote(k),
    tooltip: `${k.name} (${k.op}): ${kernelNote(k)}; ${k.flops === null ? '?' : si(k.flops)}FLOP, ${si(k.bytes)}B`,
  }));
  const rows = r.kernels
    .map(
      (k, i) =>
        `<tr><td>${i + 1}</td><td>${esc(k.name)}</td><td>${esc(k.op)}</td><td>${k.ms.toFixed(3)}</td><td>${(100 * k.share).toFixed(1)}</td>` +
        `<td>${k.flops === null ? '?' : si(k.flops)}</td><td>${k.gflops === null ? '?' : k.gflops.toFixed(2)}</td>` +
        `<td>${si(k.bytes)}B</td><td>${k.gbps.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  const dims = Object.entries(r.dims)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>onnx-wgsl profile: ${esc(r.model)}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; font-size: 12px; }
td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: right; }
td:nth-child(2), td:nth-child(3), th:nth-child(2), th:nth-child(3) { text-align: left; }
</style></head><body>
<h1>Profile of ${esc(r.model)}</h1>
<p>Adapter: ${esc(r.adapter)}${dims ? `; dims ${esc(dims)}` : ''}. Median of ${r.runs} runs after ${r.warmup} warm-up runs.</p>
<p>${r.kernels.length} kernels, summed kernel time ${r.kernelSumMs.toFixed(3)} ms; GPU span ${r.gpuSpan.median.toFixed(3)} ms;
end to end ${r.e2e.median.toFixed(3)} ms (each kernel in its own pass). Estimated ${si(r.flops)}FLOP and ${si(r.bytes)}B bound per inference.
FLOPs: conv/matmul/attention 2 per multiply-add, elementwise 1 per element; bytes: the kernel's input and output bindings.</p>
${barChart(opBars, 'GPU time by op')}
${barChart(kernelBars, 'GPU time by kernel')}
<h2>Kernels</h2>
<table><tr><th>#</th><th>kernel</th><th>op</th><th>ms</th><th>%</th><th>FLOP</th><th>GFLOP/s</th><th>bytes</th><th>GB/s</th></tr>
${rows}
</table>
</body></html>
`;
}
