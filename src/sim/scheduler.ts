// The simulator's clock and event queue: integer virtual milliseconds, a binary heap ordered by
// (atMs, phase, insertion sequence) so that at one instant the timeline's actions run before the
// simulator's own events, and events of one phase run in the order they were scheduled; and a clock
// that jumps to the next event instead of ticking through empty time.

/**
 * The two classes of events, in the order they run within one millisecond (docs/simulator.md, "Time
 * within a millisecond"): what the scenario or the caller scheduled (`timeline`: timeline entries,
 * a stream's packets, the end of a lag spike, `Simulation.at`), then the simulator's own events
 * (`simulator`: host frames, datagram deliveries, statistics samples), each class in scheduling order.
 */
export type SchedulePhase = 'timeline' | 'simulator';

const PHASE_RANK: Record<SchedulePhase, number> = { timeline: 0, simulator: 1 };

/** Why `run` returned. */
export type StopReason = 'untilMs' | 'eventBudget' | 'idle' | 'condition';

interface Entry {
  atMs: number;
  phaseRank: number;
  sequence: number;
  action: () => void;
}

/** Default bound on events one run may execute (TigerStyle: every loop has a bound). */
export const EVENT_BUDGET_DEFAULT = 50_000_000;

export class Scheduler {
  private heap: Entry[] = [];
  private nextSequence = 0;
  private currentMs = 0;
  /** Events executed since creation. */
  executedCount = 0;

  /** The current virtual time in ms since the simulation started. */
  get nowMs(): number {
    return this.currentMs;
  }

  get pendingCount(): number {
    return this.heap.length;
  }

  /**
   * Schedules `action` at `atMs` (≥ now). At one instant, `timeline` actions run before `simulator`
   * ones (the default), and actions of one phase in scheduling order.
   */
  at(atMs: number, action: () => void, phase: SchedulePhase = 'simulator'): void {
    if (!Number.isInteger(atMs) || atMs < this.currentMs) {
      throw new Error(`scheduler: cannot schedule at ${atMs} ms, now is ${this.currentMs} ms (times are whole ms, never in the past)`);
    }
    const entry: Entry = { atMs, phaseRank: PHASE_RANK[phase], sequence: this.nextSequence++, action };
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
  }

  /**
   * Runs events in time order until the next one is after `untilMs` (the clock then stands at
   * `untilMs`), the queue is empty, `stop()` returns true after an event, or `eventBudget` events ran.
   */
  run(untilMs: number, options: { eventBudget?: number; stop?: () => boolean } = {}): StopReason {
    const budget = options.eventBudget ?? EVENT_BUDGET_DEFAULT;
    for (let executed = 0; ; executed++) {
      const next = this.heap[0];
      if (next === undefined) {
        this.currentMs = Math.max(this.currentMs, untilMs);
        return 'idle';
      }
      if (next.atMs > untilMs) {
        this.currentMs = untilMs;
        return 'untilMs';
      }
      if (executed >= budget) return 'eventBudget';
      this.pop();
      this.currentMs = next.atMs;
      this.executedCount++;
      next.action();
      if (options.stop?.() === true) return 'condition';
    }
  }

  private pop(): Entry {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private static before(a: Entry, b: Entry): boolean {
    if (a.atMs !== b.atMs) return a.atMs < b.atMs;
    if (a.phaseRank !== b.phaseRank) return a.phaseRank < b.phaseRank;
    return a.sequence < b.sequence;
  }

  private siftUp(start: number): void {
    const heap = this.heap;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!Scheduler.before(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && Scheduler.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && Scheduler.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
