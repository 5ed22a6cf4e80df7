import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { Random } from '../../src/random.js';
import { createOptimizer, optimizerState } from '../../src/optimizers/index.js';
import { wasmAdamStep } from '../../src/optimizers/wasm-adam-step.js';
import { describeBackends, expectNoLeak } from '../helpers/tensors.js';

const SHAPES = [[7, 5], [33], [3, 3, 2, 4], [1]];

function values(rng: Random, shape: number[], scale: number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * scale;
  return out;
}

describeBackends(['wasm'], 'the fused Adam step on wasm', () => {
  it("gives tfjs Adam's weights, moments, running powers and iteration count bit for bit", async () => {
    const rng = new Random(11);
    const initial = SHAPES.map((shape) => values(rng, shape, 1));
    const fused = SHAPES.map((shape, i) => tf.variable(tf.tensor(initial[i], shape), true, `fused${i}`));
    const plain = SHAPES.map((shape, i) => tf.variable(tf.tensor(initial[i], shape), true, `plain${i}`));
    const ours = createOptimizer({ name: 'adam', lr: 3e-3 });
    const reference = tf.train.adam(3e-3, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 6; step++) {
      // Gradients from tiny to large, and a zero, so that every branch of the update is exercised.
      const grads = SHAPES.map((shape) => values(rng, shape, 10 ** (rng.int(7) - 4)));
      grads[0][0] = 0;
      if (step === 3) ours.learningRate = 1e-3;
      if (step === 3) (reference as unknown as { learningRate: number }).learningRate = 1e-3;
      const map = (vars: tf.Variable[]): tf.NamedTensorMap =>
        Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(grads[i], SHAPES[i])]));
      const fusedGrads = map(fused);
      const plainGrads = map(plain);
      ours.applyGradients(fusedGrads);
      reference.applyGradients(Object.entries(plainGrads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([...Object.values(fusedGrads), ...Object.values(plainGrads)]);
    }
    fused.forEach((v, i) => assert.deepEqual(v.dataSync(), plain[i].dataSync(), `weights ${v.shape}`));
    const state = await optimizerState(ours);
    const weights = await reference.getWeights();
    assert.equal(ours.iterations, reference.iterations);
    // tfjs's weights: the iteration count, then every first moment, then every second moment.
    const moments = weights.slice(1).map((w) => w.tensor.dataSync());
    const ourMoments = state.slots.map((slot) => Float32Array.from(slot.values));
    assert.deepEqual(ourMoments, moments);
    const powers = (o: tf.Optimizer) =>
      ['accBeta1', 'accBeta2'].map((k) => (o as unknown as Record<string, tf.Variable>)[k].dataSync()[0]);
    assert.deepEqual(powers(ours.tfOptimizer), powers(reference));
    tf.dispose([...fused, ...plain]);
    ours.dispose();
    reference.dispose();
  });

  it('leaves no tensor behind once its moments exist, and steps nothing it does not cover', () => {
    const w = tf.variable(tf.ones([4, 3]), true, 'leakW');
    const optimizer = createOptimizer({ name: 'adam', lr: 1e-2 });
    const step = () => {
      const grads = { [w.name]: tf.fill([4, 3], 0.5) };
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
    };
    step(); // makes the moment slots, which live on
    expectNoLeak(step, 'a fused Adam step');
    const sgd = tf.train.sgd(0.1);
    const before = w.dataSync().slice();
    const grads = { [w.name]: tf.fill([4, 3], 0.5) };
    assert.equal(wasmAdamStep(sgd, grads), false);
    assert.deepEqual(w.dataSync(), before);
    tf.dispose([w, ...Object.values(grads)]);
    optimizer.dispose();
    sgd.dispose();
  });
});
