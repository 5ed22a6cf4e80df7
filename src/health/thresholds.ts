/**
 * The thresholds of the collapse detector, named so that a verdict can say which one it crossed.
 * docs/collapse.md gives the reasoning and the measurements behind each value.
 */

/**
 * Mean distance between L2-normalized embeddings (in [0, 2]) below which they count as one point:
 * 0.1 is a mean angle of ~5.7 degrees. Healthy triplet-trained embeddings read 1.12-1.35 at the end,
 * a freshly initialized MLP on images ~0.66; batch-hard collapse on Fashion-MNIST read 0.01-0.055
 * from its first probe after step 0 on (0.009 at the end).
 */
export const COLLAPSED_NORMALIZED_DISTANCE = 0.1;

/**
 * SimSiam's indicator, std of the L2-normalized embeddings x sqrt(dim), below which they count as
 * collapsed (Chen & He 2021: ~1 for isotropic outputs, 0 at collapse). Healthy runs read 0.90-0.97,
 * batch-hard collapse 0.007-0.04.
 */
export const COLLAPSED_STD = 0.05;

/**
 * For a run whose loss measures raw (unnormalized) embeddings: the mean raw distance below this
 * share of its start is collapse (the embeddings shrank 20x towards one point, so any fixed margin
 * dwarfs every distance). Healthy unnormalized runs on Fashion-MNIST kept 0.43-0.64; the shrinking
 * run reached 0.049 by step 75.
 */
export const COLLAPSED_RAW_SPREAD_RATIO = 0.05;

/**
 * For a run whose loss measures raw embeddings: the mean raw distance below this share of the mean
 * norm is one point away from the origin, told without a reference (every distance a hundredth of
 * the norms, so far inside any margin of the norms' scale). Seen in the zoo: raw contrastive runs at
 * too high an lr wrote identical rows of norm 265 (distance 0); healthy raw runs there read 0.5-1.4.
 */
export const COLLAPSED_RAW_POINT_RATIO = 0.01;

/** Share of rows with a near-zero norm above which the embeddings count as collapsed (to the origin). */
export const COLLAPSED_NEAR_ZERO_SHARE = 0.5;

/**
 * The normalized spread below this share of its start (or of its peak during the run) is
 * collapsing. Healthy runs grow it to 1.4-2x the start within 25 steps and never fall back; the
 * collapsing runs measured fell below a tenth of it within 25-50 steps.
 */
export const COLLAPSING_SPREAD_RATIO = 0.5;

/** The raw spread below this share of its start (or peak) is collapsing, for a raw-distance run. */
export const COLLAPSING_RAW_SPREAD_RATIO = 0.2;

/**
 * Effective rank (RankMe) below this share of the directions the classes could use, min(classes - 1,
 * dim) (C classes fit as a regular simplex in C - 1 dimensions), is dimensional collapse when the
 * classes also overlap (violation fraction > UNSEPARATED_VIOLATION_FRACTION): the missing
 * directions cost separation. Alone it is no collapse: healthy retrieval embeddings of hundreds of
 * classes use far fewer than classes - 1 directions (the zoo in docs/collapse.md). Healthy runs on
 * 10 classes read 16.7-26.4 of 64 on the test split (recovered runs 14.7-15.7).
 */
export const DIMENSIONAL_RANK_FRACTION = 0.5;

/**
 * An effective rank below min(this, DIMENSIONAL_RANK_FRACTION x min(classes - 1, dim)) is
 * dimensional collapse whatever the separation: a few directions for many classes. The lr-too-high
 * run on 10 classes read 2.3-3.9, a 2-unit bottleneck 1.0-2.0; healthy 10-class runs 14.7-36 and
 * healthy many-class runs of the zoo more (docs/collapse.md). For 10 classes the floor is 4.5, the
 * rule before many classes were judged.
 */
export const DIMENSIONAL_FLOOR_RANK = 5;

/**
 * The first principal component holding more than this share of the variance is dimensional
 * collapse: the embeddings lie on a line (their normalized rank can read higher, since rows near
 * the origin point anywhere). Healthy runs read 0.3-0.65; a 2-unit bottleneck 0.94-1.0.
 */
export const DIMENSIONAL_FIRST_COMPONENT_SHARE = 0.9;

/** Without labels: an effective rank below this is dimensional collapse (about two directions or fewer). */
export const DIMENSIONAL_MIN_RANK = 2.5;

/**
 * Mean active-triplet fraction over the recent steps below which training counts as stalled:
 * no triplet has a loss, so no gradient flows.
 */
export const STALLED_ACTIVE_FRACTION = 0.01;

/**
 * The recent gradient norm below this share of the first step's has vanished: the units pass no
 * gradient (dead ReLUs after too large steps). Healthy runs keep 0.5-2x their first step's; SGD at
 * lr 200 fell to 0.001-0.01 of it.
 */
export const VANISHED_GRADIENT_RATIO = 0.01;

/**
 * Share of the probe's triplets that violate the margin above which the embeddings are not
 * separated: healthy runs reach 0.05-0.14; a network that never trained, ~0.66.
 */
export const UNSEPARATED_VIOLATION_FRACTION = 0.3;

/** Loss / margin at or above this is "at the margin": the hinge's value when d(a,p) = d(a,n). */
export const LOSS_AT_MARGIN = 0.9;

/**
 * Weight-update ratio ||w_after - w_before|| / ||w|| of one step above which the learning rate is
 * too high: the usual guide is ~1e-3 per step (CS231n). Healthy Adam runs measured 0.018 on their
 * first step at lr 1e-3 and 0.055 at 3e-3; 0.17-0.55 at Adam 0.03 and SGD 5, 1.7-9 at Adam 0.1-0.5
 * and SGD 50, 6.9 at SGD 200 (which collapsed).
 */
export const UPDATE_RATIO_TOO_HIGH = 0.1;

/** The update ratio a lowered learning rate aims at (a tenth of the alarm level). */
export const UPDATE_RATIO_TARGET = 0.01;

/** A gradient norm or loss more than this times the median of the steps before it is a spike. */
export const SPIKE_FACTOR = 10;

/** The lr below this share of its peak in the run is at its floor. */
export const LR_FLOOR_FRACTION = 0.01;

/** Dead embedding dimensions (no variance over the probe) above this share of the dimensions point at dead units. */
export const DEAD_DIMENSION_SHARE = 0.1;

/** The raw embedding norms below this share of their start have shrunk (for a run without normalization). */
export const NORM_SHRINK_RATIO = 0.1;

/** The raw embedding norms above this many times their start have exploded (for a run without normalization). */
export const NORM_GROWTH_RATIO = 100;

/** Logged steps at the end of the history the "recent" training numbers are read from. */
export const RECENT_STEPS = 20;
