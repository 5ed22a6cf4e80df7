export { MPerClassSampler } from './m-per-class-sampler.js';
export type { MPerClassSamplerOptions, MPerClassSamplerState } from './m-per-class-sampler.js';
export { sampleWithoutReplacement } from './sample-without-replacement.js';
