/**
 * The register-blocked GEMM emitter shared by matmul and the 1×1 convolution: each invocation
 * computes a `rows × cols` block of one output matrix, reading A and B straight from storage (no
 * workgroup memory) and keeping the block's accumulators in registers.
 *
 * Why no workgroup memory: lavapipe (and other CPU-backed WebGPU) runs each workgroup on one CPU
 * thread with invocations in SIMD lanes, so barriers and workgroup-memory staging are pure
 * overhead there; measured on a 1024³ f32 matmul, a workgroup-memory tiled kernel ran 1.5 GFLOP/s
 * against 5 GFLOP/s for register blocking. On discrete GPUs the same kernel is reasonable (the
 * caches do the staging), and the tiling is a parameter (`GemmTiling`) so a tuner can choose per
 * adapter.
 *
 * Edge handling without per-iteration checks: the row and column addresses an invocation reads
 * are clamped once into range (out-of-range rows/columns recompute a valid one and are simply not
 * stored), and a K that is not a multiple of 4 gets a scalar tail loop. Vector (vec4) loads are
 * used along whichever axis an operand is contiguous in, when that axis and every base offset
 * are multiples of 4.
 *
 * The caller owns bindings, per-batch base offsets and the final store, so the store stays one
 * place (`store(m, n, acc)`) where a fused epilogue can later be injected.
 *
 * Where the loads go on lavapipe (Mesa 25, checked in its generated code): a storage load whose
 * address is not a constant is a per-lane loop with a bounds check per component, even when every
 * lane reads the same address (addresses from workgroup ids or the k loop are not known to be
 * uniform there), and those loops are about 90% of a 1024³ GEMM's time (the same kernel with its
 * loads replaced by arithmetic runs ~9× faster). So the plain form, where every lane of a row of
 * invocations loads the same A rows, loads each A element once per lane. The subgroup-rows form
 * (`GemmTiling.subgroupRows`, `planSharedRows`) loads each once per subgroup and broadcasts it:
 * about half the time at 1024³. It needs the `subgroups` feature, which the compiler cannot assume
 * for an unknown target, so the tuner offers it (on an adapter with subgroups of 8+ lanes) and
 * the runtime requests the feature for plans whose shaders enable it.
 *
 * Symbolic sizes (M = batch·sequence rows, a symbolic batch count, a sequence-long N or K in
 * attention): the block shape is a compile-time choice, so it comes from the static sizes and an
 * assumed size for symbolic ones (`SYMBOLIC_EXTENT`), never from a symbol's value. A symbolic
 * extent becomes a read of the dims table in the clamps, loop bounds and store guards; vec4 loads
 * along an axis need that axis to be provably a multiple of 4 (e.g. `4*sequence`), else they
 * are scalar; a symbolic K runs the 4-step loop to 4·⌊K/4⌋ and a tail loop after it.
 */

import { dimCeilDiv, dimFloorDiv, dimMod, dimSub, type Dim } from '../../ir/dim.js';
import { u32 } from '../dims.js';
import { GRID_BUILTINS, gridFor, opaqueBound } from './grid.js';

export interface GemmTiling {
  /** Output rows (M) per invocation. */
  rows: number;
  /** Output columns (N) per invocation. */
  cols: number;
  /** Workgroup shape: x spans column tiles, y spans row tiles. */
  wgX: number;
  wgY: number;
  /** Use vec4 loads where an operand's layout and alignment allow it. */
  vec4: boolean;
  /**
   * Share A's rows across the subgroup (WGSL `subgroups`): lane s loads one row's vec4 of k-steps
   * and every lane takes the block's rows from their loading lanes with `subgroupBroadcast`, so a
   * row is read from storage once per subgroup instead of once per lane. Needs a device with the
   * `subgroups` feature and a minimum subgroup size of at least 8 (see `subgroupFormApplies`);
   * where the layout does not allow it the plain form is emitted.
   */
  subgroupRows?: boolean;
}

/** How one operand is stored: a row-major 2-d matrix per batch, possibly transposed. */
export interface GemmOperand {
  /** WGSL storage variable. */
  name: string;
  /** True when consecutive k are adjacent (A not transposed; B transposed). */
  kContiguous: boolean;
  /** Elements between consecutive stored rows (the leading dimension). */
  ld: Dim;
  /** True when every per-batch base offset is a multiple of 4 elements. */
  baseAligned4: boolean;
  /**
   * A factor per k applied to this operand as it is loaded (only for a k-contiguous operand):
   * the WGSL f32 expression for k-step `k` (a u32 expression). Folds a per-input-channel scale
   * of a 1×1 conv's input (squeeze-excitation) into its weights, once per k-step and row.
   */
  kScale?: (k: string) => string;
}

