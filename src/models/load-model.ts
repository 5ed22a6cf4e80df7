import { nodeModule } from '../io/node-module.js';
import { isAbsolute, join, normalize, sep } from 'pathe';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { invalidArgument, invalidInput } from '../errors.js';
import { MODEL_JSON } from './save-model.js';
// Registers the L2Normalize class, so that a model ending in it deserializes.
import './l2-normalize-layer.js';

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/**
 * Loads a model that `saveModel` (or any tfjs layers-format writer: tfjs-node, the converter)
 * wrote to a folder: reads `model.json`, then the weight files its manifest lists, in order.
 *
 * Problems are reported as `invalid-input` errors naming the file: a missing or unreadable
 * `model.json`, one that is not JSON or lacks `modelTopology` / `weightsManifest`, a missing
 * weight file, weight files whose total size differs from what the manifest describes
 * (truncated or padded), or a topology tfjs cannot build. No tfjs-node is needed.
 *
 * @example
 * const model = await loadModel('runs/1/model');
 * const embeddings = model.predict(images) as tf.Tensor2D;
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidArgument(`Argument \`dir\` must be a non-empty folder path. Received: dir=${String(dir)}`);
  }
  const jsonPath = join(dir, MODEL_JSON);
  const modelJson = parseModelJson(
    jsonPath,
    await readOrExplain(jsonPath, `${MODEL_JSON} not found: is \`${dir}\` a folder written by saveModel?`),
  );
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: Uint8Array[] = [];
    let described = 0;
    let read = 0;
    const files: string[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const spec of group.weights) described += byteSize(jsonPath, spec);
      for (const path of group.paths) {
        const file = join(dir, insideFolder(jsonPath, path));
        const bytes = await readOrExplain(file, `not found, but ${MODEL_JSON} lists it in weightsManifest`);
        buffers.push(bytes);
        files.push(file);
        read += bytes.byteLength;
      }
    }
    if (read !== described) {
      throw invalidInput(
        files.length === 1 ? files[0] : files.join(', '),
        `holds ${read} bytes of weights, but ${MODEL_JSON} describes ${described} bytes: the weights are ${read < described ? 'truncated' : 'longer than described'} (an interrupted copy, or files from another model)`,
      );
    }
    const joined = new Uint8Array(read);
    let offset = 0;
    for (const b of buffers) {
      joined.set(b, offset);
      offset += b.byteLength;
    }
    return [specs, joined.buffer];
  });
  try {
    return await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (cause) {
    throw invalidInput(jsonPath, `does not describe a model tfjs-layers can build: ${message(cause)}`, cause);
  }
}

async function readOrExplain(path: string, whenMissing: string): Promise<Uint8Array> {
  const { readFile } = nodeModule('node:fs/promises');
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalidInput(path, whenMissing, cause);
    throw invalidInput(path, `cannot be read: ${message(cause)}`, cause);
  }
}

function parseModelJson(path: string, bytes: Uint8Array): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw invalidInput(path, `is not valid JSON (${message(cause)}): the file is corrupt or not a model.json`, cause);
  }
  if (!isRecord(json)) throw invalidInput(path, 'must hold a JSON object with modelTopology and weightsManifest');
  if (!isRecord(json.modelTopology)) {
    throw invalidInput(path, 'has no `modelTopology` object: it is not a tfjs layers-format model.json');
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw invalidInput(path, 'has no `weightsManifest` array: it is not a tfjs layers-format model.json');
  }
  manifest.forEach((group: unknown, g) => {
    const where = `weightsManifest[${g}]`;
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw invalidInput(path, `${where} must be { paths: string[], weights: [...] }`);
    }
    if (!group.paths.every((p: unknown) => typeof p === 'string')) {
      throw invalidInput(path, `${where}.paths must hold file names (strings)`);
    }
    group.weights.forEach((w: unknown, i) => {
      const ok =
        isRecord(w) &&
        typeof w.name === 'string' &&
        typeof w.dtype === 'string' &&
        Array.isArray(w.shape) &&
        w.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0);
      if (!ok) throw invalidInput(path, `${where}.weights[${i}] must be { name, shape: integer[], dtype }`);
    });
  });
  return json as unknown as tf.io.ModelJSON;
}

/** A manifest path, refused when it would read outside the model folder. */
function insideFolder(jsonPath: string, path: string): string {
  const clean = normalize(path);
  if (path.length === 0 || isAbsolute(path) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw invalidInput(jsonPath, `weightsManifest path '${path}' must be a file name inside the model folder`);
  }
  return clean;
}

function byteSize(jsonPath: string, spec: tf.io.WeightsManifestEntry): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = BYTES[dtype];
  if (bytes === undefined) {
    throw invalidInput(
      jsonPath,
      `weight '${spec.name}' has dtype '${dtype}'; allowed: ${Object.keys(BYTES).join(', ')}`,
    );
  }
  return spec.shape.reduce((a, b) => a * b, 1) * bytes;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
