// Reactions: the application's handlers for ENet events (Godot's peer_connected, peer_disconnected
// and packet signals), run right after the service() call that returned the event, or a delay later.
import type { Trace } from '../trace/trace.js';

/** The ENet events an application reacts to. */
export type ReactionEventType = 'connect' | 'disconnect' | 'receive';

/** Which events of which host a reaction answers, and when its handler runs. */
export interface ReactionTrigger {
  host: string;
  event: ReactionEventType;
  /** Only events of the peer for this remote host (null: any peer). */
  peer?: string | null;
  /** receive: only packets on this channel (null: any). */
  channel?: number | null;
  /** connect/disconnect: only events carrying this data (null: any). */
  data?: number | null;
  /** Events before this virtual time are not answered (the handler is installed then). Default 0. */
  fromMs?: number;
  /** Run the handler this long after the event (a timer of the application); 0 (default): inside the frame. */
  delayMs?: number;
  /** Answer the first matching event only. Default false: every one. */
  once?: boolean;
  /** A name for the trace (the scenario timeline id). */
  id?: string | null;
  /** What the handler does, for the trace ("set_timeout"). */
  does: string;
}

/** The event as the application saw it: its peer is named after the remote host ("client"). */
export interface ObservedEvent {
  type: ReactionEventType;
  peer: string;
  channel: number | null;
  data: number | null;
}

/** What reactions need of a host: whether it can run a handler now, and a way to wait for its loop. */
export interface ReactingHost {
  readonly name: string;
  readonly crashed: boolean;
  readonly paused: boolean;
  /** Counts the host's restarts: a handler armed before a restart belongs to a process that is gone. */
  readonly generation: number;
  /** Runs `callback` right after the game loop resumes (a paused loop runs no timers). */
  whenResumed(callback: () => void): void;
}

/** What reactions need of the simulation. */
export interface ReactionClock {
  readonly nowMs: number;
  readonly trace: Trace;
  /** Schedules `action` at `atMs` among the timeline's actions of that millisecond. */
  at(atMs: number, action: () => void): void;
}

interface Reaction {
  trigger: ReactionTrigger;
  handler: (peer: string) => void;
  fired: boolean;
}

/** The reactions of every host, in the order they were added (the order handlers run for one event). */
export class Reactions {
  private readonly byHost = new Map<string, Reaction[]>();

  constructor(private readonly clock: ReactionClock) {}

  add(trigger: ReactionTrigger, handler: (peer: string) => void): void {
    const list = this.byHost.get(trigger.host) ?? [];
    list.push({ trigger, handler, fired: false });
    this.byHost.set(trigger.host, list);
  }

  /** True when `host` has a reaction: the host then reports its events (cheap check for the hot path). */
  has(host: string): boolean {
    return this.byHost.has(host);
  }

  /** Answers `event`, which `host`'s service() call just returned. */
  dispatch(host: ReactingHost, event: ObservedEvent): void {
    const list = this.byHost.get(host.name);
    if (list === undefined) return;
    const eventAtMs = this.clock.nowMs;
    for (const reaction of list) {
      if (!matches(reaction, event, eventAtMs)) continue;
      reaction.fired = true;
      const delayMs = reaction.trigger.delayMs ?? 0;
      if (delayMs === 0) {
        this.run(host, reaction, event, eventAtMs, host.generation);
        continue;
      }
      const generation = host.generation;
      this.clock.at(eventAtMs + delayMs, () => this.runWhenLoopRuns(host, reaction, event, eventAtMs, generation));
    }
  }

  /** A timer due while the game loop is paused fires when it resumes. */
  private runWhenLoopRuns(host: ReactingHost, reaction: Reaction, event: ObservedEvent, eventAtMs: number, generation: number): void {
    if (host.paused && !host.crashed && host.generation === generation) {
      host.whenResumed(() => this.run(host, reaction, event, eventAtMs, generation));
      return;
    }
    this.run(host, reaction, event, eventAtMs, generation);
  }

  private run(host: ReactingHost, reaction: Reaction, event: ObservedEvent, eventAtMs: number, generation: number): void {
    const { trigger } = reaction;
    const nowMs = this.clock.nowMs;
    // A crash or a restart ends the process that armed the handler: it never runs.
    const cancelled = host.crashed ? 'the host crashed' : host.generation !== generation ? 'the host restarted' : null;
    this.clock.trace.record({
      kind: 'action',
      atMs: nowMs,
      host: host.name,
      action: 'reaction',
      detail: {
        on: event.type,
        peer: event.peer,
        does: trigger.does,
        ...(nowMs !== eventAtMs ? { eventAtMs } : {}),
        ...(cancelled !== null ? { cancelled } : {}),
      },
      ...(trigger.id !== undefined && trigger.id !== null ? { id: trigger.id } : {}),
    });
    if (cancelled === null) reaction.handler(event.peer);
  }
}

function matches(reaction: Reaction, event: ObservedEvent, nowMs: number): boolean {
  const { trigger } = reaction;
  if (trigger.event !== event.type) return false;
  if (trigger.once === true && reaction.fired) return false;
  if (nowMs < (trigger.fromMs ?? 0)) return false;
  if (trigger.peer !== undefined && trigger.peer !== null && trigger.peer !== event.peer) return false;
  if (trigger.channel !== undefined && trigger.channel !== null && trigger.channel !== event.channel) return false;
  if (trigger.data !== undefined && trigger.data !== null && trigger.data !== event.data) return false;
  return true;
}