export interface GemmSpec {
  M: Dim;
  N: Dim;
  K: Dim;
  /** Number of independent products (the z dimension of the grid). */
  batch: Dim;
  a: GemmOperand;
  b: GemmOperand;
  /** Declarations before `main`; `aVec4`/`bVec4` say whether A/B must be `array<vec4<f32>>`. */
  declarations(aVec4: boolean, bVec4: boolean): string;
  /** WGSL statements using `bz: u32` (batch index) that define u32 `aBase`, `bBase` and whatever `store` reads. */
  batchPrologue: string;
  /** WGSL statements that write output element (m, n) (u32 expressions) with accumulated value `acc` (f32). */
  store(m: string, n: string, acc: string): string;
  /**
   * Emit `store` once, in a loop over the block, instead of once per element: for big stores (a
   * fused epilogue writing several values), whose unrolled copies multiply shader compile time.
   */
  loopedStore?: boolean;
}

/**
 * The size tiling heuristics assume for a symbolic extent: big enough that a symbolic M gets full
 * row blocks (a transformer's batch·sequence rows), so that the choice rests on the static sizes.
 */
export const SYMBOLIC_EXTENT = 256;

/** Whether `d` is a multiple of 4 for every value of its symbols. */
export function multipleOf4(d: Dim): boolean {
  return dimMod(d, 4) === 0;
}

/**
 * A reasonable tiling without measurements; a tuner may replace it per device. Symbolic sizes
 * count as `SYMBOLIC_EXTENT`: the tiling never depends on a symbol's value.
 */
export function defaultGemmTiling(Md: Dim, Nd: Dim, Kd: Dim): GemmTiling {
  const [M, N, K] = [Md, Nd, Kd].map((d) => (typeof d === 'number' ? d : SYMBOLIC_EXTENT)) as [number, number, number];
  // Thin products (matrix-vector, e.g. a classifier's last layer) spend the row blocking on
  // clamped duplicate rows, so give those lanes columns instead. Measured on lavapipe at 1024³:
  // 4×4 blocks 13 GFLOP/s, 4×8 about 10% faster but twice as slow to compile (about 1 s), so the
  // wider block is kept for products big enough for it to matter.
  const rows = M >= 4 ? 4 : M >= 2 ? 2 : 1;
  const big = M * N * K >= 1 << 24;
  const cols = N >= 8 && (M < 4 || big) ? 8 : 4;
  // 64 invocations per workgroup; fewer rows of tiles than 8 go to x so lanes are not idle.
  const tilesM = Math.ceil(M / rows);
  let wgY = 8;
  while (wgY > 1 && wgY / 2 >= tilesM) wgY /= 2;
  return { rows, cols, wgX: 64 / wgY, wgY, vec4: true };
}

/**
 * The subgroup-rows tiling for a product big enough to gain from it, on a device whose subgroups
 * have at least 8 lanes (`subgroupMinSize`), else undefined. The caller still checks that the
 * operands' layout allows the form (`subgroupFormApplies`). Measured on lavapipe (process CPU
 * per 1024³ product, a loaded 2-core host): 24×4 rows×cols in 8-lane workgroups 190–240 ms,
 * 16×4 240–340 ms, the best plain tiling 580–630 ms; 24-row blocks waste clamped rows on short
 * M, so shorter products take 16.
 */
export function defaultSubgroupTiling(Md: Dim, Nd: Dim, Kd: Dim, subgroupMinSize: number | undefined): GemmTiling | undefined {
  if ((subgroupMinSize ?? 0) < SUBGROUP_ROW_LANES) return undefined;
  const [M, N, K] = [Md, Nd, Kd].map((d) => (typeof d === 'number' ? d : SYMBOLIC_EXTENT)) as [number, number, number];
  if (M < 16 || N < 4 || M * N * K < 1 << 21) return undefined;
  return { rows: M >= 96 ? 24 : 16, cols: 4, wgX: 8, wgY: 1, vec4: true, subgroupRows: true };
}

const LANES = ['x', 'y', 'z', 'w'];

/** One operand's addressing: what to declare once per invocation and how to load per k-step. */
interface OperandPlan {
  vec4: boolean;
  /** Statements defining the per-invocation base pointers. */
  setup: string[];
  /** Statements loading the values for k-steps `k + 0 .. k + span - 1`. */
  loads(k: string, span: number): string[];
  /** The scalar value of this operand at tile index t (row or col) and k-step kk. */
  at(t: number, kk: number): string;
  /** When loads are vec4 along the tile axis: the vec4 for tile group q at k-step kk. */
  vecAt?(q: number, kk: number): string;
}

