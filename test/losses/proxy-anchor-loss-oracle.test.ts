import { loadOracle } from '../helpers/oracle.js';
import { describeBackends } from '../helpers/tensors.js';
import { oracleLossTests } from './pml-loss-cases.js';

const cases = loadOracle('proxy_anchor_loss', 'proxy_anchor_loss');

describeBackends(['cpu', 'wasm'], 'proxy_anchor_loss against PML 2.8.1 (loss and gradients)', () => {
  oracleLossTests(cases);
});
