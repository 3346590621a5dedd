/** The Summary API (/stats/summary) and the figures `staticlet top` and /metrics/resource show. */
export * from './types.js';
export { StatsProvider, nanoCores, nextRate, type StatsProviderOptions, type StatsRuntime } from './summary.js';