/**
 * Plans loads of an operand whose tile axis (M for A, N for B) has `tiles` entries starting at
 * `t0`, and whose full extent along that axis is `extent`.
 */
function planOperand(op: GemmOperand, tag: string, base: string, t0: string, tiles: number, extent: Dim, K: Dim, tiling: GemmTiling): OperandPlan {
  const { name, ld, kContiguous } = op;
  const last = u32(dimSub(extent, 1));
  if (kContiguous) {
    // Element (t, k) at base + t*ld + k: contiguous along k, so vec4 loads cover 4 k-steps.
    const vec4 = tiling.vec4 && op.baseAligned4 && multipleOf4(ld) && multipleOf4(K);
    const setup = Array.from({ length: tiles }, (_, t) => {
      const row = `(${base} + min(${t0} + ${t}u, ${last}) * ${u32(ld)})`;
      return vec4 ? `let p${tag}${t} = ${row} / 4u;` : `let p${tag}${t} = ${row};`;
    });
    return {
      vec4,
      setup,
      loads: (k, span) => {
        const out: string[] = [];
        const ks = (kk: number) => op.kScale!(kk === 0 ? k : `${k} + ${kk}u`);
        const scaled = (kk?: number) => (!op.kScale ? '' : kk === undefined ? ` * ${tag}_s` : ` * ${tag}_s${kk}`);
        if (op.kScale && vec4) out.push(`let ${tag}_s = vec4<f32>(${[0, 1, 2, 3].map(ks).join(', ')});`);
        if (op.kScale && !vec4) for (let kk = 0; kk < span; kk++) out.push(`let ${tag}_s${kk} = ${ks(kk)};`);
        for (let t = 0; t < tiles; t++) {
          if (vec4) out.push(`let ${tag}${t} = ${name}[p${tag}${t} + ${k} / 4u]${scaled()};`);
          else for (let kk = 0; kk < span; kk++) out.push(`let ${tag}${t}_${kk} = ${name}[p${tag}${t} + ${k} + ${kk}u]${scaled(kk)};`);
        }
        return out;
      },
      at: (t, kk) => (vec4 ? `${tag}${t}.${LANES[kk]}` : `${tag}${t}_${kk}`),
    };
  }
  if (op.kScale) throw new Error(`GEMM operand '${name}': a per-k scale needs k-contiguous storage`);
  // Element (t, k) at base + k*ld + t: contiguous along the tile axis, so vec4 loads cover 4 tiles.
  const vec4 = tiling.vec4 && op.baseAligned4 && multipleOf4(ld) && multipleOf4(extent) && tiles % 4 === 0;
  if (vec4) {
    const groups = tiles / 4;
    return {
      vec4,
      setup: Array.from({ length: groups }, (_, q) => `let p${tag}${q} = (${base} + min(${t0} + ${4 * q}u, ${u32(dimSub(extent, 4))})) / 4u;`),
      loads: (k, span) => {
        const out: string[] = [];
        for (let kk = 0; kk < span; kk++) {
          for (let q = 0; q < groups; q++) out.push(`let ${tag}${q}_${kk} = ${name}[p${tag}${q} + (${k} + ${kk}u) * ${u32(dimFloorDiv(ld, 4))}];`);
        }
        return out;
      },
      at: (t, kk) => `${tag}${Math.floor(t / 4)}_${kk}.${LANES[t % 4]}`,
      vecAt: (q, kk) => `${tag}${q}_${kk}`,
    };
  }
  return {
    vec4,
    setup: Array.from({ length: tiles }, (_, t) => `let p${tag}${t} = ${base} + min(${t0} + ${t}u, ${last});`),
    loads: (k, span) => {
      const out: string[] = [];
      for (let kk = 0; kk < span; kk++) {
        for (let t = 0; t < tiles; t++) out.push(`let ${tag}${t}_${kk} = ${name}[p${tag}${t} + (${k} + ${kk}u) * ${u32(ld)}];`);
      }
      return out;
    },
    at: (t, kk) => `${tag}${t}_${kk}`,
  };
}

/**
 * A's rows in the subgroup-rows form (`subgroupFormApplies`): lane s of the subgroup loads row
 * `r0 + 8g + s % 8` (clamped) as a vec4 of k-steps, once per group g of 8 rows, and row t comes from
 * lane t % 8 of group ⌊t/8⌋ by `subgroupBroadcast`. On lavapipe a load whose address differs per
 * lane is a per-lane loop with bounds checks; the plain form has every lane load the same rows,
 * so this cuts A's loads by the lane count (measured at 1024³: about twice the GEMM speed).
 */
