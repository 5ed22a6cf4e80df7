import { loadOracle } from '../helpers/oracle.js';
import { describeBackends } from '../helpers/tensors.js';
import { oracleLossTests } from './pml-loss-cases.js';

const cases = loadOracle('arcface_loss', 'arcface_loss');

describeBackends(['cpu', 'wasm'], 'arcface_loss against PML 2.8.1 (loss and gradients)', () => {
  oracleLossTests(cases);
});
