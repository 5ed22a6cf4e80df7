/**
 * PML 2.8.1's MPerClassSampler length rules, transcribed as plain code from
 * samplers/m_per_class_sampler.py (`__init__`, `__len__`, `calculate_num_iters`, `__iter__`).
 */
export interface PmlEpoch {
  /** `len(sampler)`: list_size after rounding. */
  len: number;
  /** `calculate_num_iters()`: the number of label shuffles in one `__iter__`, one batch each. */
  numIters: number;
  /** How many indices `__iter__` really yields (the slice assignment extends the list past `len`). */
  yielded: number;
}

export function pmlEpoch(
  numClasses: number,
  m: number,
  batchSize: number | undefined,
  lengthBeforeNewIter: number,
): PmlEpoch {
  const lengthOfSinglePass = m * numClasses;
  let listSize = lengthBeforeNewIter;
  if (batchSize === undefined) {
    if (lengthOfSinglePass < listSize) listSize -= listSize % lengthOfSinglePass;
  } else {
    if (!(listSize >= batchSize && lengthOfSinglePass >= batchSize && batchSize % m === 0)) {
      throw new Error('PML asserts');
    }
    listSize -= listSize % batchSize;
  }
  const divisor = batchSize === undefined ? lengthOfSinglePass : batchSize;
  const numIters = divisor < listSize ? Math.floor(listSize / divisor) : 1;
  const perIter = batchSize === undefined ? lengthOfSinglePass : batchSize;
  // idx_list starts with list_size zeros; each iteration writes perIter entries, extending the list if needed.
  const yielded = Math.max(listSize, numIters * perIter);
  return { len: listSize, numIters, yielded };
}
