import { tf } from '../tf.js';
import { BaseReducer } from './base-reducer.js';

/**
 * The mean of all per-element losses, zeros included: `L = (1/N) sum_i l_i`. NaN if any is NaN.
 *
 * @example
 * const loss = new dm.TripletMarginLoss({ reducer: new dm.MeanReducer() });
 */
export class MeanReducer extends BaseReducer {
  protected reduceLosses(losses: tf.Tensor1D): tf.Scalar {
    return tf.mean(losses);
  }
}
