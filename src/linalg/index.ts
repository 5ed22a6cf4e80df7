export { symmetricEigen } from './symmetric-eigen.js';
export type { SymmetricEigen, SymmetricEigenOptions } from './symmetric-eigen.js';
export { portableExp, portableLog } from './portable-math.js';
