/**
 * Probe attempts whose due times fall in the same slot share one timer. With hundreds of probes
 * a second, an event-loop wake-up per attempt costs more CPU than the attempts themselves (timer
 * programming is expensive on virtual machines); aligning due times to slot boundaries lets one
 * wake-up start a handful of attempts, without making any of them late.
 */
export class SlotTimer {
  private readonly slots = new Map<number, Array<() => void>>();

  constructor(
    readonly slotMs: number,
    private readonly now: () => number,
  ) {}

  /** The first slot boundary at or after `t`. */
  align(t: number): number {
    return Math.ceil(t / this.slotMs) * this.slotMs;
  }

  /** Runs `fn` at `due` (a slot boundary, from align()); a throwing fn does not stop the others. */
  at(due: number, fn: () => void): void {
    const pending = this.slots.get(due);
    if (pending) {
      pending.push(fn);
      return;
    }
    const list = [fn];
    this.slots.set(due, list);
    const timer = setTimeout(() => {
      this.slots.delete(due);
      for (const f of list) {
        try {
          f();
        } catch {
          // One worker's bug must not starve the others sharing its slot.
        }
      }
    }, Math.max(0, due - this.now()));
    timer.unref();
  }
}
