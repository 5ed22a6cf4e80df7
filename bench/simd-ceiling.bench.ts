/**
 * What 128-bit WebAssembly SIMD can do on this machine, single-threaded in Node (issue 13, step 2):
 * the GFLOP/s of register-blocked f32x4 multiply-add micro-kernels, the ceiling the GFLOP/s of
 * deepmetric's kernels (bench/profile-step.bench.ts) are read against.
 *
 * Run: npx tsx bench/simd-ceiling.bench.ts [--ms 400] [--rounds 5]
 *
 * The kernels (AssemblyScript, below, compiled here with asc -O3) compute `out[4, n] += aᵀ · b` over
 * cache-resident packed operands (a `[k, 4]`, b `[k, n]`, k = 256: 4-12 KB, in L1), as the inner
 * loop of a GEMM does: per step of k, n/4 vector loads of b, 4 splat loads of a, 4·n/4 multiplies
 * and adds into 4·n/4 accumulators held in registers. The "chains" rows run without memory: 8 or
 * 12 independent chains `c = c·x + y` on registers only (the multiply on the chain, so that
 * V8 cannot hoist it), the arithmetic ceiling; deepmetric's own 4 x 8 kernel (`transposedProduct`)
 * runs on the same kind of operands. V8 runs everything as TurboFan code (`--no-liftoff`: a
 * long call started in the baseline compiler's code would stay in it). Each is also run
 * with relaxed SIMD's fused multiply-add (`f32x4.relaxed_madd`) in a child Node started with
 * `--experimental-wasm-relaxed-simd` (Node 20 has it behind that flag). FLOPs: 2 per lane of a
 * multiply-add. The fastest of `rounds` rounds of about `ms` milliseconds each is reported.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { option } from './option.js';

const MS = option('ms', 400);
const ROUNDS = option('rounds', 5);
const CHILD = option('child', '');
const K = 256;

/** `mad(acc, x, y)`: acc + x·y, as two instructions or as one relaxed fused multiply-add. */
function source(relaxed: boolean): string {
  const mad = relaxed
    ? '@inline function mad(c: v128, x: v128, y: v128): v128 { return f32x4.relaxed_madd(x, y, c); }'
    : '@inline function mad(c: v128, x: v128, y: v128): v128 { return f32x4.add(c, f32x4.mul(x, y)); }';
  // One 4 x (4·cols) block: `cols` b vectors per step, 4 splats of a, 4·cols accumulators.
  const block = (cols: number) => {
    const acc = Array.from({ length: 4 * cols }, (_, i) => `c${i}`);
    const lines = [
      `export function block4x${4 * cols}(a: usize, b: usize, k: i32, out: usize, reps: i32): void {`,
      `  for (let r = 0; r < reps; r++) {`,
      ...acc.map((c, i) => `    let ${c} = v128.load(out, ${16 * i});`),
      `    let pa = a; let pb = b;`,
      `    for (let t = 0; t < k; t++, pa += 16, pb += ${16 * cols}) {`,
      ...Array.from({ length: cols }, (_, j) => `      const b${j} = v128.load(pb, ${16 * j});`),
      ...Array.from({ length: 4 }, (_, i) => [
        `      const s${i} = v128.load32_splat(pa + ${4 * i});`,
        ...Array.from({ length: cols }, (_, j) => `      c${i * cols + j} = mad(c${i * cols + j}, s${i}, b${j});`),
      ]).flat(),
      `    }`,
      ...acc.map((c, i) => `    v128.store(out, ${c}, ${16 * i});`),
      `  }`,
      `}`,
    ];
    return lines.join('\n');
  };
  // `chains` independent multiply-add chains on registers only.
  const regs = (chains: number) => {
    const acc = Array.from({ length: chains }, (_, i) => `c${i}`);
    return [
      `export function regs${chains}(out: usize, n: i32): void {`,
      `  const x = f32x4.splat(0.999999); const y = f32x4.splat(0.000001);`,
      ...acc.map((c, i) => `  let ${c} = f32x4.splat(${i});`),
      `  for (let t = 0; t < n; t++) {`,
      ...acc.map((c) => `    ${c} = mad(y, ${c}, x); ${c} = mad(y, ${c}, x);`),
      `  }`,
      ...acc.map((c, i) => `  v128.store(out, ${c}, ${16 * i});`),
      `}`,
    ].join('\n');
  };
  return [mad, block(1), block(2), block(3), regs(8), regs(12)].join('\n\n');
}

interface Exports {
  block4x4(a: number, b: number, k: number, out: number, reps: number): void;
  block4x8(a: number, b: number, k: number, out: number, reps: number): void;
  block4x12(a: number, b: number, k: number, out: number, reps: number): void;
  regs8(out: number, n: number): void;
  regs12(out: number, n: number): void;
}

async function compile(relaxed: boolean): Promise<Exports & { memory: WebAssembly.Memory }> {
  const result = await asc.compileString(
    { 'ceiling.ts': source(relaxed) },
    { optimizeLevel: 3, runtime: 'stub', noAssert: true, enable: relaxed ? ['simd', 'relaxed-simd'] : ['simd'] },
  );
  if (result.error !== null || result.binary === null) throw new Error(`asc failed: ${result.stderr.toString()}`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(result.binary)), {});
  return instance.exports as unknown as Exports & { memory: WebAssembly.Memory };
}

