import { nodeModule } from '../io/node-module.js';
import { join } from 'pathe';
import type * as tfl from '@tensorflow/tfjs-layers';
import { invalidInput } from '../errors.js';
import { writeDirAtomic } from '../io/index.js';
import { loadModel, modelFiles } from '../models/index.js';
import { optimizerState, restoreOptimizer, type Optimizer, type OptimizerState } from '../optimizers/index.js';

/** What besides weights and optimizer a run needs to continue exactly: counters and the state of every seeded part. */
export interface TrainingState {
  /** Steps completed. */
  step: number;
  /** Seconds of training before this checkpoint. */
  seconds: number;
  /** Plain JSON states of the sampler, schedules, miner/loss generators and the guard, by name. */
  parts: Record<string, unknown>;
}

const STATE_JSON = 'state.json';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const MODEL_DIR = 'model';

/**
 * Writes a checkpoint folder — the model (tfjs layers format, in `model/`), the optimizer's state
 * (`optimizer.json` + `optimizer.bin`) and `state.json` — in one atomic swap, so a crash leaves the
 * previous checkpoint whole.
 */
export async function saveCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  optimizer: Optimizer,
  state: TrainingState,
): Promise<void> {
  const files: Record<string, string | Uint8Array> = {};
  for (const [name, data] of Object.entries(await modelFiles(model))) files[`${MODEL_DIR}/${name}`] = data;
  const opt = await optimizerState(optimizer);
  const total = opt.slots.reduce((n, s) => n + s.values.length, 0);
  const values = new Float32Array(total);
  let offset = 0;
  const slots = opt.slots.map((s) => {
    values.set(s.values, offset);
    offset += s.values.length;
    return { name: s.name, shape: s.shape };
  });
  files[OPTIMIZER_JSON] = JSON.stringify({ ...opt, slots });
  files[OPTIMIZER_BIN] = new Uint8Array(values.buffer);
  files[STATE_JSON] = JSON.stringify(state);
  await writeDirAtomic(dir, files);
}

/**
 * Reads a checkpoint into a live model and optimizer (built with the run's settings) and returns
 * its training state. The model keeps its variables, so an optimizer bound to them stays valid.
 */
export async function loadCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  optimizer: Optimizer,
): Promise<TrainingState> {
  const state = await readCheckpointState(dir);
  const saved = await loadModel(checkpointModelDir(dir));
  try {
    const weights = saved.getWeights();
    const live = model.getWeights();
    if (weights.length !== live.length || weights.some((w, i) => w.shape.join() !== live[i].shape.join())) {
      throw invalidInput(
        join(dir, MODEL_DIR),
        'holds a model of another shape than the run settings build (was the config changed?)',
      );
    }
    model.setWeights(weights);
  } finally {
    saved.dispose();
  }
  await restoreOptimizer(optimizer, await readOptimizerState(dir));
  return state;
}

/** The folder of a checkpoint's model (tfjs layers format), for readers that only need the weights. */
export function checkpointModelDir(dir: string): string {
  return join(dir, MODEL_DIR);
}

/** A checkpoint's training state alone: its step, seconds and the parts' states. */
export async function readCheckpointState(dir: string): Promise<TrainingState> {
  const statePath = join(dir, STATE_JSON);
  const state = parseJson(statePath, await readOrExplain(statePath)) as TrainingState;
  if (!(Number.isInteger(state.step) && state.step >= 0 && typeof state.parts === 'object' && state.parts !== null)) {
    throw invalidInput(statePath, 'is not a training state (expected { step, seconds, parts })');
  }
  return state;
}

async function readOptimizerState(dir: string): Promise<OptimizerState> {
  const jsonPath = join(dir, OPTIMIZER_JSON);
  const binPath = join(dir, OPTIMIZER_BIN);
  const meta = parseJson(jsonPath, await readOrExplain(jsonPath)) as Omit<OptimizerState, 'slots'> & {
    slots: Array<{ name: string; shape: number[] }>;
  };
  const bytes = await readOrExplain(binPath);
  const sizes = meta.slots.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (bytes.byteLength !== expected) {
    throw invalidInput(
      binPath,
      `holds ${bytes.byteLength} bytes, but ${OPTIMIZER_JSON} describes ${expected} (truncated or from another checkpoint)`,
    );
  }
  // Copy out of the bytes: a Buffer's offset in Node's pool need not be 4-byte aligned.
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const slots = meta.slots.map((s, i) => {
    const slot = { name: s.name, shape: s.shape, values: values.slice(offset, offset + sizes[i]) };
    offset += sizes[i];
    return slot;
  });
  return { ...meta, slots };
}

async function readOrExplain(path: string): Promise<Uint8Array> {
  const { readFile } = nodeModule('node:fs/promises');
  try {
    return await readFile(path);
  } catch (cause) {
    throw invalidInput(path, 'cannot be read: is this a checkpoint folder written by `deepmetric train`?', cause);
  }
}

function parseJson(path: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (cause) {
    throw invalidInput(path, 'is not valid JSON (a corrupt checkpoint)', cause);
  }
}
