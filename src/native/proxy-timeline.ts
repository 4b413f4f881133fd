// A scenario's network timeline on the wall clock: entries run at their ms since the proxy started,
// in order (ties in the order given), with one timer armed for the earliest. The clock is injected, so
// tests drive it without sleeping.
import type { LinkConfig } from '../sim/link-config.js';
import type { NetworkChangeSource, ProxyDirection } from './proxy.js';
import type { ProxyNetworkChange } from './proxy-network.js';
import { TimerHeap } from './proxy.js';

/** Largest delay one timer is armed for (Node's setTimeout limit, 2^31 − 1 ms); longer waits re-arm. */
export const TIMER_DELAY_MS_MAX = 2_147_483_647;
/** Entries run in one timer callback at most; the rest run in the next callback, armed at once. */
export const TIMELINE_BURST_MAX = 1_000;

/** The clock and timers a timeline runs on: performance.now() and setTimeout in the proxy, a fake in tests. */
export interface TimelineClock {
  /** ms since the proxy started (fractional). */
  nowMs(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The clock of a running proxy: `nowMs` from the proxy, Node's timers (unref'd: the proxy keeps the process alive). */
export function nodeTimelineClock(nowMs: () => number): TimelineClock {
  return {
    nowMs,
    setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

/**
 * What a timeline entry does to the proxy's network: a change, or a lag spike (a latency change now and
 * its end, added to the timeline `forMs` later).
 */
export type ProxyTimelineAction =
  | ProxyNetworkChange
  | { kind: 'lag_spike'; directions: ProxyDirection[]; extraMs: number; forMs: number }
  | { kind: 'lag_spike_end'; directions: ProxyDirection[]; extraMs: number };

/** One entry: when, what, and how to name it in the output (its place in the scenario file). */
export interface ProxyTimelineEntry {
  atMs: number;
  action: ProxyTimelineAction;
  /** `partition client<->server`: the action as the scenario wrote it. */
  label: string;
  /** `scenario.yaml:9:5`, or null for an entry the proxy added (the end of a lag spike). */
  where: string | null;
}

/** Runs entries at their times. `run` gets each entry and the time it was due; it may `add` more. */
export class WallClockTimeline {
  private readonly heap = new TimerHeap<{ dueAtMs: number; entry: ProxyTimelineEntry }>();
  private timer: unknown = null;
  private started = false;
  private stopped = false;

  constructor(
    private readonly clock: TimelineClock,
    private readonly run: (entry: ProxyTimelineEntry, timeline: WallClockTimeline) => void,
  ) {}

  /** Entries waiting. */
  get pending(): number {
    return this.heap.size;
  }

  /** Adds an entry (before or after start); an entry whose time has passed runs at the next timer, at once. */
  add(entry: ProxyTimelineEntry): void {
    if (this.stopped) return;
    this.heap.push({ dueAtMs: entry.atMs, entry });
    if (this.started) this.arm();
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.arm();
  }

  /** No entry runs after this. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    const next = this.heap.peek();
    if (next === undefined || this.stopped) return;
    const delayMs = Math.min(TIMER_DELAY_MS_MAX, Math.max(0, Math.ceil(next.dueAtMs - this.clock.nowMs())));
    this.timer = this.clock.setTimer(() => this.fire(), delayMs);
  }

  private fire(): void {
    this.timer = null;
    const nowMs = this.clock.nowMs();
    for (let ran = 0; ran < TIMELINE_BURST_MAX && !this.stopped; ran += 1) {
      const next = this.heap.peek();
      if (next === undefined || next.dueAtMs > nowMs) break;
      this.heap.pop();
      this.run(next.entry, this);
    }
    this.arm();
  }
}

/** What the proxy offers a timeline: changes to its network, and the latency a lag spike adds to. */
export interface ChangeableNetwork {
  changeNetwork(change: ProxyNetworkChange, source: NetworkChangeSource): ChangeOutcome;
  latencyMs(direction: ProxyDirection): number;
}

/**
 * Performs one entry on the proxy's network. A lag spike, as the simulator's (compile.ts lagSpike):
 * each direction's latency now plus `extraMs`, and `forMs` later its latency then minus `extraMs` (never
 * below 0), as an entry added to the timeline. Returns the outcome of each change made.
 */
export function performTimelineEntry(network: ChangeableNetwork, entry: ProxyTimelineEntry, timeline: WallClockTimeline, source: NetworkChangeSource = 'timeline'): ChangeOutcome[] {
  const action = entry.action;
  if (action.kind === 'lag_spike_end') return action.directions.map((direction) => network.changeNetwork(latencyChange(direction, Math.max(0, network.latencyMs(direction) - action.extraMs)), source));
  if (action.kind !== 'lag_spike') return [network.changeNetwork(action, source)];
  const outcomes = action.directions.map((direction) => network.changeNetwork(latencyChange(direction, network.latencyMs(direction) + action.extraMs), source));
  const startedAtMs = outcomes.find((outcome) => outcome.ok === true)?.atMs ?? Math.floor(entry.atMs);
  timeline.add({ atMs: startedAtMs + action.forMs, action: { kind: 'lag_spike_end', directions: action.directions, extraMs: action.extraMs }, label: `${entry.label} (end)`, where: entry.where });
  return outcomes;
}

export type ChangeOutcome = { ok: true; atMs: number } | { ok: false; reason: string };

function latencyChange(direction: ProxyDirection, latencyMs: number): ProxyNetworkChange {
  const config: LinkConfig = { latencyMs };
  return { kind: 'link', settings: [{ target: direction, config }], rampMs: 0 };
}
