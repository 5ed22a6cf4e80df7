import { loadOracle } from '../helpers/oracle.js';
import { describeBackends } from '../helpers/tensors.js';
import { oracleLossTests } from './pml-loss-cases.js';

const cases = loadOracle('circle_loss', 'circle_loss');

describeBackends(['cpu', 'wasm'], 'circle_loss against PML 2.8.1 (loss and gradients)', () => {
  oracleLossTests(cases);
});
