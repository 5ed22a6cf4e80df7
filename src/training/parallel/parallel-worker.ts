/**
 * The entry of a deepmetric worker thread (started by `startWorker`): either a gradient worker
 * of a `ParallelTrainer` (mode 'train') or a part of `embedDatasetParallel` (mode 'embed'). Each
 * worker starts its own backend and builds its own replica of the model from its topology.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { initBackend } from '../../backend/index.js';
// Registers the L2Normalize layer, so that a topology ending in it can be rebuilt. The worker
// imports no more of deepmetric than it runs: every module costs start-up time in every worker.
import { L2Normalize } from '../../models/l2-normalize-layer.js';
import {
  CONTROL,
  Command,
  Status,
  type EmbedRequest,
  type EmbedResult,
  type EmbedWorkerData,
  type TrainWorkerData,
  type WorkerData,
} from './worker-protocol.js';

const data = workerData as WorkerData;
await initBackend(data.backend);
const model = await tfl.models.modelFromJSON({ modelTopology: JSON.parse(data.topology) } as Parameters<
  typeof tfl.models.modelFromJSON
>[0]);
if (data.mode === 'train') {
  parentPort?.postMessage('ready');
  trainLoop(data, model);
  model.dispose();
} else {
  serveEmbeddings(data, model);
}

/** Serves forward/backward requests until told to quit; see worker-protocol.ts. */
function trainLoop(setup: TrainWorkerData, replica: tfl.LayersModel): void {
  const control = new Int32Array(setup.buffers.control);
  const weights = new Float32Array(setup.buffers.weights);
  const inputs = new Float32Array(setup.buffers.inputs);
  const embeddings = new Float32Array(setup.buffers.embeddings);
  const upstream = new Float32Array(setup.buffers.upstream);
  const gradients = new Float32Array(setup.buffers.gradients);
  const variables = replica.trainableWeights.map((w) => w.read() as tf.Variable);
  const shapes = variables.map((v) => v.shape);
  const sampleSize = setup.sampleShape.reduce((a, b) => a * b, 1);
  // What the health probe embeds: the rows before the final L2Normalize, whose norms it reports.
  const last = replica.layers[replica.layers.length - 1];
  const body =
    last instanceof L2Normalize
      ? tfl.model({ inputs: replica.inputs, outputs: last.input as tfl.SymbolicTensor })
      : replica;
  let loadedVersion = -1;
  for (;;) {
    Atomics.wait(control, CONTROL.command, Command.idle);
    const command = Atomics.load(control, CONTROL.command);
    if (command === Command.quit) return;
    try {
      if (JSON.stringify(shapes) !== JSON.stringify(setup.weightShapes)) {
        throw new Error(
          `the replica's weights have shapes ${JSON.stringify(shapes)}, the model's ${JSON.stringify(setup.weightShapes)}`,
        );
      }
      const version = Atomics.load(control, CONTROL.weightsVersion);
      if (version !== loadedVersion) {
        loadWeights(variables, weights);
        loadedVersion = version;
      }
      const rows = Atomics.load(control, CONTROL.rows);
      const dim = setup.embeddingDim;
      const x = tf.tensor(inputs.subarray(0, rows * sampleSize), [rows, ...setup.sampleShape]);
      if (command === Command.embed) {
        const out = tf.tidy(() => body.predict(x, { batchSize: rows }) as tf.Tensor);
        embeddings.set(out.dataSync());
        tf.dispose([x, out]);
        Atomics.compareExchange(control, CONTROL.command, Command.embed, Command.idle);
        signal(control, Status.done);
        continue;
      }
      const { value, grads } = tf.variableGrads(() => {
        const out = replica.apply(x, { training: true }) as tf.Tensor2D;
        embeddings.set(out.dataSync());
        signal(control, Status.embedded);
        // The main thread computes the loss on every worker's embeddings, then asks for the backward pass.
        Atomics.wait(control, CONTROL.command, Command.forward);
        if (Atomics.load(control, CONTROL.command) !== Command.backward)
          throw new Error('step abandoned by the main thread');
        // sum(out · upstream) has gradient upstream at out: backpropagating it gives Jᵀ · dL/dout.
        return tf.sum(tf.mul(out, tf.tensor2d(upstream.subarray(0, rows * dim), [rows, dim])));
      }, variables);
      let offset = 0;
      for (const v of variables) {
        gradients.set(grads[v.name].dataSync(), offset);
        offset += v.size;
      }
      tf.dispose([x, value, grads]);
      Atomics.compareExchange(control, CONTROL.command, Command.backward, Command.idle);
      signal(control, Status.done);
    } catch (error) {
      setup.errors.postMessage(error instanceof Error ? error.message : String(error));
      // A quit that arrived during the step stays, so that the loop ends.
      Atomics.compareExchange(control, CONTROL.command, Command.forward, Command.idle);
      Atomics.compareExchange(control, CONTROL.command, Command.embed, Command.idle);
      Atomics.compareExchange(control, CONTROL.command, Command.backward, Command.idle);
      signal(control, Status.failed);
    }
  }
}

function loadWeights(variables: tf.Variable[], weights: Float32Array): void {
  let offset = 0;
  for (const v of variables) {
    const t = tf.tensor(weights.subarray(offset, offset + v.size), v.shape);
    v.assign(t);
    t.dispose();
    offset += v.size;
  }
}

function signal(control: Int32Array, status: number): void {
  Atomics.store(control, CONTROL.status, status);
  Atomics.notify(control, CONTROL.status);
}

/** Loads the weights, says 'ready', then embeds every batch it is sent (until terminated). */
function serveEmbeddings(setup: EmbedWorkerData, replica: tfl.LayersModel): void {
  const tensors = setup.weights.map((w) => tf.tensor(w.values, w.shape));
  replica.setWeights(tensors);
  tf.dispose(tensors);
  parentPort?.postMessage('ready');
  parentPort?.on('message', ({ start, features }: EmbedRequest) => {
    let result: EmbedResult;
    try {
      const rows = features.length / setup.sampleShape.reduce((a, b) => a * b, 1);
      const out = tf.tidy(
        () => replica.predict(tf.tensor(features, [rows, ...setup.sampleShape]), { batchSize: rows }) as tf.Tensor,
      );
      const embeddings = out.dataSync() as Float32Array;
      out.dispose();
      result = { start, embeddings };
    } catch (error) {
      result = { start, error: error instanceof Error ? error.message : String(error) };
    }
    parentPort?.postMessage(result, 'embeddings' in result ? [result.embeddings.buffer as ArrayBuffer] : []);
  });
}
