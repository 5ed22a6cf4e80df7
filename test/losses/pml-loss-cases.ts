/**
 * Runs the oracle cases of the losses with gradients (README "Losses with gradients"): builds the
 * deepmetric loss of a case's params, computes the loss and its gradient with respect to the
 * embeddings (and the class weights or proxies), and checks them at the README's tolerances.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import {
  ArcFaceLoss,
  CircleLoss,
  ContrastiveLoss,
  MarginLoss,
  MultiSimilarityLoss,
  NTXentLoss,
  ProxyAnchorLoss,
  SupConLoss,
  TripletMarginLoss,
  type BaseMetricLossFunction,
} from '../../src/losses/index.js';
import { LpRegularizer, ZeroMeanRegularizer, type BaseRegularizer } from '../../src/regularizers/index.js';
import { camelKwargs, close, type OracleCase, type Spec } from '../helpers/oracle.js';
import { distanceFromSpec, indicesFromOracle, reducerFromSpec } from '../helpers/pml.js';
import { matrix } from '../helpers/tensors.js';

export interface LossParams {
  loss: Spec;
  distance: Spec;
  reducer: Spec;
  miner: Spec | null;
  embedding_regularizer?: Spec & { reducer: Spec };
}

export interface SubLossExpectation {
  value: number;
  num?: number;
  num_nonzero?: number;
  zero_loss?: boolean;
}

export interface LossExpectation {
  loss: number;
  grad: number[][];
  grad_W?: number[][];
  grad_proxies?: number[][];
  sub_losses: Record<string, SubLossExpectation>;
}

export function regularizerOf(spec: Spec & { reducer: Spec }): BaseRegularizer {
  const reducer = reducerFromSpec(spec.reducer);
  switch (spec.class) {
    case 'LpRegularizer':
      return new LpRegularizer({ ...camelKwargs(spec.kwargs), reducer });
    case 'ZeroMeanRegularizer':
      return new ZeroMeanRegularizer({ reducer });
    default:
      throw new Error(`unknown regularizer ${spec.class}`);
  }
}

/** The deepmetric loss of an oracle case, with the case's class weights or proxies when it has them. */
export function lossOf(params: LossParams, inputs: Record<string, unknown> = {}): BaseMetricLossFunction<unknown> {
  const kw = camelKwargs(params.loss.kwargs);
  const common = {
    distance: distanceFromSpec(params.distance),
    reducer: reducerFromSpec(params.reducer),
    ...(params.embedding_regularizer ? { embeddingRegularizer: regularizerOf(params.embedding_regularizer) } : {}),
  };
  switch (params.loss.class) {
    case 'ContrastiveLoss':
      return new ContrastiveLoss({ ...kw, ...common });
    case 'MultiSimilarityLoss':
      return new MultiSimilarityLoss({ ...kw, ...common });
    case 'NTXentLoss':
      return new NTXentLoss({ ...kw, ...common });
    case 'SupConLoss':
      return new SupConLoss({ ...kw, ...common });
    case 'CircleLoss':
      return new CircleLoss({ ...kw, ...common });
    case 'MarginLoss':
      return new MarginLoss({ ...kw, numClasses: kw.numClasses ?? undefined, ...common } as never);
    case 'ArcFaceLoss':
      return new ArcFaceLoss({ ...kw, ...common, weights: inputs.W as number[][] } as never);
    case 'ProxyAnchorLoss':
      return new ProxyAnchorLoss({ ...kw, ...common, proxies: inputs.proxies as number[][] } as never);
    case 'TripletMarginLoss':
      return new TripletMarginLoss({ ...kw, ...common } as never);
    default:
      throw new Error(`unknown loss ${params.loss.class}`);
  }
}

/** README: loss |x - e| <= 1e-6 + 1e-5 |e|. */
export function assertLoss(got: number, want: number, what = 'loss'): void {
  assert.ok(close(got, want, 1e-5, 1e-6), `${what} ${got} vs ${want}`);
}

/** README: max |g - e| <= 1e-6 + 1e-4 max |e| over the whole matrix; `atol` replaces it (collapsed inputs). */
export function assertGrad(got: ArrayLike<number>, want: number[][], what: string, atol?: number): void {
  const flat = want.flat();
  assert.equal(got.length, flat.length, `${what}: size`);
  const scale = Math.max(0, ...flat.map((v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
  const tol = atol ?? 1e-6 + 1e-4 * scale;
  let worst = 0;
  let where = -1;
  for (let i = 0; i < flat.length; i++) {
    if (Number.isNaN(flat[i])) {
      assert.ok(Number.isNaN(got[i]), `${what}[${i}]: ${got[i]} vs NaN`);
      continue;
    }
    const err = Math.abs(got[i] - flat[i]);
    if (!(err <= worst)) {
      worst = err;
      where = i;
    }
  }
  assert.ok(worst <= tol, `${what}: max error ${worst} at ${where} (${got[where]} vs ${flat[where]}) > ${tol}`);
}

/** Loss, gradient w.r.t. the embeddings and w.r.t. the loss's own weights, read back. */
export function lossAndGrads(
  loss: BaseMetricLossFunction<unknown>,
  embeddings: number[][],
  labels: number[],
  indices: ReturnType<typeof indicesFromOracle>,
): { value: number; grad: Float32Array; weightGrads: Float32Array[] } {
  const x = tf.variable(matrix(embeddings));
  const weights = loss.trainableWeights();
  const { value, grads } = tf.variableGrads(() => loss.compute(x as tf.Tensor2D, labels, indices), [x, ...weights]);
  const out = {
    value: value.dataSync()[0],
    grad: grads[x.name].dataSync() as Float32Array,
    weightGrads: weights.map((w) => grads[w.name].dataSync() as Float32Array),
  };
  tf.dispose([x, value, ...Object.values(grads)]);
  return out;
}

/** Declares one test per case: loss, gradients and sub-loss values against PML. */
export function oracleLossTests(cases: OracleCase[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const params = c.params as unknown as LossParams;
      const e = c.expected as unknown as LossExpectation;
      const loss = lossOf(params, c.inputs);
      const indices = indicesFromOracle(c.inputs.indices_tuple as Record<string, number[]> | null);
      const { value, grad, weightGrads } = lossAndGrads(
        loss,
        c.inputs.embeddings as number[][],
        c.inputs.labels as number[],
        indices,
      );
      assertLoss(value, e.loss);
      // README tolerance 1: collapsed rows have a zero exact gradient, float32 leaves rounding noise.
      const atol = c.name.includes('edge_collapsed') ? 1e-5 : undefined;
      assertGrad(grad, e.grad, 'grad', atol);
      const weightExpected = e.grad_W ?? e.grad_proxies;
      if (weightExpected !== undefined)
        assertGrad(weightGrads[0], weightExpected, e.grad_W ? 'grad_W' : 'grad_proxies', atol);
      const sub = loss.lastSubLosses;
      assert.ok(sub !== null);
      assert.deepEqual(Object.keys(sub).sort(), Object.keys(e.sub_losses).sort(), 'sub-loss names');
      for (const [name, s] of Object.entries(e.sub_losses)) assertLoss(sub[name], s.value, name);
      loss.dispose();
    });
  }
}
