export { writeFileAtomic, writeDirAtomic } from './write-atomic.js';