/** The fastest GFLOP/s of `run(reps)` (doing `flopsPerRep` each) over the rounds. */
function measure(flopsPerRep: number, run: (reps: number) => void): number {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    run(reps);
    if (performance.now() - t0 > 20) break;
    reps *= 2;
  }
  const t0 = performance.now();
  run(reps);
  const repsPerMs = reps / (performance.now() - t0);
  const roundReps = Math.max(1, Math.round(repsPerMs * MS));
  let best = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const s = performance.now();
    run(roundReps);
    best = Math.max(best, (flopsPerRep * roundReps) / (performance.now() - s) / 1e6);
  }
  return best;
}

async function rates(relaxed: boolean): Promise<Record<string, number>> {
  const kernels = await compile(relaxed);
  const { memory } = kernels;
  // a [K, 4], b [K, 12], out [4, 12], 16-byte aligned, from 64 KB on (past the module's own data).
  if (memory.buffer.byteLength < 2 * 65536) memory.grow((2 * 65536 - memory.buffer.byteLength) >> 16);
  const a = 65536;
  const b = a + K * 16;
  const out = b + K * 48;
  const f = new Float32Array(memory.buffer);
  for (let i = a / 4; i < out / 4 + 48; i++) f[i] = ((i % 7) - 3) * 1e-3;
  const result: Record<string, number> = {};
  for (const cols of [1, 2, 3] as const) {
    const name = `block4x${(4 * cols) as 4 | 8 | 12}` as const;
    result[`4 x ${4 * cols} block (${4 * cols} accumulators, L1 operands)`] = measure(2 * 4 * 4 * cols * K, (reps) =>
      kernels[name](a, b, K, out, reps),
    );
  }
  for (const chains of [8, 12] as const) {
    result[`${chains} chains, registers only`] = measure(2 * 2 * 4 * chains * 1000, (reps) =>
      kernels[`regs${chains}`](out, reps * 1000),
    );
  }
  // built without relaxed SIMD: measured once, in the plain child.
  if (!relaxed) result[`deepmetric's transposedProduct (4 x 8 blocks, L1 operands)`] = transposedProductRate();
  return result;
}

/**
 * deepmetric's own register-blocked kernel (assembly/transposed-product.ts, build/kernels.wasm) on
 * the same kind of operands: out [8, 16] = aᵀ·b over 256 rows (a 8 KB, b 16 KB).
 */
function transposedProductRate(): number {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL('../build/kernels.wasm', import.meta.url))));
  const kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as {
    transposedProduct(a: number, b: number, out: number, rows: number, m: number, n: number, accumulate: number): void;
  };
  const [m, n] = [8, 16];
  const a = 0;
  const b = a + K * m * 4;
  const out = b + K * n * 4;
  const f = new Float32Array(memory.buffer);
  for (let i = 0; i < out / 4; i++) f[i] = ((i % 7) - 3) * 1e-3;
  return measure(2 * K * m * n, (reps) => {
    for (let r = 0; r < reps; r++) kernels.transposedProduct(a, b, out, K, m, n, 1);
  });
}

/** The rates measured in a child Node: TurboFan only (`--no-liftoff`), relaxed SIMD on or off. */
function childRates(relaxed: boolean): Record<string, number> {
  const flags = ['--no-liftoff', ...(relaxed ? ['--experimental-wasm-relaxed-simd'] : [])];
  const script = fileURLToPath(import.meta.url);
  const args = [...flags, '--import', 'tsx', script, '--child', relaxed ? 'relaxed' : 'plain'];
  const stdout = execFileSync(process.execPath, [...args, '--ms', `${MS}`, '--rounds', `${ROUNDS}`], {
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as Record<string, number>;
}

async function main(): Promise<void> {
  if (CHILD !== '') {
    console.log(JSON.stringify(await rates(CHILD === 'relaxed')));
    return;
  }
  console.log(
    `128-bit wasm SIMD ceiling, single thread: Node ${process.versions.node} (V8 ${process.versions.v8}, --no-liftoff) on ${cpus()[0].model}; fastest of ${ROUNDS} rounds of ~${MS} ms, GFLOP/s`,
  );
  const plain = childRates(false);
  let relaxed: Record<string, number> | null = null;
  try {
    relaxed = childRates(true);
  } catch (error) {
    console.log(`relaxed SIMD: not available (${(error as Error).message.split('\n')[0]})`);
  }
  console.log('\n| micro-kernel | f32x4.mul + f32x4.add | relaxed_madd (fused) |');
  console.log('| --- | --- | --- |');
  for (const [name, rate] of Object.entries(plain)) {
    console.log(`| ${name} | ${rate.toFixed(1)} | ${relaxed?.[name]?.toFixed(1) ?? '-'} |`);
  }
  console.log(
    `\nload average at the end: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')} (${cpus().length} cores)`,
  );
}

await main();
