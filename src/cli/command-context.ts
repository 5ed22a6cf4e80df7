/** What a command gets from the shell around it, so commands stay testable functions. */
export interface CommandContext {
  /** Aborted on Ctrl-C: long commands stop cleanly (training saves a checkpoint). */
  signal: AbortSignal;
  /** Where progress goes; null for none. */
  progress: NodeJS.WriteStream | null;
  /** Where results are printed. */
  out: (text: string) => void;
}
