import { tf } from '../tf.js';
import { BaseReducer } from './base-reducer.js';

/**
 * The sum of the per-element losses: `L = sum_i l_i`.
 *
 * @example
 * const loss = new dm.TripletMarginLoss({ reducer: new dm.SumReducer() });
 */
export class SumReducer extends BaseReducer {
  protected reduceLosses(losses: tf.Tensor1D): tf.Scalar {
    return tf.sum(losses);
  }
}
