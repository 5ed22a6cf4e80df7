import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { checkLearningRate, getAdamBetaPowers, setAdamBetaPowers } from './tfjs-internals.js';

/** One slot of an optimizer (an Adam moment, a momentum buffer), for one variable. */
export interface OptimizerSlot {
  /** tfjs's name for it: `<variable>/m`, `<variable>/v`, `<variable>/momentum`. */
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Everything a resumed run needs to continue an optimizer exactly: plain numbers and
 * Float32Arrays, for a checkpoint to write. Slots come in tfjs's order: for adam, every first
 * moment then every second moment; for sgd with momentum, the buffers; plain sgd has none.
 */
export interface OptimizerState {
  config: OptimizerConfig;
  learningRate: number;
  iterations: number;
  slots: OptimizerSlot[];
  /** adam: the running [beta1^(t+1), beta2^(t+1)] as tfjs holds them in float32; else null. */
  betaPowers: [number, number] | null;
}

/**
 * Reads an optimizer's state (slots copied out of the backend), to save in a checkpoint.
 *
 * @example
 * const state = await optimizerState(opt);
 * // later, in a resumed run, with a model built and loaded the same way:
 * await restoreOptimizer(createOptimizer(config), state);
 */
export async function optimizerState(optimizer: Optimizer): Promise<OptimizerState> {
  checkOptimizer(optimizer);
  const weights = await optimizer.tfOptimizer.getWeights();
  // The first entry is the iteration count, made afresh by getWeights; the slots are live variables.
  tf.dispose(weights[0].tensor);
  const slots: OptimizerSlot[] = [];
  for (const { name, tensor } of weights.slice(1)) {
    slots.push({ name, shape: [...tensor.shape], values: Float32Array.from(await tensor.data()) });
  }
  return {
    config: { ...optimizer.config },
    learningRate: optimizer.learningRate,
    iterations: optimizer.iterations,
    slots,
    betaPowers: optimizer.name === 'adam' ? await getAdamBetaPowers(optimizer.tfOptimizer) : null,
  };
}

/**
 * Puts a state from `optimizerState` into an optimizer of the same kind (same `name`, and for
 * sgd, momentum or not): slots, iteration count, Adam's beta powers and the learning rate. The
 * optimizer's own hyperparameters (betas, epsilon, momentum, weight decay) stay as created. The
 * slots bind to variables by position at the next `applyGradients`, which checks their shapes.
 * The optimizer's previous slots are freed.
 *
 * After `restoreOptimizer`, training continues bit for bit as the run that saved the state
 * would have (same backend, same gradients).
 *
 * @example
 * await restoreOptimizer(opt, state);
 */
export async function restoreOptimizer(optimizer: Optimizer, state: OptimizerState): Promise<void> {
  checkOptimizer(optimizer);
  checkState(optimizer, state);
  const old = await optimizer.tfOptimizer.getWeights();
  const fresh: Array<{ name: string; tensor: tf.Tensor }> = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.values, s.shape, 'float32') })),
  ];
  try {
    // setWeights wraps each tensor in a new variable that shares its buffer.
    await optimizer.tfOptimizer.setWeights(fresh);
  } finally {
    tf.dispose(fresh.map((w) => w.tensor));
  }
  tf.dispose(old.map((w) => w.tensor));
  if (state.betaPowers !== null) setAdamBetaPowers(optimizer.tfOptimizer, state.betaPowers);
  optimizer.learningRate = state.learningRate;
  const perVariable = optimizer.name === 'adam' ? state.slots.slice(0, state.slots.length / 2) : state.slots;
  if (perVariable.length > 0) optimizer.expectSlotShapes(perVariable.map((s) => s.shape));
}

function checkOptimizer(optimizer: Optimizer): void {
  if (!(optimizer instanceof Optimizer)) {
    throw invalidArgument(
      `Argument \`optimizer\` must be a deepmetric Optimizer (from createOptimizer). Received: optimizer=${String(optimizer)}`,
    );
  }
}

function checkState(optimizer: Optimizer, state: OptimizerState): void {
  const bad = (what: string) => invalidArgument(`Argument \`state\` is not an optimizer state: ${what}.`);
  if (typeof state !== 'object' || state === null || typeof state.config !== 'object' || state.config === null) {
    throw bad('expected { config, learningRate, iterations, slots, betaPowers } from optimizerState');
  }
  const kind = (c: OptimizerConfig) =>
    c.name === 'sgd' ? (c.momentum > 0 ? 'sgd with momentum' : 'sgd without momentum') : c.name;
  if (kind(state.config) !== kind(optimizer.config)) {
    throw invalidArgument(
      `Argument \`state\` was saved from ${kind(state.config)}, but the optimizer is ${kind(optimizer.config)}; create the optimizer with the run's settings.`,
    );
  }
  checkLearningRate(state.learningRate);
  if (!(Number.isInteger(state.iterations) && state.iterations >= 0 && state.iterations < 2 ** 31)) {
    throw bad(`iterations must be an integer in [0, 2^31). Received: iterations=${String(state.iterations)}`);
  }
  if (!Array.isArray(state.slots)) throw bad('slots must be an array');
  state.slots.forEach((s, i) => {
    const ok =
      typeof s === 'object' &&
      s !== null &&
      typeof s.name === 'string' &&
      Array.isArray(s.shape) &&
      s.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      s.values instanceof Float32Array &&
      s.values.length === s.shape.reduce((a, b) => a * b, 1);
    if (!ok) throw bad(`slots[${i}] must be { name, shape, values: Float32Array of shape's size }`);
  });
  const slotsPerVariable = optimizer.name === 'adam' ? 2 : optimizer.config.momentum > 0 ? 1 : 0;
  if (slotsPerVariable === 0 ? state.slots.length !== 0 : state.slots.length % slotsPerVariable !== 0) {
    throw bad(
      `${kind(optimizer.config)} keeps ${slotsPerVariable} slot(s) per variable. Received: ${state.slots.length} slots`,
    );
  }
  if (optimizer.name === 'adam') {
    const n = state.slots.length / 2;
    for (let i = 0; i < n; i++) {
      if (!tf.util.arraysEqual(state.slots[i].shape, state.slots[n + i].shape)) {
        throw bad(`adam's first and second moments ${i} differ in shape`);
      }
    }
    const powers = state.betaPowers;
    const ok =
      Array.isArray(powers) && powers.length === 2 && powers.every((p) => typeof p === 'number' && Number.isFinite(p));
    if (!ok) throw bad('adam needs betaPowers: [number, number]');
  } else if (state.betaPowers !== null) {
    throw bad('betaPowers must be null for sgd');
  }
}
