import type { MemoryFileSystem } from './memory-file-system.js';

/** The list of the files the page's server has beside the app (`npm run build:web` writes it). */
export const SERVED_FILES = 'files.json';

/**
 * Fetches the files the app ships with (deepmetric's wasm kernels, the bundled Fashion-MNIST sample)
 * from the page's own server into `files`. The app's folder has the package's layout (`build/`,
 * `data/`) and its scripts sit at its top, so the core, which finds those files relative to its
 * own module, looks for them at `/` + their path in the folder: they are mounted there.
 *
 * @example
 * await mountServedFiles(files, new URL('./', self.location.href), (path) => path.startsWith('build/'));
 */
export async function mountServedFiles(
  files: MemoryFileSystem,
  base: URL,
  wanted: (path: string) => boolean,
): Promise<void> {
  const list = (await (await fetch(new URL(SERVED_FILES, base))).json()) as string[];
  await Promise.all(
    list.filter(wanted).map(async (path) => {
      const response = await fetch(new URL(path, base));
      if (!response.ok) throw new Error(`${path}: the server answered ${response.status}`);
      files.write(`/${path}`, new Uint8Array(await response.arrayBuffer()));
    }),
  );
}
