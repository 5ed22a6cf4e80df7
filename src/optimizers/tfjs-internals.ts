/**
 * The one place that reaches into tfjs optimizers' non-public fields, because tfjs offers no
 * public way to do two things training needs:
 *
 * - change the learning rate at run time (tfjs has no schedulers): SGD and Momentum have
 *   `setLearningRate`, which also refreshes the `-lr` scalar they cache; every other tfjs
 *   optimizer reads its protected `learningRate` field at each step;
 * - free a momentum optimizer whole: its `dispose` frees the momentum buffers but not the `-lr`
 *   scalar its SGD base caches;
 * - checkpoint Adam exactly: `setWeights` recomputes the running powers beta1^t and beta2^t as
 *   pow(beta, t + 1), which differs in the last bits from the product of t float32 multiplications
 *   an uninterrupted run holds; so a resumed run reads and writes the private `accBeta1`/`accBeta2`;
 * - run Adam's step as one fused kernel (`wasmAdamStep`): its moments, running powers and
 *   iteration count are private.
 */
import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { checkNumber } from '../validation.js';

interface WithLearningRate {
  learningRate: unknown;
}

interface AdamFields {
  accBeta1: unknown;
  accBeta2: unknown;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  incrementIterations(): void;
}

/**
 * The learning rate a tfjs optimizer applies at its next step.
 *
 * @example
 * getLearningRate(tf.train.adam(1e-3)); // 0.001
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as WithLearningRate).learningRate;
  if (typeof lr !== 'number') {
    throw invalidArgument(
      `Argument \`optimizer\` must be a tfjs optimizer with a numeric learning rate. Received: ${optimizer.getClassName()} with learningRate=${String(lr)}`,
    );
  }
  return lr;
}

/**
 * Sets the learning rate a tfjs optimizer applies from its next step on. Works for every tfjs
 * optimizer (sgd, momentum, adam, adamax, adagrad, adadelta, rmsprop).
 *
 * @example
 * setLearningRate(optimizer, 1e-4);
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  checkLearningRate(lr);
  getLearningRate(optimizer);
  if ('setLearningRate' in optimizer && typeof optimizer.setLearningRate === 'function') {
    (optimizer as tf.SGDOptimizer).setLearningRate(lr);
  } else {
    (optimizer as unknown as WithLearningRate).learningRate = lr;
  }
}

/** `optimizer.dispose()`, plus what tfjs's MomentumOptimizer.dispose forgets: the cached `-lr` scalar. */
export function disposeTfOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  // Not `instanceof`: tfjs makes every optimizer an instance of every optimizer class.
  if (optimizer.getClassName() === tf.MomentumOptimizer.className) {
    const cached = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (cached !== undefined && !cached.isDisposed) cached.dispose();
  }
}

/** Throws unless `lr` is a finite number >= 0. */
export function checkLearningRate(lr: number): void {
  checkNumber('lr', lr, { min: 0 }, 'Argument');
}

/** Adam's running powers [beta1^t, beta2^t] (times beta, as tfjs stores them), as float32 values. */
export async function getAdamBetaPowers(optimizer: tf.Optimizer): Promise<[number, number]> {
  const { accBeta1, accBeta2 } = adamFields(optimizer);
  return [(await accBeta1.data())[0], (await accBeta2.data())[0]];
}

/** Writes Adam's running powers, as `getAdamBetaPowers` read them. */
export function setAdamBetaPowers(optimizer: tf.Optimizer, powers: [number, number]): void {
  const { accBeta1, accBeta2 } = adamFields(optimizer);
  tf.tidy(() => {
    accBeta1.assign(tf.scalar(powers[0], 'float32'));
    accBeta2.assign(tf.scalar(powers[1], 'float32'));
  });
}

function adamFields(optimizer: tf.Optimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } {
  const fields = optimizer as unknown as AdamFields;
  if (!(fields.accBeta1 instanceof tf.Variable && fields.accBeta2 instanceof tf.Variable)) {
    throw invalidArgument(
      `Argument \`optimizer\` must be a tfjs Adam optimizer (with accBeta1/accBeta2). Received: ${optimizer.getClassName()}`,
    );
  }
  return { accBeta1: fields.accBeta1, accBeta2: fields.accBeta2 };
}

/**
 * What one step of a tfjs Adam optimizer reads: its hyper-parameters, its running powers and the
 * moment slots of the variables named in order, made as tfjs's `applyGradients` makes them
 * (zeros, not trainable, named `<variable>/m` and `<variable>/v`, bound by position).
 */
export function adamStepState(
  optimizer: tf.AdamOptimizer,
  names: string[],
): {
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  moments: Array<[tf.Variable, tf.Variable]>;
} {
  const { accBeta1, accBeta2 } = adamFields(optimizer);
  const fields = optimizer as unknown as AdamFields & { beta1: number; beta2: number; epsilon: number };
  const slot = (name: string, suffix: string) => ({
    originalName: `${name}/${suffix}`,
    variable: tf.tidy(() => tf.zerosLike(tf.engine().registeredVariables[name]).variable(false)),
  });
  const moments = names.map((name, i): [tf.Variable, tf.Variable] => {
    fields.accumulatedFirstMoment[i] ??= slot(name, 'm');
    fields.accumulatedSecondMoment[i] ??= slot(name, 'v');
    return [fields.accumulatedFirstMoment[i].variable, fields.accumulatedSecondMoment[i].variable];
  });
  return { beta1: fields.beta1, beta2: fields.beta2, epsilon: fields.epsilon, accBeta1, accBeta2, moments };
}

/**
 * Ends a step taken outside tfjs's `applyGradients` as it ends one: the running powers (from
 * `adamStepState`) times beta, one more iteration.
 */
export function finishAdamStep(
  optimizer: tf.AdamOptimizer,
  { beta1, beta2, accBeta1, accBeta2 }: { beta1: number; beta2: number; accBeta1: tf.Variable; accBeta2: tf.Variable },
): void {
  tf.tidy(() => {
    accBeta1.assign(tf.mul(accBeta1, beta1));
    accBeta2.assign(tf.mul(accBeta2, beta2));
  });
  (optimizer as unknown as AdamFields).incrementIterations();
}
