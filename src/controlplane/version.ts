/** Versions live in src/node (standalone `staticlet node` reports them too). */
export * from '../node/version.js';