function planSharedRows(op: GemmOperand, tiles: number, extent: Dim): OperandPlan {
  const groups = Math.ceil(tiles / SUBGROUP_ROW_LANES);
  const last = u32(dimSub(extent, 1));
  return {
    vec4: true,
    setup: Array.from(
      { length: groups },
      (_, g) => `let pa${g} = (aBase + min(r0 + ${SUBGROUP_ROW_LANES * g}u + sgLane % ${SUBGROUP_ROW_LANES}u, ${last}) * ${u32(op.ld)}) / 4u;`,
    ),
    loads: (k) => [
      ...Array.from({ length: groups }, (_, g) => `let as${g} = ${op.name}[pa${g} + ${k} / 4u];`),
      ...Array.from({ length: tiles }, (_, t) => `let a${t} = subgroupBroadcast(as${Math.floor(t / SUBGROUP_ROW_LANES)}, ${t % SUBGROUP_ROW_LANES}u);`),
    ],
    at: (t, kk) => `a${t}.${LANES[kk]}`,
  };
}

export interface EmittedGemm {
  wgsl: string;
  workgroups: [Dim, Dim, Dim];
  /**
   * For the subgroup-rows form: the same product in the default plain tiling, which the runtime
   * uses on a device without subgroups of 8+ lanes (codegen/kernel.ts Kernel.fallback).
   */
  fallback?: { wgsl: string; workgroups: [Dim, Dim, Dim] };
}

/** Lanes of a subgroup that load A's rows in the subgroup-rows form (one row each, vec4 along k). */
export const SUBGROUP_ROW_LANES = 8;

/**
 * Whether the subgroup-rows form applies to this product and tiling: A read as vec4 along k (so
 * one lane's load covers four k-steps of a row), a workgroup that is one row of invocations
 * (every lane of a subgroup then shares the block's rows) whose width is a multiple of 8 (the
 * first 8 lanes of every subgroup exist, given a subgroup size of at least 8), and no per-k scale.
 */
export function subgroupFormApplies(spec: Pick<GemmSpec, 'a' | 'K'>, tiling: GemmTiling): boolean {
  const { a, K } = spec;
  const aVec4 = tiling.vec4 && a.kContiguous && a.baseAligned4 && multipleOf4(a.ld) && multipleOf4(K);
  return !!tiling.subgroupRows && aVec4 && !a.kScale && tiling.wgY === 1 && tiling.wgX % SUBGROUP_ROW_LANES === 0;
}

