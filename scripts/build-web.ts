/**
 * Builds deepmetric's web app into a folder (default `dist/web/`), replacing it atomically:
 *
 *   npx tsx scripts/build-web.ts [OUT_DIR]        (npm run build:web)
 *
 * The page, its two Web Workers (diagnose, train) and the library they run are bundled by
 * esbuild from `src/web/`. Beside them: the page's HTML and CSS (`web/`), tfjs-backend-wasm's
 * binaries, and, in the package's layout so the core finds them where it looks in Node,
 * deepmetric's kernels (`build/kernels.wasm`) and the bundled sample (`data/fashion-mnist/`);
 * `files.json` lists those two for the workers to fetch. `deepmetric web` serves the folder.
 */
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WASM_DIST = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const TFJS_WASM = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
/** The files the workers fetch, by their path in the package (and in the app's folder). */
const SHIPPED = ['build/kernels.wasm', 'data/fashion-mnist'];

/**
 * Writes the app into `out`: built in a sibling folder, then swapped in, so a server never serves a
 * half-built app. Returns the files written, relative to `out`.
 *
 * @example
 * await buildWeb('dist/web');
 */
export async function buildWeb(out = join(ROOT, 'dist', 'web')): Promise<string[]> {
  const target = resolve(out);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build({
      entryPoints: ['app', 'diagnose-worker', 'train-worker'].map((name) => join(ROOT, 'src', 'web', `${name}.ts`)),
      outdir: tmp,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      // Native, imported only where Node decodes images: never reached in the page.
      external: ['sharp'],
      logLevel: 'warning',
    });
    for (const name of ['index.html', 'app.css']) await copyFile(join(ROOT, 'web', name), join(tmp, name));
    for (const name of TFJS_WASM) await copyFile(join(WASM_DIST, name), join(tmp, name));
    const served: string[] = [];
    for (const path of SHIPPED) {
      for (const file of await filesBelow(join(ROOT, path))) {
        const rel = relative(ROOT, file).split('\\').join('/');
        await mkdir(dirname(join(tmp, rel)), { recursive: true });
        await copyFile(file, join(tmp, rel));
        served.push(rel);
      }
    }
    await writeFile(join(tmp, 'files.json'), `${JSON.stringify(served, null, 2)}\n`);
    const old = `${tmp}.old`;
    await rename(target, old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(tmp, target);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return (await filesBelow(target)).map((f) => relative(target, f));
}

async function filesBelow(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return null;
    if (error.code === 'ENOENT') throw new Error(`${path} is missing: run \`npm run build:wasm\` first`);
    throw error;
  });
  if (entries === null) return [path];
  const nested = await Promise.all(entries.map((e) => filesBelow(join(path, e.name))));
  return nested.flat().sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const files = await buildWeb(process.argv[2]);
  process.stdout.write(
    `build:web: ${files.length} files in ${relative(process.cwd(), resolve(process.argv[2] ?? join(ROOT, 'dist', 'web')))}\n`,
  );
}
