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

/** Why `run` returned. */
export type StopReason = 'untilMs' | 'eventBudget' | 'idle' | 'condition';

/** An event's action; `argument` is what `atWith` was given (undefined for `at`). */
type ScheduledAction = (argument: never) => void;

/** Default bound on events one run may execute (TigerStyle: every loop has a bound). */
export const EVENT_BUDGET_DEFAULT = 50_000_000;

/** Slots the heap starts with; it doubles when full. */
const INITIAL_CAPACITY = 256;

/**
 * The event queue is a binary heap kept in parallel arrays, with no object per event: `orderKeys`
 * holds atMs·2 + phase rank (whole numbers, exact as doubles up to 2^52), `sequences` the insertion
 * sequence, `actions` and `arguments_` what to run. An event that needs data (a delivery) passes it
 * as the argument of a long-lived function instead of capturing it in a closure of its own.
 */
export class Scheduler {
  private orderKeys = new Float64Array(INITIAL_CAPACITY);
  private sequences = new Float64Array(INITIAL_CAPACITY);
  private actions: (ScheduledAction | undefined)[] = [];
  private arguments_: unknown[] = [];
  private size = 0;
  private nextSequence = 0;
  private currentMs = 0;
  /** Events executed since creation. */
  executedCount = 0;

  /** The current virtual time in ms since the simulation started. */
  get nowMs(): number {
    return this.currentMs;
  }

  get pendingCount(): number {
    return this.size;
  }

  /**
   * Schedules `action` at `atMs` (≥ now). At one instant, `timeline` actions run before `simulator`
   * ones (the default), and actions of one phase in scheduling order.
   */
  at(atMs: number, action: () => void, phase: SchedulePhase = 'simulator'): void {
    this.push(atMs, phase === 'timeline' ? 0 : 1, action, undefined);
  }

  /**
   * As `at`, running `action(argument)`: one function shared by many events (every delivery, every
   * frame of a host) instead of a closure per event.
   */
  atWith<T>(atMs: number, action: (argument: T) => void, argument: T, phase: SchedulePhase = 'simulator'): void {
    this.push(atMs, phase === 'timeline' ? 0 : 1, action, argument);
  }

  /**
   * Runs events in time order until the next one is after `untilMs` (the clock then stands at
   * `untilMs`), the queue is empty, `stop()` returns true after an event, or `eventBudget` events ran.
   */
  run(untilMs: number, options: { eventBudget?: number; stop?: () => boolean } = {}): StopReason {
    const budget = options.eventBudget ?? EVENT_BUDGET_DEFAULT;
    const stop = options.stop;
    // Events at or before untilMs have an order key below this bound.
    const untilKey = untilMs * 2 + 2;
    for (let executed = 0; ; executed++) {
      if (this.size === 0) {
        this.currentMs = Math.max(this.currentMs, untilMs);
        return 'idle';
      }
      const orderKey = this.orderKeys[0]!;
      if (!(orderKey < untilKey)) {
        this.currentMs = untilMs;
        return 'untilMs';
      }
      if (executed >= budget) return 'eventBudget';
      const action = this.actions[0] as (argument: unknown) => void;
      const argument = this.arguments_[0];
      this.popTop();
      this.currentMs = Math.floor(orderKey / 2);
      this.executedCount++;
      action(argument);
      if (stop !== undefined && stop()) return 'condition';
    }
  }

  private push(atMs: number, phaseRank: number, action: ScheduledAction, argument: unknown): void {
    if (!Number.isInteger(atMs) || atMs < this.currentMs) {
      throw new Error(`scheduler: cannot schedule at ${atMs} ms, now is ${this.currentMs} ms (times are whole ms, never in the past)`);
    }
    if (this.size === this.orderKeys.length) this.grow();
    const orderKey = atMs * 2 + phaseRank;
    const sequence = this.nextSequence++;
    // Sift up with a hole: parents move down until the new event's place is found.
    const orderKeys = this.orderKeys;
    const sequences = this.sequences;
    const actions = this.actions;
    const arguments_ = this.arguments_;
    let index = this.size++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentKey = orderKeys[parent]!;
      if (parentKey < orderKey || (parentKey === orderKey && sequences[parent]! < sequence)) break;
      orderKeys[index] = parentKey;
      sequences[index] = sequences[parent]!;
      actions[index] = actions[parent];
      arguments_[index] = arguments_[parent];
      index = parent;
    }
    orderKeys[index] = orderKey;
    sequences[index] = sequence;
    actions[index] = action;
    arguments_[index] = argument;
  }

  /** Removes the first event: the last one takes its place and sifts down with a hole. */
  private popTop(): void {
    const last = --this.size;
    const orderKeys = this.orderKeys;
    const sequences = this.sequences;
    const actions = this.actions;
    const arguments_ = this.arguments_;
    const orderKey = orderKeys[last]!;
    const sequence = sequences[last]!;
    const action = actions[last];
    const argument = arguments_[last];
    // Forget the references of the slot that is now free, so the collector may free what they hold.
    actions[last] = undefined;
    arguments_[last] = undefined;
    if (last === 0) return;
    const size = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      let childKey = orderKeys[left]!;
      if (right < size) {
        const rightKey = orderKeys[right]!;
        if (rightKey < childKey || (rightKey === childKey && sequences[right]! < sequences[left]!)) {
          child = right;
          childKey = rightKey;
        }
      }
      if (orderKey < childKey || (orderKey === childKey && sequence < sequences[child]!)) break;
      orderKeys[index] = childKey;
      sequences[index] = sequences[child]!;
      actions[index] = actions[child];
      arguments_[index] = arguments_[child];
      index = child;
    }
    orderKeys[index] = orderKey;
    sequences[index] = sequence;
    actions[index] = action;
    arguments_[index] = argument;
  }

  private grow(): void {
    const capacity = this.orderKeys.length * 2;
    const orderKeys = new Float64Array(capacity);
    orderKeys.set(this.orderKeys);
    const sequences = new Float64Array(capacity);
    sequences.set(this.sequences);
    this.orderKeys = orderKeys;
    this.sequences = sequences;
  }
}
