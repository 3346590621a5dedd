/** The Node object's computation lives in src/node (standalone `staticlet node` uses it too). */
export * from '../node/node-object.js';
