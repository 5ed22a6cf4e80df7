import { extname, join } from 'pathe';
import { nodeModule } from '../io/node-module.js';
import { invalidArgument, invalidInput } from '../errors.js';
import { createDataset, type Dataset } from './dataset.js';

/** Options of `readImageFolder`. */
export interface ReadImageFolderOptions {
  /**
   * Resize every image to this size: `n` for n x n, or `[height, width]`. Default: no resizing,
   * and every image must have the size of the first one.
   */
  size?: number | readonly [number, number];
  /** 'grey' gives 1 channel, 'rgb' 3 (grey images are repeated over the 3). Default 'rgb'. */
  color?: 'grey' | 'rgb';
  /**
   * How to resize (sharp's `fit`): 'fill' stretches to the size (torchvision's `Resize((h, w))`),
   * 'cover' crops to keep the aspect ratio, 'contain' pads with black. Default 'fill'.
   */
  fit?: 'fill' | 'cover' | 'contain';
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const PARALLEL = 8;

/**
 * Reads a folder with one sub-folder per class, each holding PNG or JPEG images, into a
 * `Dataset` of `[height, width, channels]` images with values in [0, 1] (pixel / 255).
 * Classes are the sub-folders in sorted order; images are taken in sorted file-name order.
 * Transparent pixels are composited on black. Hidden entries, files at the top level and files
 * without a .png/.jpg/.jpeg extension are ignored.
 *
 * Errors name the folder or the image: a missing folder, no class sub-folders, a class
 * sub-folder with no image, an image that cannot be decoded, an image of another size when no
 * `size` is given.
 *
 * @example
 * // photos/cat/*.jpg, photos/dog/*.jpg
 * const ds = await readImageFolder('photos', { size: [64, 64], color: 'rgb' });
 * ds.sampleShape; // [64, 64, 3]; ds.classNames ['cat', 'dog']
 */
export async function readImageFolder(dir: string, options: ReadImageFolderOptions = {}): Promise<Dataset> {
  const size = checkSize(options.size);
  const color = options.color ?? 'rgb';
  if (color !== 'grey' && color !== 'rgb') {
    throw invalidArgument(`Argument \`color\` must be 'grey' or 'rgb'. Received: color=${JSON.stringify(color)}`);
  }
  const fit = options.fit ?? 'fill';
  if (fit !== 'fill' && fit !== 'cover' && fit !== 'contain') {
    throw invalidArgument(`Argument \`fit\` must be 'fill', 'cover' or 'contain'. Received: fit=${JSON.stringify(fit)}`);
  }
  const classNames = (await listDir(dir, dir))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byCodeUnit);
  if (classNames.length === 0) {
    throw invalidInput(dir, 'has no class sub-folders; expected one sub-folder of PNG/JPEG images per class');
  }
  const files: string[] = [];
  const labelList: number[] = [];
  for (let c = 0; c < classNames.length; c++) {
    const folder = join(dir, classNames[c]);
    const images = (await listDir(folder, folder))
      .filter((e) => !e.isDirectory() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort(byCodeUnit);
    if (images.length === 0) throw invalidInput(folder, 'has no .png, .jpg or .jpeg image; every class sub-folder needs at least one');
    for (const name of images) {
      files.push(join(folder, name));
      labelList.push(c);
    }
  }
  const channels = color === 'grey' ? 1 : 3;
  const first = await decode(files[0], size, color, fit);
  const [height, width] = size ?? [first.height, first.width];
  const pixels = height * width * channels;
  const features = new Float32Array(files.length * pixels);
  const put = (i: number, image: Decoded): void => {
    if (image.height !== height || image.width !== width || image.channels !== channels) {
      throw invalidInput(
        files[i],
        `is ${image.width}x${image.height} with ${image.channels} channel(s), expected ${width}x${height} with ${channels} ` +
          `(the size of ${files[0]}); pass a size option to resize every image`,
      );
    }
    for (let k = 0; k < pixels; k++) features[i * pixels + k] = image.data[k] / 255;
  };
  put(0, first);
  for (let start = 1; start < files.length; start += PARALLEL) {
    const batch = files.slice(start, start + PARALLEL);
    const decoded = await Promise.all(batch.map((f) => decode(f, size, color, fit)));
    decoded.forEach((image, k) => put(start + k, image));
  }
  return createDataset({
    features,
    sampleShape: [height, width, channels],
    labels: Int32Array.from(labelList),
    classNames,
    source: dir,
  });
}

interface Decoded {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

async function decode(
  file: string,
  size: [number, number] | undefined,
  color: 'grey' | 'rgb',
  fit: 'fill' | 'cover' | 'contain',
): Promise<Decoded> {
  // sharp is native: imported when an image is decoded, so that the core bundles for a browser.
  const { default: sharp } = await import('sharp');
  try {
    let pipeline = sharp(file).flatten({ background: '#000000' });
    if (size !== undefined) pipeline = pipeline.resize(size[1], size[0], { fit, background: '#000000' });
    pipeline = color === 'grey' ? pipeline.greyscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    throw invalidInput(file, `cannot be decoded as an image: ${(error as Error).message}`, error);
  }
}

async function listDir(path: string, name: string): Promise<import('node:fs').Dirent[]> {
  const { readdir } = nodeModule('node:fs/promises');
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalidInput(name, 'no such folder', error);
    if (code === 'ENOTDIR') throw invalidInput(name, 'is a file, expected a folder of class sub-folders', error);
    throw invalidInput(name, `cannot be listed: ${(error as Error).message}`, error);
  }
}

function checkSize(size: ReadImageFolderOptions['size']): [number, number] | undefined {
  if (size === undefined) return undefined;
  const pair: readonly number[] = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(pair) || pair.length !== 2 || pair.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw invalidArgument(
      `Argument \`size\` must be a positive integer or [height, width] of positive integers. Received: size=${JSON.stringify(size)}`,
    );
  }
  return [pair[0], pair[1]];
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
