import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { DeepmetricError } from '../../src/errors.js';
import { buildModel } from '../../src/models/index.js';
import {
  createOptimizer,
  getLearningRate,
  gradientNorm,
  optimizerState,
  restoreOptimizer,
  setLearningRate,
  type Optimizer,
  type OptimizerOptions,
} from '../../src/optimizers/index.js';
import { assertAllClose } from '../helpers/oracle.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';
import { refAdam, refSgd, refStep, type RefAdam, type RefParam, type RefSgd } from '../reference/optimizers.js';

const KERNEL = [0.5, -1.2, 0.3, 2.0, -0.7, 0.05];
const BIAS = [0.1, -0.2, 0.4];

/** A deterministic gradient, away from 0 so that Adam's g / sqrt(v) is well conditioned. */
function gradient(step: number, n: number, salt: number): number[] {
  return Array.from({ length: n }, (_, k) => {
    const s = Math.sin(step * 1.7 + k * 0.9 + salt);
    return Math.sign(s || 1) * (0.2 + Math.abs(s));
  });
}

function reference(o: OptimizerOptions, params: RefParam[]): RefAdam | RefSgd {
  return o.name === 'adam'
    ? refAdam(params, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-8, o.weightDecay ?? 0)
    : refSgd(o.momentum ?? 0.9, o.nesterov ?? false, o.weightDecay ?? 0);
}

const CASES: Array<[string, OptimizerOptions]> = [
  ['adam, defaults', { name: 'adam', lr: 0.01 }],
  [
    'adam, own betas and epsilon, weight decay',
    { name: 'adam', lr: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-3, weightDecay: 0.3 },
  ],
  ['sgd, momentum 0.9 (default)', { name: 'sgd', lr: 0.1 }],
  [
    'sgd, Nesterov momentum 0.5, weight decay',
    { name: 'sgd', lr: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.2 },
  ],
  ['sgd, no momentum, weight decay', { name: 'sgd', lr: 0.2, momentum: 0, weightDecay: 0.5 }],
];

/** A tiny model: tf.variableGrads of a squared error, for state save/restore runs. */
function tinyModel(seed: number) {
  return buildModel('mlp:8', { inputShape: [5], embeddingDim: 3, seed });
}

function trainSteps(
  model: ReturnType<typeof tinyModel>,
  opt: Optimizer,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  from: number,
  to: number,
): void {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let step = from; step < to; step++) {
    if (step === 2) opt.learningRate = opt.learningRate / 2;
    const { value, grads } = opt.computeGradients(
      () => tf.tidy(() => tf.mean(tf.square(tf.sub(model.apply(x) as tf.Tensor, y)))) as tf.Scalar,
      vars,
    );
    opt.applyGradients(grads);
    tf.dispose([value, grads]);
  }
}

