/**
 * Plain-loop forward passes in doubles, independent of tfjs, for checking what the model builders
 * build. Images are [height][width][channels] (channels last, tfjs's layout); conv kernels are
 * flat [kh][kw][in][out] and dense kernels flat [in][out], as tfjs stores them.
 */

export type Image = number[][][];

export function relu(x: number[]): number[] {
  return x.map((v) => Math.max(v, 0));
}

/** x W + b, with W flat [in][out]. */
export function dense(x: number[], kernel: ArrayLike<number>, bias: ArrayLike<number>): number[] {
  const out = bias.length;
  return Array.from({ length: out }, (_, o) => x.reduce((s, v, i) => s + v * kernel[i * out + o], bias[o]));
}

/** 2-D convolution with stride 1 and 'same' zero padding (odd kernel size k). */
export function conv2dSame(x: Image, kernel: ArrayLike<number>, bias: ArrayLike<number>, k: number): Image {
  const h = x.length;
  const w = x[0].length;
  const cin = x[0][0].length;
  const cout = bias.length;
  const pad = (k - 1) / 2;
  return Array.from({ length: h }, (_, i) =>
    Array.from({ length: w }, (_, j) =>
      Array.from({ length: cout }, (_, o) => {
        let s = bias[o];
        for (let di = 0; di < k; di++) {
          for (let dj = 0; dj < k; dj++) {
            const r = i + di - pad;
            const c = j + dj - pad;
            if (r < 0 || r >= h || c < 0 || c >= w) continue;
            for (let ci = 0; ci < cin; ci++) s += x[r][c][ci] * kernel[((di * k + dj) * cin + ci) * cout + o];
          }
        }
        return s;
      }),
    ),
  );
}

export function reluImage(x: Image): Image {
  return x.map((row) => row.map(relu));
}

/** 2x2 max pooling, stride 2, 'valid' (an odd last row or column is dropped). */
export function maxPool2(x: Image): Image {
  const h = Math.floor(x.length / 2);
  const w = Math.floor(x[0].length / 2);
  return Array.from({ length: h }, (_, i) =>
    Array.from({ length: w }, (_, j) =>
      x[0][0].map((_, c) =>
        Math.max(x[2 * i][2 * j][c], x[2 * i + 1][2 * j][c], x[2 * i][2 * j + 1][c], x[2 * i + 1][2 * j + 1][c]),
      ),
    ),
  );
}

/** Row-major flattening of a [h][w][c] image, as tfjs's Flatten does. */
export function flattenImage(x: Image): number[] {
  return x.flat(2);
}
