export { writeFileAtomic, writeDirAtomic } from './write-atomic.js';
export { readJsonFile, readJsonObject } from './read-json-file.js';
