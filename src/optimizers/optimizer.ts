import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { disposeTfOptimizer, getLearningRate, setLearningRate } from './tfjs-internals.js';
import { wasmAdamStep } from './wasm-adam-step.js';
import { gradientNorm } from './gradient-norm.js';

export type OptimizerName = 'adam' | 'sgd';

/** Every setting of an `Optimizer`, defaults resolved (`createOptimizer` fills them in). */
export interface OptimizerConfig {
  name: OptimizerName;
  /** The learning rate it was created with (the current one is `optimizer.learningRate`). */
  lr: number;
  /** Decoupled weight decay per unit of learning rate (AdamW's lambda). */
  weightDecay: number;
  /** sgd: momentum factor (0 = plain SGD); adam: unused (0). */
  momentum: number;
  /** sgd: Nesterov momentum. */
  nesterov: boolean;
  /** adam: decay of the first moment. */
  beta1: number;
  /** adam: decay of the second moment. */
  beta2: number;
  /** adam: added to sqrt(v_hat) in the denominator. */
  epsilon: number;
}

/**
 * An optimizer for training loops: a tfjs optimizer (`tf.train.adam`, `tf.train.momentum` or
 * `tf.train.sgd`) plus what tfjs lacks — a learning rate that can change at run time, decoupled
 * weight decay, an update-norm measurement and an exact checkpoint (`optimizerState`,
 * `restoreOptimizer`). Make one with `createOptimizer`.
 *
 * One step, for every variable w with gradient g (lr = the current learning rate, wd = weightDecay):
 *
 *   w <- w * (1 - lr * wd)        kernels only (rank >= 2), before the update, as torch's AdamW
 *   w <- w - lr * update(g)       tfjs's Adam / momentum / SGD update
 *
 * Slots (moments, momentum buffers) belong to variables by position: the n-th entry of the
 * gradient map at every step, which is the order of `model.trainableWeights` when the gradients
 * come from `tf.variableGrads(f, model.trainableWeights.map(w => w.read()))`-style code. Keep it.
 *
 * @example
 * const opt = createOptimizer({ name: 'adam', lr: 1e-3, weightDecay: 1e-4 });
 * const { value, grads } = opt.computeGradients(() => loss(model));
 * opt.applyGradients(grads);
 * tf.dispose([value, grads]);
 * opt.learningRate = 5e-4; // e.g. from a scheduler
 */
export class Optimizer {
  readonly config: OptimizerConfig;
  /** The tfjs optimizer doing the update (for `model.compile`, or tfjs APIs that want one). */
  readonly tfOptimizer: tf.Optimizer;
  private expectedShapes: number[][] | null = null;

  /** Use `createOptimizer`: it validates the options and builds the matching tfjs optimizer. */
  constructor(config: OptimizerConfig, tfOptimizer: tf.Optimizer) {
    this.config = config;
    this.tfOptimizer = tfOptimizer;
  }

  get name(): OptimizerName {
    return this.config.name;
  }

  /** The learning rate of the next step; assign to change it (a finite number >= 0). */
  get learningRate(): number {
    return getLearningRate(this.tfOptimizer);
  }

  set learningRate(lr: number) {
    setLearningRate(this.tfOptimizer, lr);
  }

  /** Steps applied so far (restored by `restoreOptimizer`). */
  get iterations(): number {
    return this.tfOptimizer.iterations;
  }

  /**
   * The value of `f` and its gradients with respect to `varList` (default: every trainable
   * variable), as `tf.variableGrads`. The caller disposes both.
   */
  computeGradients(f: () => tf.Scalar, varList?: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    return this.tfOptimizer.computeGradients(f, varList);
  }

