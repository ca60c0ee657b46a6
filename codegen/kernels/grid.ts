/**
 * Workgroup grids for the tiled anchor kernels (matmul, conv, pool): a kernel asks for a 3-d grid
 * of workgroups (x: column tiles, y: row tiles, z: batch) and gets back the dispatch size plus the
 * WGSL that binds `wg: vec3<u32>` to its workgroup's grid coordinates.
 *
 * WebGPU caps each dispatch dimension (65535 by default). When the requested grid fits, it is
 * dispatched as is; otherwise the grid is linearized and re-split over x and y so no dimension
 * exceeds the cap, and the shader decodes the linear index back (a few integer ops once per
 * invocation, nothing per element).
 */

export interface Grid {
  workgroups: [number, number, number];
  /** WGSL statements (inside `main`) defining `wg: vec3<u32>`; may `return` for padding groups. */
  prologue: string;
}

/** The `main` parameter list every grid-using kernel declares (the prologue reads these names). */
export const GRID_BUILTINS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>';

export function gridFor(counts: [number, number, number], maxPerDim: number): Grid {
  const [gx, gy, gz] = counts.map((c) => Math.max(1, c)) as [number, number, number];
  if (gx <= maxPerDim && gy <= maxPerDim && gz <= maxPerDim) {
    return { workgroups: [gx, gy, gz], prologue: 'let wg = wid;' };
  }
  const total = gx * gy * gz;
  const dy = Math.ceil(total / maxPerDim);
  const dx = Math.ceil(total / dy);
  if (dy > maxPerDim) throw new Error(`grid ${counts.join('×')} needs more than ${maxPerDim}² workgroups`);
  return {
    workgroups: [dx, dy, 1],
    prologue: [
      `let lin = wid.x + wid.y * ${dx}u;`,
      `if (lin >= ${total}u) { return; }`,
      `let wg = vec3<u32>(lin % ${gx}u, (lin / ${gx}u) % ${gy}u, lin / ${gx * gy}u);`,
    ].join('\n  '),
  };
}

/** Throws unless every value is float (f32 on the GPU): the heavy kernels compute in f32 only. */
export function requireFloat(kind: string, nodeName: string, dtypes: string[]): void {
  for (const d of dtypes) {
    if (d !== 'float32' && d !== 'float16') {
      throw new Error(`${kind} '${nodeName}': dtype ${d} is not supported on the GPU (float32/float16 only)`);
    }
  }
}

/**
 * A loop bound the shader compiler cannot see through. lavapipe (NIR + LLVM) fully unrolls loops
 * with small constant trip counts; on these register-blocked bodies that multiplies compile time
 * (measured: a 13×20×20 matmul kernel took 1.8 s of CPU to compile with its 5-iteration k loop
 * unrolled, 0.35 s without) for no measurable speed-up. Adding a term that is always 0 — `id` is a
 * workgroup or invocation id, far below 2^31 — but not provably so keeps the loop a loop.
 */
export function opaqueBound(n: number, id: string, type: 'u32' | 'i32' = 'u32'): string {
  return type === 'u32' ? `(${n}u + (${id} >> 31u))` : `(${n}i + i32(${id} >> 31u))`;
}
