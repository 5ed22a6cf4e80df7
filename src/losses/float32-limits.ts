/**
 * float32's limits as PML uses them (`c_f.neg_inf`, `c_f.pos_inf`, `c_f.small_val`): torch's
 * `finfo(float32).min/max/tiny`. PML masks with the largest finite float, not with infinity, so a
 * row with nothing kept stays finite (and so does its gradient); the losses here do the same.
 */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The smallest positive normal float32 (`finfo(float32).tiny`), PML's guard against log(0) and 0/0. */
export const FLOAT32_TINY = 1.1754943508222875e-38;