export function emitGemm(spec: GemmSpec, tiling: GemmTiling, maxPerDim: number): EmittedGemm {
  const { M, N, K } = spec;
  const { rows: TM, cols: TN, wgX, wgY } = tiling;
  if (TM < 1 || TN < 1 || wgX < 1 || wgY < 1) throw new Error(`invalid GEMM tiling ${JSON.stringify(tiling)}`);
  const tilesM = dimCeilDiv(M, TM);
  const tilesN = dimCeilDiv(N, TN);
  const grid = gridFor([dimCeilDiv(tilesN, wgX), dimCeilDiv(tilesM, wgY), spec.batch], maxPerDim);

  const shared = subgroupFormApplies(spec, tiling);
  const A = shared ? planSharedRows(spec.a, TM, M) : planOperand(spec.a, 'a', 'aBase', 'r0', TM, M, K, tiling);
  const B = planOperand(spec.b, 'b', 'bBase', 'c0', TN, N, K, tiling);

  // Accumulators are vec4 over columns when the column block allows it (fewer WGSL statements,
  // and B's vec4 loads feed them directly); scalar otherwise.
  const vecAcc = TN % 4 === 0;
  const groupsN = vecAcc ? TN / 4 : TN;
  const accType = vecAcc ? 'vec4<f32>' : 'f32';
  const bVec = (kk: number, q: number): string =>
    !vecAcc ? B.at(q, kk) : B.vecAt ? B.vecAt(q, kk) : `vec4<f32>(${[0, 1, 2, 3].map((l) => B.at(4 * q + l, kk)).join(', ')})`;
  const fmas = (span: number): string[] => {
    const out: string[] = [];
    for (let kk = 0; kk < span; kk++) {
      for (let i = 0; i < TM; i++) {
        for (let q = 0; q < groupsN; q++) {
          const a = vecAcc ? `vec4<f32>(${A.at(i, kk)})` : A.at(i, kk);
          out.push(`acc${i}_${q} = fma(${a}, ${bVec(kk, q)}, acc${i}_${q});`);
        }
      }
    }
    return out;
  };

  // K4 = 4·⌊K/4⌋ (for a symbolic K, `K4 !== K` unless K is provably a multiple of 4).
  const K4 = dimSub(K, dimMod(K, 4));
  const body: string[] = [
    ...A.setup,
    ...B.setup,
    ...Array.from({ length: TM * groupsN }, (_, x) => `var acc${Math.floor(x / groupsN)}_${x % groupsN} = ${accType}(0.0);`),
  ];
  if (K4 !== 0) {
    body.push(`for (var k = 0u; k < ${opaqueBound(K4, 'wid.x')}; k += 4u) {`);
    body.push(...[...A.loads('k', 4), ...B.loads('k', 4), ...fmas(4)].map((s) => `  ${s}`));
    body.push('}');
  }
  if (K4 !== K) {
    // The k tail: vec4-along-k loads never get here (they require K % 4 == 0).
    body.push(`for (var k = ${u32(K4)}; k < ${opaqueBound(K, 'wid.x')}; k++) {`);
    body.push(...[...A.loads('k', 1), ...B.loads('k', 1), ...fmas(1)].map((s) => `  ${s}`));
    body.push('}');
  }
  const storeStart = body.length;
  if (spec.loopedStore) {
    const accs = Array.from({ length: TM * groupsN }, (_, x) => `acc${Math.floor(x / groupsN)}_${x % groupsN}`);
    body.push(`var res = array<${accType}, ${TM * groupsN}>(${accs.join(', ')});`);
    body.push(`for (var t = 0u; t < ${opaqueBound(TM * TN, 'wid.x')}; t++) {`);
    body.push(`  let i = t / ${TN}u;`, `  let j = t % ${TN}u;`);
    const acc = vecAcc ? `res[i * ${groupsN}u + j / 4u][j % 4u]` : `res[i * ${TN}u + j]`;
    body.push(`  if (r0 + i < ${u32(M)} && c0 + j < ${u32(N)}) {`);
    body.push(`    ${spec.store('(r0 + i)', '(c0 + j)', acc).split('\n').join('\n    ')}`);
    body.push('  }', '}');
  } else {
    for (let i = 0; i < TM; i++) {
      body.push(`if (r0 + ${i}u < ${u32(M)}) {`);
      for (let j = 0; j < TN; j++) {
        const acc = vecAcc ? `acc${i}_${Math.floor(j / 4)}.${LANES[j % 4]}` : `acc${i}_${j}`;
        body.push(`  if (c0 + ${j}u < ${u32(N)}) { ${spec.store(`(r0 + ${i}u)`, `(c0 + ${j}u)`, acc)} }`);
      }
      body.push('}');
    }
  }

  // The subgroup form keeps every lane running to the end (a broadcast reads its source lane, which
  // must not have returned): out-of-range tiles compute a clamped tile and skip only the stores.
  const tileRange = `tcRaw < ${u32(tilesN)} && trRaw < ${u32(tilesM)}`;
  const entry = shared
    ? [`let live = ${tileRange};`, `let tc = min(tcRaw, ${u32(dimSub(tilesN, 1))});`, `let tr = min(trRaw, ${u32(dimSub(tilesM, 1))});`]
    : [`if (tcRaw >= ${u32(tilesN)} || trRaw >= ${u32(tilesM)}) { return; }`, 'let tc = tcRaw;', 'let tr = trRaw;'];
  const stores = shared ? [`if (live) {`, ...body.splice(storeStart).map((l) => `  ${l}`), '}'] : [];
  const wgsl = `${shared ? 'enable subgroups;\n' : ''}${spec.declarations(A.vec4, B.vec4)}

@compute @workgroup_size(${wgX}, ${wgY})
fn main(${GRID_BUILTINS}${shared ? ', @builtin(subgroup_invocation_id) sgLane: u32' : ''}) {
  ${grid.prologue}
  let tcRaw = wg.x * ${wgX}u + lid.x;
  let trRaw = wg.y * ${wgY}u + lid.y;
  ${entry.join('\n  ')}
  let bz = wg.z;
  ${spec.batchPrologue}
  let r0 = tr * ${TM}u;
  let c0 = tc * ${TN}u;
  ${[...body, ...stores].join('\n  ')}
}
`;
  // The runtime requests the `subgroups` feature for a plan with a shader that starts so.
  if (!shared) return { wgsl, workgroups: grid.workgroups };
  const plain = emitGemm(spec, defaultGemmTiling(M, N, K), maxPerDim);
  return { wgsl, workgroups: grid.workgroups, fallback: { wgsl: plain.wgsl, workgroups: plain.workgroups } };
}
