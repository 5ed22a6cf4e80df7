/**
 * The one place deepmetric imports tfjs-core from, so that every module (and users, as `dm.tf`)
 * shares one engine, one set of registered kernels and one memory count.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node entry registers no gradients, and its ESM files cannot be loaded by Node
// (extensionless imports); tfjs-layers' Node bundle registers all of them on the same core.
import '@tensorflow/tfjs-layers';

export { tf };