  /**
   * Applies one step for the variables named in `grads` (keys: variable names, as
   * `tf.variableGrads` returns them): weight decay, then the tfjs update (Adam on wasm: the same
   * update fused into one kernel per variable, `wasmAdamStep`). `grads` stays owned by the caller.
   */
  applyGradients(grads: tf.NamedTensorMap): void {
    const variables = this.variablesOf(grads);
    const decay = this.config.weightDecay * this.learningRate;
    if (decay !== 0) {
      tf.tidy(() => {
        for (const v of variables) {
          // Biases and other vectors are not decayed: shrinking them does not regularize the
          // function's complexity, it only biases activations toward zero.
          if (v.rank >= 2) v.assign(tf.mul(v, 1 - decay));
        }
      });
    }
    if (!wasmAdamStep(this.tfOptimizer, grads)) this.tfOptimizer.applyGradients(grads);
  }

  /**
   * `applyGradients`, returning the global L2 norm of the change it made to the weights,
   * sqrt(sum over variables of ||w_after - w_before||^2), as a scalar the caller disposes.
   * Costs one copy of the updated weights for the duration of the step.
   */
  applyGradientsWithUpdateNorm(grads: tf.NamedTensorMap): tf.Scalar {
    const variables = this.variablesOf(grads);
    // Variables swap their buffer on assign, so a clone keeps the old values (a copy on wasm, where
    // Identity copies; shared on cpu).
    const before = variables.map((v) => tf.clone(v));
    try {
      this.applyGradients(grads);
      return tf.tidy(() => gradientNorm(variables.map((v, i) => tf.sub(v, before[i]))));
    } finally {
      tf.dispose(before);
    }
  }

  /** Frees the optimizer's slots (moments, momentum buffers) and scalars. */
  dispose(): void {
    disposeTfOptimizer(this.tfOptimizer);
  }

  /**
   * Called by `restoreOptimizer`: the next step checks that the gradients' shapes, in order,
   * are the shapes of the restored slots, so a checkpoint of another model fails clearly
   * instead of broadcasting into the wrong variables.
   */
  expectSlotShapes(shapes: number[][]): void {
    this.expectedShapes = shapes;
  }

  private variablesOf(grads: tf.NamedTensorMap): tf.Variable[] {
    if (typeof grads !== 'object' || grads === null || Array.isArray(grads)) {
      throw invalidArgument(
        `Argument \`grads\` must map variable names to gradients (as tf.variableGrads returns). Received: grads=${String(grads)}`,
      );
    }
    const registered = tf.engine().registeredVariables;
    const names = Object.keys(grads);
    const variables = names.map((name) => {
      const v = registered[name];
      const g = grads[name];
      if (v === undefined) {
        throw invalidArgument(`Argument \`grads\` names '${name}', which is not a live variable.`);
      }
      if (!(g instanceof tf.Tensor) || !tf.util.arraysEqual(g.shape, v.shape)) {
        const got = g instanceof tf.Tensor ? `shape [${g.shape.join(', ')}]` : String(g);
        throw invalidArgument(
          `Argument \`grads\`: the gradient of '${name}' must have the variable's shape [${v.shape.join(', ')}]. Received: ${got}`,
        );
      }
      return v;
    });
    if (this.expectedShapes !== null) {
      this.checkRestoredShapes(names, variables, this.expectedShapes);
      this.expectedShapes = null;
    }
    return variables;
  }

  private checkRestoredShapes(names: string[], variables: tf.Variable[], expected: number[][]): void {
    const show = (s: readonly number[]) => `[${s.join(', ')}]`;
    if (expected.length !== variables.length) {
      throw invalidArgument(
        `The restored optimizer state holds slots for ${expected.length} variables, but \`grads\` has ${variables.length}: the checkpoint belongs to another model.`,
      );
    }
    variables.forEach((v, i) => {
      if (!tf.util.arraysEqual(v.shape, expected[i])) {
        throw invalidArgument(
          `The restored optimizer state's slot ${i} has shape ${show(expected[i])}, but variable '${names[i]}' has shape ${show(v.shape)}: the checkpoint belongs to another model (or its variables come in another order).`,
        );
      }
    });
  }
}
