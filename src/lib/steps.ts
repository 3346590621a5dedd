import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * CPU-bound work written as a generator that yields at safe points (every few hundred tokens,
 * between documents). Written once, it runs either to the end in one go (the CLI, tests) or in
 * slices that give the event loop back (the supervisor, whose status socket and probes must
 * keep answering while a large manifest is parsed).
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs the work to its end without yielding to the event loop. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Longest stretch of work between two turns of the event loop. */
export const DEFAULT_SLICE_MS = 10;

/**
 * Runs the work in slices of about `sliceMs`. Work that finishes within its first slice returns
 * its value directly, so small manifests are applied in the same turn as before (callers and
 * tests that read the state right after a source reported keep seeing it); longer work returns
 * a promise and continues after every slice.
 */
export function runSliced<T>(steps: Steps<T>, sliceMs = DEFAULT_SLICE_MS): { value: T } | { pending: Promise<T> } {
  const start = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return { value: r.value };
    if (performance.now() - start >= sliceMs) return { pending: continueSliced(steps, sliceMs) };
  }
}

async function continueSliced<T>(steps: Steps<T>, sliceMs: number): Promise<T> {
  for (;;) {
    await nextTurn();
    const start = performance.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - start >= sliceMs) break;
    }
  }
}