describeBackends(['cpu', 'wasm'], 'optimizers against plain-loop updates', () => {
  for (const [name, options] of CASES) {
    it(`${name}: 5 steps, learning rate changed after 2, equal to the double-precision loop`, () => {
      const kernel = tf.variable(tf.tensor2d(KERNEL, [2, 3]));
      const bias = tf.variable(tf.tensor1d(BIAS));
      const params: RefParam[] = [
        { values: [...KERNEL], kernel: true },
        { values: [...BIAS], kernel: false },
      ];
      const ref = reference(options, params);
      const opt = createOptimizer(options);
      let lr = options.lr;
      for (let step = 0; step < 5; step++) {
        if (step === 2) {
          lr = lr * 0.3;
          opt.learningRate = lr;
        }
        assert.equal(opt.learningRate, lr);
        const g = [gradient(step, 6, 0), gradient(step, 3, 5)];
        const grads = { [kernel.name]: tf.tensor2d(g[0], [2, 3]), [bias.name]: tf.tensor1d(g[1]) };
        opt.applyGradients(grads);
        tf.dispose(Object.values(grads));
        refStep(ref, params, g, lr);
        assertAllClose(kernel.dataSync(), params[0].values, 2e-6, 1e-6, `kernel after step ${step + 1}`);
        assertAllClose(bias.dataSync(), params[1].values, 2e-6, 1e-6, `bias after step ${step + 1}`);
      }
      assert.equal(opt.iterations, 5);
      opt.dispose();
      tf.dispose([kernel, bias]);
    });
  }

  it('decays kernels by w (1 - lr wd) before the update, and leaves biases alone', () => {
    for (const name of ['adam', 'sgd'] as const) {
      const kernel = tf.variable(tf.tensor2d(KERNEL, [3, 2]));
      const bias = tf.variable(tf.tensor1d(BIAS));
      const opt = createOptimizer({ name, lr: 0.1, weightDecay: 0.25 });
      // A zero gradient moves neither Adam (0 / (0 + eps)) nor momentum SGD: only the decay acts.
      const grads = { [kernel.name]: tf.zeros([3, 2]), [bias.name]: tf.zeros([3]) };
      opt.applyGradients(grads);
      opt.applyGradients(grads);
      const factor = (1 - 0.1 * 0.25) ** 2;
      assertAllClose(
        kernel.dataSync(),
        KERNEL.map((w) => w * factor),
        1e-6,
        0,
        `${name} kernel`,
      );
      assert.deepEqual(Array.from(bias.dataSync()), Array.from(Float32Array.from(BIAS)), `${name} bias`);
      opt.dispose();
      tf.dispose([kernel, bias, ...Object.values(grads)]);
    }
  });

  it('changes the step size with the learning rate, also on tfjs optimizers made directly', () => {
    const direct: Array<[string, tf.Optimizer, (lr: number) => number]> = [
      ['tf.train.sgd', tf.train.sgd(0.1), (lr) => lr * 0.5],
      ['tf.train.momentum', tf.train.momentum(0.1, 0.9), (lr) => lr * 0.5],
      // Adam's first step is lr * g / (|g| + eps): lr, whatever the gradient's size.
      ['tf.train.adam', tf.train.adam(0.1, 0.9, 0.999, 1e-8), (lr) => lr],
      ['tf.train.rmsprop', tf.train.rmsprop(0.1, 0.9, 0, 1e-8), (lr) => (lr * 0.5) / Math.sqrt(0.1 * 0.25)],
    ];
    for (const [name, opt, stepOf] of direct) {
      const w = tf.variable(tf.scalar(1));
      const g = tf.scalar(0.5);
      assert.equal(getLearningRate(opt), 0.1, name);
      setLearningRate(opt, 0.03);
      assert.equal(getLearningRate(opt), 0.03, name);
      opt.applyGradients({ [w.name]: g });
      assertAllClose(w.dataSync(), [1 - stepOf(0.03)], 1e-5, 0, name);
      assert.throws(() => setLearningRate(opt, -1), /Argument `lr` must be a finite number >= 0. Received: lr=-1/);
      assert.throws(() => setLearningRate(opt, NaN), /lr=NaN/);
      opt.dispose();
      tf.dispose([w, g]);
    }
  });

  it('measures the global gradient norm and the update norm like the plain loop', () => {
    const a = tf.tensor2d([
      [3, -4],
      [1, 2],
    ]);
    const b = tf.tensor1d([0.5, -2, 7]);
    const norm = expectNoLeak(() => gradientNorm({ a, b }), 'gradientNorm');
    const want = Math.sqrt([3, -4, 1, 2, 0.5, -2, 7].reduce((s, v) => s + v * v, 0));
    const got = gradientNorm([a, b]);
    assertAllClose(got.dataSync(), [want], 1e-6, 0, 'gradient norm');
    assert.ok(norm.isDisposed);
    const empty = gradientNorm({});
    assert.equal(empty.dataSync()[0], 0);

    const kernel = tf.variable(tf.tensor2d(KERNEL, [2, 3]));
    const opt = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0.5 });
    const g = tf.tensor2d(gradient(0, 6, 1), [2, 3]);
    const updateNorm = opt.applyGradientsWithUpdateNorm({ [kernel.name]: g });
    const after = KERNEL.map((w, k) => w * (1 - 0.05) - 0.1 * gradient(0, 6, 1)[k]);
    assertAllClose(kernel.dataSync(), after, 1e-6, 1e-7, 'weights');
    const wantUpdate = Math.sqrt(after.reduce((s, w, k) => s + (w - KERNEL[k]) ** 2, 0));
    assertAllClose(updateNorm.dataSync(), [wantUpdate], 1e-5, 0, 'update norm');
    tf.dispose([a, b, got, empty, kernel, g, updateNorm]);
    opt.dispose();
  });

  for (const [name, options] of [
    ['adam with weight decay', { name: 'adam', lr: 0.01, weightDecay: 0.1 }],
    ['sgd with Nesterov momentum', { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }],
    ['plain sgd', { name: 'sgd', lr: 0.05, momentum: 0 }],
  ] as Array<[string, OptimizerOptions]>) {
    it(`${name}: saved after 5 steps and restored into a fresh model and optimizer, continues bit for bit`, async () => {
      const x = tf.tensor2d(
        Array.from({ length: 30 }, (_, i) => Math.sin(i * 0.37)),
        [6, 5],
      );
      const y = tf.tensor2d(
        Array.from({ length: 18 }, (_, i) => Math.cos(i * 0.51)),
        [6, 3],
      );

      const straight = tinyModel(7);
      const opt1 = createOptimizer(options);
      trainSteps(straight, opt1, x, y, 0, 8);
      const want = straight.getWeights().map((w) => Array.from(w.dataSync()));

      const first = tinyModel(7);
      const opt2 = createOptimizer(options);
      // After 5 steps Adam's running beta2^6 differs from tfjs's pow(beta2, 6) in float32.
      trainSteps(first, opt2, x, y, 0, 5);
      const state = await optimizerState(opt2);
      const weights = first.getWeights().map((w) => ({ values: Float32Array.from(w.dataSync()), shape: w.shape }));
      assert.equal(state.iterations, 5);
      first.dispose();
      opt2.dispose();

      // Another seed: every weight must come from the checkpoint. Its variables have other names.
      const resumed = tinyModel(99);
      const restoredWeights = weights.map((w) => tf.tensor(w.values, w.shape));
      resumed.setWeights(restoredWeights);
      tf.dispose(restoredWeights);
      const opt3 = createOptimizer(options);
      await restoreOptimizer(opt3, state);
      assert.equal(opt3.iterations, 5);
      assert.equal(opt3.learningRate, options.lr / 2);
      trainSteps(resumed, opt3, x, y, 5, 8);
      const got = resumed.getWeights().map((w) => Array.from(w.dataSync()));
      assert.deepEqual(got, want);

      // Without the optimizer state the continuation differs: the check above can fail.
      const cold = tinyModel(99);
      const coldWeights = weights.map((w) => tf.tensor(w.values, w.shape));
      cold.setWeights(coldWeights);
      tf.dispose(coldWeights);
      const opt4 = createOptimizer({ ...options, lr: options.lr / 2 });
      trainSteps(cold, opt4, x, y, 5, 8);
      if (name !== 'plain sgd')
        assert.notDeepEqual(
          cold.getWeights().map((w) => Array.from(w.dataSync())),
          want,
        );

      for (const m of [straight, resumed, cold]) m.dispose();
      for (const o of [opt1, opt3, opt4]) o.dispose();
      tf.dispose([x, y]);
    });
  }

  it('leaks no tensor: steps, update norms, state reads and restores over existing slots, and dispose', async () => {
    for (const options of CASES.map((c) => c[1])) {
      const created = tf.memory().numTensors;
      const [kernel, bias] = tf.tidy(() => [tf.variable(tf.tensor2d(KERNEL, [2, 3])), tf.variable(tf.tensor1d(BIAS))]);
      const grads = {
        [kernel.name]: tf.tensor2d(gradient(1, 6, 2), [2, 3]),
        [bias.name]: tf.tensor1d(gradient(1, 3, 3)),
      };
      const opt = createOptimizer(options);
      opt.applyGradients(grads); // creates the slots
      const before = tf.memory().numTensors;
      opt.applyGradients(grads);
      expectNoLeak(() => opt.applyGradientsWithUpdateNorm(grads), 'applyGradientsWithUpdateNorm');
      opt.learningRate = 0.001;
      const state = await optimizerState(opt);
      await restoreOptimizer(opt, state);
      await restoreOptimizer(opt, state);
      opt.applyGradients(grads);
      assert.equal(tf.memory().numTensors, before, `${options.name}: tensors after steps and restores`);
      opt.dispose();
      tf.dispose([kernel, bias, ...Object.values(grads)]);
      assert.equal(tf.memory().numTensors, created, `${JSON.stringify(options)}: tensors left after dispose`);
    }
  });
});

