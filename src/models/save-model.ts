import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { invalidArgument } from '../errors.js';
import { writeDirAtomic } from '../io/index.js';

/** The file that describes a saved model: its topology and the manifest of its weights. */
export const MODEL_JSON = 'model.json';
/** The one weights file `saveModel` writes (tfjs-node's name for it). */
export const WEIGHTS_BIN = 'weights.bin';

/**
 * Saves a layers model to a folder in the tfjs layers format, readable by `loadModel` and by
 * tfjs's own loaders (`tf.loadLayersModel('file://.../model.json')` with tfjs-node, or over http):
 *
 * - `model.json`: `{ modelTopology, format, generatedBy, convertedBy, weightsManifest }`, the
 *   manifest listing every weight's name, shape and dtype in file order;
 * - `weights.bin`: the weights' little-endian values, back to back.
 *
 * The folder is written atomically (into a temporary sibling, then swapped in by renames): an
 * interrupted or failed save leaves the previous folder as it was, never a mix of old and new.
 * It needs no tfjs-node. The optimizer is not saved: checkpoints hold it (`optimizerState`).
 *
 * @example
 * await saveModel(model, 'runs/1/model');
 * const again = await loadModel('runs/1/model');
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidArgument(`Argument \`dir\` must be a non-empty folder path. Received: dir=${String(dir)}`);
  }
  await writeDirAtomic(dir, await modelFiles(model));
}

/**
 * The files `saveModel` writes (`model.json`, `weights.bin`), in memory: for writers that put a
 * model into a larger folder written in one atomic swap, such as a training checkpoint.
 */
export async function modelFiles(model: tfl.LayersModel): Promise<Record<string, string | Uint8Array>> {
  if (!(model instanceof tfl.LayersModel)) {
    throw invalidArgument(`Argument \`model\` must be a tfjs-layers LayersModel. Received: model=${String(model)}`);
  }
  let files: Record<string, string | Uint8Array> = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const topology = artifacts.modelTopology;
      if (topology === undefined || topology instanceof ArrayBuffer) {
        throw invalidArgument('Argument `model` must serialize to a JSON topology (a layers model).');
      }
      const weightSpecs = artifacts.weightSpecs ?? [];
      const weightData =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: topology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: weightSpecs }],
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      files = { [MODEL_JSON]: JSON.stringify(modelJson), [WEIGHTS_BIN]: new Uint8Array(weightData) };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return files;
}
