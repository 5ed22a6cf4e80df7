import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tf } from '../../src/tf.js';
import { CrossBatchMemory } from '../../src/losses/index.js';
import { loadOracle } from '../helpers/oracle.js';
import { describeBackends, matrix } from '../helpers/tensors.js';
import { minerFromSpec } from '../helpers/pml.js';
import { assertGrad, assertLoss, lossOf, type LossParams } from './pml-loss-cases.js';

const cases = loadOracle('cross_batch_memory', 'cross_batch_memory');

interface Batch {
  embeddings: number[][];
  labels: number[];
}
interface Expected {
  loss: number[];
  grad: number[][][];
  queue_idx_after_batch: number[];
  has_been_filled_after_batch: boolean[];
  memory_rows_used: number[];
  tuple_sizes: Array<{ num_triplets?: number; num_pos_pairs?: number; num_neg_pairs?: number }>;
}

describeBackends(['cpu', 'wasm'], 'CrossBatchMemory against PML 2.8.1 (batch after batch, loss and gradients)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const params = c.params as unknown as LossParams & { embedding_size: number; memory_size: number };
      const e = c.expected as unknown as Expected;
      const memory = new CrossBatchMemory({
        loss: lossOf(params),
        embeddingSize: params.embedding_size,
        memorySize: params.memory_size,
        miner: params.miner === null ? null : minerFromSpec(params.miner),
      });
      (c.inputs.batches as Batch[]).forEach((batch, k) => {
        const x = matrix(batch.embeddings);
        const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => memory.compute(v as tf.Tensor2D, batch.labels))(x);
        const what = `batch ${k}`;
        assertLoss(value.dataSync()[0], e.loss[k], `${what}: loss`);
        assertGrad(grad.dataSync(), e.grad[k], `${what}: grad`, c.name.includes('collapsed') ? 1e-5 : undefined);
        const s = memory.lastStats;
        assert.ok(s !== null);
        assert.equal(s.queueIdx, e.queue_idx_after_batch[k], `${what}: queue_idx`);
        assert.equal(s.hasBeenFilled, e.has_been_filled_after_batch[k], `${what}: has_been_filled`);
        assert.equal(s.memoryRowsUsed, e.memory_rows_used[k], `${what}: memory rows`);
        const sizes = e.tuple_sizes[k];
        assert.deepEqual(
          { numTriplets: s.numTriplets, numPosPairs: s.numPosPairs, numNegPairs: s.numNegPairs },
          { numTriplets: sizes.num_triplets, numPosPairs: sizes.num_pos_pairs, numNegPairs: sizes.num_neg_pairs },
          `${what}: tuple sizes`,
        );
        tf.dispose([x, value, grad]);
      });
      memory.loss.dispose();
    });
  }
});