describeBackends(['cpu'], 'optimizer arguments and checks', () => {
  const invalid = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(
      fn,
      (e: unknown) => e instanceof DeepmetricError && e.code === 'invalid-argument' && pattern.test(e.message),
    );

  it('rejects bad options, naming the argument, the value and what is allowed', () => {
    const create = (o: unknown) => () => createOptimizer(o as OptimizerOptions);
    invalid(create({ name: 'adamw', lr: 0.1 }), /Argument `name` must be one of adam, sgd. Received: name=adamw/);
    invalid(create({ name: 'adam' }), /Argument `lr` must be a finite number >= 0. Received: lr=undefined/);
    invalid(create({ name: 'sgd', lr: -0.1 }), /lr=-0.1/);
    invalid(
      create({ name: 'adam', lr: 0.1, momentum: 0.9 }),
      /Argument `momentum` does not apply to the adam optimizer; its options are name, lr, weightDecay, beta1, beta2, epsilon. Received: momentum=0.9/,
    );
    invalid(create({ name: 'sgd', lr: 0.1, beta1: 0.9 }), /`beta1` does not apply to the sgd optimizer/);
    invalid(
      create({ name: 'adam', lr: 0.1, beta1: 1 }),
      /Argument `beta1` must be a finite number >= 0 < 1. Received: beta1=1/,
    );
    invalid(create({ name: 'adam', lr: 0.1, beta2: -0.5 }), /beta2=-0.5/);
    invalid(create({ name: 'adam', lr: 0.1, epsilon: -1 }), /Argument `epsilon` must be a finite number >= 0/);
    invalid(
      create({ name: 'sgd', lr: 0.1, weightDecay: -1 }),
      /Argument `weightDecay` must be a finite number >= 0. Received: weightDecay=-1/,
    );
    invalid(create({ name: 'sgd', lr: 0.1, momentum: 0, nesterov: true }), /`nesterov` needs momentum > 0/);
    invalid(create({ name: 'sgd', lr: 0.1, nesterov: 'yes' }), /Argument `nesterov` must be true or false/);
    // An option left undefined is absent (what a CLI passes for flags not given).
    createOptimizer({ name: 'adam', lr: 0.1, momentum: undefined } as unknown as OptimizerOptions).dispose();
    const opt = createOptimizer({ name: 'adam', lr: 0.1 });
    invalid(() => (opt.learningRate = Infinity), /lr=Infinity/);
    opt.dispose();
  });

  it('rejects gradients of unknown variables or of the wrong shape', () => {
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const w = tf.variable(tf.zeros([2, 2]));
    const g = tf.zeros([3]);
    invalid(() => opt.applyGradients({ nope: g }), /names 'nope', which is not a live variable/);
    invalid(
      () => opt.applyGradients({ [w.name]: g }),
      /must have the variable's shape \[2, 2\]. Received: shape \[3\]/,
    );
    opt.dispose();
    tf.dispose([w, g]);
  });

  it('refuses a state of another optimizer kind, a malformed state, and slots of another model', async () => {
    const kernel = tf.variable(tf.tensor2d(KERNEL, [2, 3]));
    const grads = { [kernel.name]: tf.ones([2, 3]) };
    const adam = createOptimizer({ name: 'adam', lr: 0.1 });
    adam.applyGradients(grads);
    const state = await optimizerState(adam);
    assert.equal(state.slots.length, 2);
    assert.deepEqual(
      state.slots.map((s) => s.name),
      [`${kernel.name}/m`, `${kernel.name}/v`],
    );

    const sgd = createOptimizer({ name: 'sgd', lr: 0.1 });
    await assert.rejects(restoreOptimizer(sgd, state), /saved from adam, but the optimizer is sgd with momentum/);
    const plain = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0 });
    await assert.rejects(
      restoreOptimizer(plain, await optimizerState(sgd)),
      /saved from sgd with momentum, but the optimizer is sgd without momentum/,
    );
    const other = createOptimizer({ name: 'adam', lr: 0.1 });
    await assert.rejects(
      restoreOptimizer(other, { ...state, slots: state.slots.slice(0, 1) }),
      /adam keeps 2 slot\(s\) per variable/,
    );
    await assert.rejects(restoreOptimizer(other, { ...state, iterations: -1 }), /iterations must be an integer/);
    await assert.rejects(
      restoreOptimizer(other, {
        ...state,
        slots: [{ ...state.slots[0], values: new Float32Array(2) }, state.slots[1]],
      }),
      /slots\[0\] must be/,
    );
    await assert.rejects(restoreOptimizer(other, { ...state, betaPowers: null }), /adam needs betaPowers/);

    await restoreOptimizer(other, state);
    const wrong = tf.variable(tf.zeros([3, 2]));
    invalid(
      () => other.applyGradients({ [wrong.name]: tf.ones([3, 2]) }),
      /slot 0 has shape \[2, 3\], but variable '.*' has shape \[3, 2\]: the checkpoint belongs to another model/,
    );
    for (const o of [adam, sgd, plain, other]) o.dispose();
    tf.dispose([kernel, wrong, ...Object.values(grads)]);
  });
});
