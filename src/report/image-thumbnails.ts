import { invalidArgument } from '../errors.js';
import { sampleSize, type Dataset } from '../data/index.js';
import { encodePng } from './encode-png.js';

/**
 * Whether a dataset's samples are images the report can show: `[height, width]` (grey) or
 * `[height, width, channels]` with 1 (grey) or 3 (RGB) channels, at least 2 pixels a side.
 *
 * @example
 * isImageShape([28, 28, 1]); // true
 * isImageShape([8]);         // false: a feature vector
 */
export function isImageShape(sampleShape: readonly number[]): boolean {
  const [h, w, c = 1] = sampleShape;
  return (sampleShape.length === 2 || sampleShape.length === 3) && h >= 2 && w >= 2 && (c === 1 || c === 3);
}

/**
 * PNG data URIs (`data:image/png;base64,...`) of the samples at `rows` (`encodePng`), so a
 * report shows images with no file beside it. Values are mapped linearly from the range of the
 * shown samples to 0-255 (images read by deepmetric hold [0, 1]; a .npy may hold anything).
 *
 * @example
 * const [uri] = await imageThumbnails(test, [0]);   // <img src="${uri}">
 */
export async function imageThumbnails(dataset: Dataset, rows: readonly number[]): Promise<string[]> {
  if (!isImageShape(dataset.sampleShape)) {
    throw invalidArgument(
      `Argument \`dataset\` must hold images ([height, width] or [height, width, 1 or 3]). Received: sample shape [${dataset.sampleShape.join(', ')}]`,
    );
  }
  const [height, width, channels = 1] = dataset.sampleShape;
  const size = sampleSize(dataset.sampleShape);
  const n = dataset.labels.length;
  for (const r of rows) {
    if (!(Number.isInteger(r) && r >= 0 && r < n)) {
      throw invalidArgument(`Argument \`rows\` must hold sample indices in [0, ${n}). Received: ${r}`);
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    for (const v of dataset.features.subarray(r * size, (r + 1) * size)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  return rows.map((r) => {
    const pixels = new Uint8Array(size);
    const values = dataset.features.subarray(r * size, (r + 1) * size);
    for (let j = 0; j < size; j++) pixels[j] = Math.round((values[j] - lo) * scale);
    const png = encodePng(pixels, width, height, channels as 1 | 3);
    return `data:image/png;base64,${base64(png)}`;
  });
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}
