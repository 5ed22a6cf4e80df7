/**
 * The Python the benchmarks compare against: PyTorch 2.x and numpy from pip in bench/.venv, made
 * by `bash bench/setup-reference.sh` (DEEPMETRIC_REFERENCE_PYTHON names another). Its build (BLAS,
 * CPU capability, threads) is printed beside every ratio, and a reference on the reference (netlib)
 * BLAS is refused: nobody trains on it, and a ratio against it says nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ReferenceBuild {
  torch: string;
  torchBlas: string;
  mkldnn: boolean;
  cpuCapability: string;
  torchThreads: number;
  numpy: string;
  numpyBlas: Array<{ api: string; version: string; threads: number; library: string }>;
}

const VENV_PYTHON = fileURLToPath(new URL('./.venv/bin/python', import.meta.url));
const BUILD_INFO = fileURLToPath(new URL('./reference/build_info.py', import.meta.url));

/** The reference's interpreter; an error saying how to make it when it is missing. */
export function referencePython(): string {
  const python = process.env.DEEPMETRIC_REFERENCE_PYTHON ?? VENV_PYTHON;
  if (!existsSync(python)) {
    throw new Error(
      `No benchmark reference at ${python}: run \`bash bench/setup-reference.sh\` (PyTorch 2.x from pip) first.`,
    );
  }
  return python;
}

/**
 * The environment the reference runs in: this machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE guard
 * old OpenBLAS builds and slow a current one, so the reference runs without them.
 */
export function referenceEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** The reference's build; throws when torch or numpy runs on the netlib BLAS. */
export function referenceBuild(): ReferenceBuild {
  const build = JSON.parse(
    execFileSync(referencePython(), [BUILD_INFO], { encoding: 'utf8', env: referenceEnv() }),
  ) as ReferenceBuild;
  const netlib = (name: string) => /^(blas|generic|netlib|reference)?$/i.test(name) || /libblas\.so/.test(name);
  if (
    netlib(build.torchBlas) ||
    build.numpyBlas.length === 0 ||
    build.numpyBlas.some((b) => netlib(b.api) || netlib(b.library))
  ) {
    throw new Error(
      `The benchmark reference runs on the reference (netlib) BLAS (${formatBuild(build)}): a ratio against it would flatter deepmetric. Use torch 2.x from pip (bash bench/setup-reference.sh) or a torch with OpenBLAS or MKL.`,
    );
  }
  return build;
}

/** One line: torch 2.13.0+cpu (mkl, oneDNN, AVX512, 2 threads); numpy 2.4.6 (openblas 0.3.31, 2 threads). */
export function formatBuild(build: ReferenceBuild): string {
  const numpyBlas =
    build.numpyBlas.map((b) => `${b.api} ${b.version}, ${b.threads} threads`).join('; ') || 'no BLAS found';
  return `torch ${build.torch} (${build.torchBlas}${build.mkldnn ? ', oneDNN' : ''}, ${build.cpuCapability}, ${build.torchThreads} threads); numpy ${build.numpy} (${numpyBlas})`;
}
