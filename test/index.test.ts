import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as dm from '../src/index.js';

describe('the public API', () => {
  it('exports every name DESIGN.md promises', () => {
    const names = [
      'initBackend',
      'tf',
      'LpDistance',
      'CosineSimilarity',
      'DotProductSimilarity',
      'MeanReducer',
      'AvgNonZeroReducer',
      'SumReducer',
      'TripletMarginMiner',
      'BatchHardMiner',
      'BatchEasyHardMiner',
      'MultiSimilarityMiner',
      'DistanceWeightedMiner',
      'TripletMarginLoss',
      'ReduceLROnPlateau',
      'retrievalMetrics',
      'clusteringMetrics',
      'embeddingHealth',
    ];
    for (const name of names) assert.ok(name in dm && (dm as Record<string, unknown>)[name] !== undefined, name);
  });

  it('exports the helpers, callbacks and constants docs/api.md documents as public', () => {
    const names = [
      'SoftmaxHardMiner',
      'BatchHardRandomMiner',
      'CurriculumCallback',
      'CURRICULA',
      'harderMiningReady',
      'SEPARATED_VIOLATION_FRACTION',
      'curriculumStages',
      'allTripletIndices',
      'convertToTriplets',
      'pairsToTriplets',
      'randomTripletIndices',
      'parseModelSpec',
      'gradientNorm',
      'getLearningRate',
      'setLearningRate',
      'readIdx',
      'parseIdx',
      'writeIdx',
      'encodeIdx',
      'parseNpy',
      'encodeNpy',
      'holdoutClassIds',
      'sampleSize',
      'bundledFashionMnistDir',
      'ProgressCallback',
      'LogCallback',
      'CheckpointCallback',
      'ScheduleCallback',
      'saveCheckpoint',
      'loadCheckpoint',
      'suggestedLr',
      'readTrainingLog',
      'isTrainingLogDir',
      'logHistory',
      'LOSS_TAGS',
      'LR_TAGS',
      'MINED_TAGS',
      'readRun',
      'runPaths',
      'compareWithRaw',
      'COLLAPSED_NEAR_ZERO_SHARE',
      'COLLAPSED_NORMALIZED_DISTANCE',
      'COLLAPSED_RAW_POINT_RATIO',
      'COLLAPSED_RAW_SPREAD_RATIO',
      'COLLAPSED_STD',
      'COLLAPSING_RAW_SPREAD_RATIO',
      'COLLAPSING_SPREAD_RATIO',
      'DEAD_DIMENSION_SHARE',
      'DIMENSIONAL_FIRST_COMPONENT_SHARE',
      'DIMENSIONAL_FLOOR_RANK',
      'DIMENSIONAL_MIN_RANK',
      'DIMENSIONAL_RANK_FRACTION',
      'LOSS_AT_MARGIN',
      'LR_FLOOR_FRACTION',
      'NORM_GROWTH_RATIO',
      'NORM_SHRINK_RATIO',
      'RECENT_STEPS',
      'SPIKE_FACTOR',
      'STALLED_ACTIVE_FRACTION',
      'UNSEPARATED_VIOLATION_FRACTION',
      'UPDATE_RATIO_TARGET',
      'UPDATE_RATIO_TOO_HIGH',
      'VANISHED_GRADIENT_RATIO',
    ];
    for (const name of names) assert.ok(name in dm && (dm as Record<string, unknown>)[name] !== undefined, name);
  });

  it('keeps the internals internal', () => {
    const internals = [
      'GradientWorkers',
      'resolveWorkers',
      'symmetricEigen',
      'distanceWeights',
      'sampleWithoutReplacement',
      'RunLog',
      'readRunLog',
      'collapseWatch',
      'finalHealth',
      'guardRun',
      'parseHealthSnapshot',
      'HEALTH_SNAPSHOT_FIELDS',
      'historyFeatures',
      'planRemedy',
      'gatherFlat',
      'dataOptions',
      'distanceFor',
      'minerFor',
      'lossFor',
    ];
    const leaked = internals.filter((name) => name in dm);
    assert.deepEqual(leaked, [], `src/index.ts exports internals: ${leaked.join(', ')}`);
  });

  it('lists every name in src/index.ts (no export *)', async () => {
    const index = await readFile(fileURLToPath(new URL('../src/index.ts', import.meta.url)), 'utf8');
    assert.doesNotMatch(index, /export \*/);
  });

  it('exports every name docs/api.md writes as dm.<name>', async () => {
    const api = await readFile(fileURLToPath(new URL('../docs/api.md', import.meta.url)), 'utf8');
    const used = new Set(Array.from(api.matchAll(/\bdm\.([A-Za-z_$][\w$]*)/g), (m) => m[1]));
    assert.ok(used.size > 20, `only ${used.size} dm.<name> in docs/api.md`);
    const missing = [...used].filter((name) => !(name in dm));
    assert.deepEqual(missing, [], `docs/api.md uses dm.${missing.join(', dm.')}, which src/index.ts does not export`);
  });

  it('runs the example of docs/api.md: a small MLP trained with triplet loss and Adam', async () => {
    const { tf } = dm;
    assert.equal(await dm.initBackend('cpu'), 'cpu');
    const rng = new dm.Random(0);
    const x = tf.tensor2d(
      Array.from({ length: 64 }, (_, i) => Array.from({ length: 10 }, (__, k) => (k === i % 4 ? 2 : 0) + rng.normal())),
    );
    const labels = Int32Array.from({ length: 64 }, (_, i) => i % 4);
    const model = dm.buildModel('mlp:32', { inputShape: [10], embeddingDim: 8, seed: 0 });
    const optimizer = dm.createOptimizer({ name: 'adam', lr: 1e-2 });
    const loss = new dm.TripletMarginLoss({ margin: 0.2 });
    const miner = new dm.TripletMarginMiner({ margin: 0.2, typeOfTriplets: 'semihard' });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const { value, grads } = optimizer.computeGradients(() => {
        const embeddings = model.apply(x) as dm.tf.Tensor2D;
        return loss.compute(embeddings, labels, miner.mine(embeddings, labels));
      });
      optimizer.applyGradients(grads);
      losses.push(value.dataSync()[0]);
      tf.dispose([value, grads]);
    }
    const embeddings = model.predict(x) as dm.tf.Tensor2D;
    const { precisionAt1 } = dm.retrievalMetrics({ query: embeddings, queryLabels: labels });
    assert.ok(precisionAt1 > 0.9, `precision@1 ${precisionAt1}`);
    tf.dispose([x, embeddings]);
    model.dispose();
    optimizer.dispose();
  });
});
