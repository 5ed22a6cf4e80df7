import { loadOracle } from '../helpers/oracle.js';
import { describeBackends } from '../helpers/tensors.js';
import { oracleLossTests } from './pml-loss-cases.js';

const cases = loadOracle('embedding_regularizers', 'embedding_regularizers');

describeBackends(['cpu', 'wasm'], 'embedding_regularizers against PML 2.8.1 (loss and gradients)', () => {
  oracleLossTests(cases);
});
