/** One scalar series of a run, by its tag as written (e.g. 'train/loss', 'lr-Adam'). */
export interface ScalarSeries {
  tag: string;
  /**
   * Sorted by step. A step written more than once keeps the value written last (TensorBoard's
   * reload semantics: a restarted run that writes a step again replaces the older value).
   * `wallTime` is in seconds since the epoch; NaN when the log does not record it (log.csv, log.jsonl).
   */
  points: { step: number; value: number; wallTime: number }[];
}

/** The embeddings of one step (the projector's, or a snapshot file). */
export interface EmbeddingSnapshot {
  step: number;
  /** The projector's tag (torch's `add_embedding(tag=...)`, 'default' unless given); 'default' for a snapshot file. */
  tag: string;
  matrix: { data: Float32Array; rows: number; dim: number };
  /** Class ids; null when neither the projector's metadata nor the snapshot folder gives labels. */
  labels: Int32Array | null;
  /** The file the embeddings were read from. */
  source: string;
}

/** A training run's log read back from a TensorBoard log directory or a folder of snapshots (`readTrainingLog`). */
export interface TrainingLog {
  /** The directory read. */
  source: string;
  format: 'tensorboard' | 'snapshots';
  /** The run chosen, as a path relative to `source` ('.' for the folder itself). */
  run: string;
  /** Every run found (TensorBoard: every folder holding event files or a projector config, relative path). */
  runs: string[];
  /** Sorted by tag. */
  scalars: ScalarSeries[];
  /** Sorted by step. */
  embeddings: EmbeddingSnapshot[];
}
