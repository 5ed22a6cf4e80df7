import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { checkNumber } from '../validation.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { checkLearningRate } from './tfjs-internals.js';

interface CommonOptions {
  /** The learning rate (a finite number >= 0); change it later with `optimizer.learningRate = x`. */
  lr: number;
  /** Decoupled weight decay (AdamW style), applied to kernels, not biases. Default 0. */
  weightDecay?: number;
}

export interface AdamOptions extends CommonOptions {
  name: 'adam';
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8 (torch's; tfjs would take the backend's 1e-7). */
  epsilon?: number;
}

export interface SgdOptions extends CommonOptions {
  name: 'sgd';
  /** Default 0.9; 0 gives plain SGD. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

export type OptimizerOptions = AdamOptions | SgdOptions;

const NAMES = ['adam', 'sgd'] as const;
const KEYS: Record<OptimizerOptions['name'], readonly string[]> = {
  adam: ['name', 'lr', 'weightDecay', 'beta1', 'beta2', 'epsilon'],
  sgd: ['name', 'lr', 'weightDecay', 'momentum', 'nesterov'],
};

/**
 * Creates an `Optimizer` on tfjs's own update rules (torch's formulas, step t from 1):
 *
 * - `adam` (`tf.train.adam`): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 *   w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon)
 * - `sgd` with momentum > 0 (`tf.train.momentum`): b = momentum b + g; w -= lr b
 *   (Nesterov: w -= lr (g + momentum b)); with momentum 0 (`tf.train.sgd`): w -= lr g
 *
 * With `weightDecay` > 0, each step first shrinks every kernel (variables of rank >= 2):
 * w <- w (1 - lr weightDecay), decoupled from the gradient as in AdamW (torch.optim.AdamW
 * exactly, for adam). Decoupled rather than L2 because with Adam an L2 term is divided by
 * sqrt(v) and so decays weights with large gradients least (Loshchilov & Hutter, 2019), and
 * because the gradients — whose norm the collapse diagnosis watches — stay the loss's own.
 * For sgd it equals torch's L2 `weight_decay` only without momentum. Biases are not decayed.
 *
 * Options: `name` ('adam' | 'sgd'), `lr` (required), `weightDecay` = 0; adam: `beta1` = 0.9,
 * `beta2` = 0.999, `epsilon` = 1e-8; sgd: `momentum` = 0.9, `nesterov` = false. An option of
 * the other optimizer is an error.
 *
 * @example
 * const adam = createOptimizer({ name: 'adam', lr: 1e-3 });
 * const sgd = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
 */
export function createOptimizer(options: OptimizerOptions): Optimizer {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(
      `Argument \`options\` must be an object with \`name\` and \`lr\`. Received: options=${String(options)}`,
    );
  }
  const name: unknown = options.name;
  if (!NAMES.includes(name as OptimizerOptions['name'])) {
    throw invalidArgument(`Argument \`name\` must be one of ${NAMES.join(', ')}. Received: name=${String(name)}`);
  }
  const allowed = KEYS[options.name];
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !allowed.includes(key)) {
      throw invalidArgument(
        `Argument \`${key}\` does not apply to the ${options.name} optimizer; its options are ${allowed.join(', ')}. Received: ${key}=${String(value)}`,
      );
    }
  }
  checkLearningRate(options.lr);
  const weightDecay = options.weightDecay ?? 0;
  checkNumber('weightDecay', weightDecay, { min: 0 }, 'Argument');

  switch (options.name) {
    case 'adam': {
      const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
      checkNumber('beta1', beta1, { min: 0, maxExclusive: 1 }, 'Argument');
      checkNumber('beta2', beta2, { min: 0, maxExclusive: 1 }, 'Argument');
      checkNumber('epsilon', epsilon, { min: 0 }, 'Argument');
      const config: OptimizerConfig = {
        name: 'adam',
        lr: options.lr,
        weightDecay,
        momentum: 0,
        nesterov: false,
        beta1,
        beta2,
        epsilon,
      };
      return new Optimizer(config, tf.train.adam(options.lr, beta1, beta2, epsilon));
    }
    case 'sgd': {
      const { momentum = 0.9, nesterov = false } = options;
      checkNumber('momentum', momentum, { min: 0 }, 'Argument');
      if (typeof nesterov !== 'boolean') {
        throw invalidArgument(`Argument \`nesterov\` must be true or false. Received: nesterov=${String(nesterov)}`);
      }
      if (nesterov && momentum === 0) {
        throw invalidArgument('Argument `nesterov` needs momentum > 0. Received: nesterov=true, momentum=0');
      }
      const config: OptimizerConfig = {
        name: 'sgd',
        lr: options.lr,
        weightDecay,
        momentum,
        nesterov,
        beta1: 0,
        beta2: 0,
        epsilon: 0,
      };
      const inner = momentum === 0 ? tf.train.sgd(options.lr) : tf.train.momentum(options.lr, momentum, nesterov);
      return new Optimizer(config, inner);
    }
    default: {
      const never: never = options;
      throw invalidArgument(`Unknown optimizer ${JSON.stringify(never)}`);
    }
  }
}
