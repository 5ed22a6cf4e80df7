import { loadOracle } from '../helpers/oracle.js';
import { describeBackends } from '../helpers/tensors.js';
import { oracleLossTests } from './pml-loss-cases.js';

const cases = loadOracle('margin_loss', 'margin_loss');

describeBackends(['cpu', 'wasm'], 'margin_loss against PML 2.8.1 (loss and gradients)', () => {
  oracleLossTests(cases);
});
