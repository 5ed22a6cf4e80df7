import { tf } from '../tf.js';

/**
 * Below this many n*m*d elements the difference of every pair is formed directly: exact (a row
 * and its duplicate are 0 apart) and cheap. Above it the Gram-matrix form is used, as torch.cdist
 * does above 25 rows; centering the rows first keeps it accurate when embeddings huddle together,
 * which is exactly the collapse case deepmetric exists to measure.
 */
const DIRECT_MAX_ELEMENTS = 1 << 16;

/** Squared Euclidean distances between rows of x and rows of y (y === null: x with itself). */
export function squaredEuclideanMatrix(x: tf.Tensor2D, y: tf.Tensor2D | null): tf.Tensor2D {
  return tf.tidy(() => {
    const ref = y ?? x;
    const [n, d] = x.shape;
    const m = ref.shape[0];
    if (n * m * d <= DIRECT_MAX_ELEMENTS) {
      const diff = tf.sub(tf.expandDims(x, 1), tf.expandDims(ref, 0));
      return tf.sum(tf.square(diff), 2) as tf.Tensor2D;
    }
    const center = tf.mean(y === null ? x : tf.concat([x, y], 0), 0, true);
    const xc = tf.sub(x, center);
    const rc = y === null ? xc : tf.sub(y, center);
    const xx = tf.sum(tf.square(xc), 1, true);
    const rr = y === null ? tf.reshape(xx, [1, n]) : tf.reshape(tf.sum(tf.square(rc), 1), [1, m]);
    const gram = tf.matMul(xc, rc, false, true);
    const sq = tf.relu(tf.sub(tf.add(xx, rr), tf.mul(gram, 2))) as tf.Tensor2D;
    // A row is exactly 0 from itself; the Gram form leaves rounding noise on the diagonal.
    return y === null ? tf.mul(sq, tf.sub(1, tf.eye(n))) : sq;
  });
}

/**
 * Euclidean distances between rows, with the gradient of a norm taken as 0 where two rows
 * coincide (collapsed or duplicated embeddings), as torch.cdist does, instead of the NaN that
 * autodiff through sqrt(0) gives.
 */
export function euclideanMatrix(x: tf.Tensor2D, y: tf.Tensor2D | null): tf.Tensor2D {
  if (y === null) {
    // customGrad passes inputs and the save function through one rest parameter.
    const self = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xs, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      const dist = tf.sqrt(squaredEuclideanMatrix(xs, null));
      save([xs, dist]);
      return {
        value: dist,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xv, dv] = saved as [tf.Tensor2D, tf.Tensor2D];
          const w = weights(dy as tf.Tensor2D, dv);
          const wSym = tf.add(w, tf.transpose(w));
          return [tf.sub(tf.mul(tf.sum(wSym, 1, true), xv), tf.matMul(wSym, xv))];
        },
      };
    });
    return self(x);
  }
  const cross = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, ys, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const dist = tf.sqrt(squaredEuclideanMatrix(xs, ys));
    save([xs, ys, dist]);
    return {
      value: dist,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xv, yv, dv] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const w = weights(dy as tf.Tensor2D, dv);
        const dx = tf.sub(tf.mul(tf.sum(w, 1, true), xv), tf.matMul(w, yv));
        const dyRef = tf.sub(tf.mul(tf.reshape(tf.sum(w, 0), [-1, 1]), yv), tf.matMul(w, xv, true, false));
        return [dx, dyRef];
      },
    };
  });
  return cross(x, y);
}

/** d d_ij / d x_i = (x_i - y_j) / d_ij: the upstream gradient over the distance, 0 where d_ij = 0. */
function weights(dy: tf.Tensor2D, dist: tf.Tensor2D): tf.Tensor2D {
  const positive = tf.greater(dist, 0);
  return tf.where(positive, tf.div(dy, tf.where(positive, dist, tf.onesLike(dist))), tf.zerosLike(dist)) as tf.Tensor2D;
}
