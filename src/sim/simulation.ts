// The deterministic simulation: hosts with game loops, directional links, a timeline, and a trace.
// One master seed; every link direction and every host draws from its own stream forked by name,
// so adding a host or a stream leaves the draws of unrelated links unchanged.
import type { ProtocolProfile } from '../enet/constants.js';
import type { HostLike, WireAddress } from './host-impl.js';
import { LEDGER_PACKETS_MAX, Ledger } from './ledger.js';
import { SimulationLimitReached, type SimulationLimitName, type SimulationLimits } from './limits.js';
import type { LinkConfig } from './link-config.js';
import type { Link } from './link.js';
import { HELD_DATAGRAMS_MAX, Network, type Route } from './network.js';
import { RandomStream } from './random.js';
import { PER_DATAGRAM_DRAWS, type LinkDraws } from './weather.js';
import { EVENT_BUDGET_DEFAULT, Scheduler, type StopReason } from './scheduler.js';
import { Reactions, type ReactionTrigger } from './reactions.js';
import { SimHost, type HostFactory, type SimContext, type SimHostOptions } from './sim-host.js';
import { TRACE_EVENTS_MAX, Trace } from '../trace/trace.js';
import { createTsHost } from './ts-host.js';
import { CommandDescriber } from './datagram-commands.js';
import { PEER_STATISTIC_FIELDS } from './statistics.js';

export interface SimulationOptions {
  /** Master seed of every random stream. */
  seed: number | string;
  /**
   * The ENet clock at virtual time 0, ms. ENet reads 0 as "no time yet", so the default is 1 000 000,
   * not 0. Any uint32; the ENet clock wraps at 2^32 as libenet's does.
   */
  epochMs?: number;
  /** Record every peer's 14 statistics at this period, ms (0 = never). Default 100. */
  statsIntervalMs?: number;
  /** Also record statistics whenever they change after a service frame. Default true. */
  statsOnChange?: boolean;
  /** Record datagram events (sent / dropped / delivered) with their decoded commands. Default true. */
  traceDatagrams?: boolean;
  /**
   * Record a trace at all. false: `trace.events` stays empty and no event is even built (nor are
   * statistics sampled, which only feed the trace): for sweeps that read the ledger, snapshots or
   * host state, not the trace. Default true.
   */
  trace?: boolean;
  /**
   * Keep each datagram's bytes beside the trace (Trace.bytesOf): every `sent` datagram, and the bytes of
   * every corrupted copy as delivered. For exports that need the bytes (pcapng); the trace's text and
   * hash are the same either way. Default false.
   */
  keepDatagramBytes?: boolean;
  /** The bounds a run is held to; each one defaults to its constant (see {@link defaultSimulationLimits}). */
  limits?: Partial<SimulationLimits>;
  /**
   * How every link direction draws its datagrams' fates. Default `{ mode: 'per-datagram' }`: numbers in
   * send order from the direction's stream (every existing trace). `{ mode: 'time-keyed', slotMs }`:
   * numbers keyed by send time and loss chains stepping per slot, so runs whose traffic differs meet the
   * same network (common random numbers for sweeps; docs/simulator.md, "Link draws").
   */
  linkDraws?: LinkDraws;
}

/** The bounds every run has unless SimulationOptions.limits overrides them. */
export function defaultSimulationLimits(): SimulationLimits {
  return { eventBudget: EVENT_BUDGET_DEFAULT, traceEventsMax: TRACE_EVENTS_MAX, ledgerPacketsMax: LEDGER_PACKETS_MAX, heldDatagramsMax: HELD_DATAGRAMS_MAX };
}

export interface AddHostOptions extends SimHostOptions {
  /** Which ENet to run: a factory, or the TypeScript core with this profile (default '1.3.18'). */
  implementation?: HostFactory | ProtocolProfile;
  /** UDP port; the IPv4 address is 10.0.x.y from the host's index. Default 7777. */
  port?: number;
}

/**
 * Result of a run: the virtual time reached and why it stopped. `eventBudget`, `traceEvents` and
 * `ledgerPackets` and `heldDatagrams` mean a bound was reached before `untilMs`: the run did not simulate what was asked.
 */
export interface RunResult {
  nowMs: number;
  stoppedBy: RunStopReason;
}

/** Why a simulation run returned: the scheduler's reasons, and the limits it does not know about. */
export type RunStopReason = StopReason | SimulationLimitName;

/** A game loop: the next frame's index, scheduled as the argument of Simulation.runFrame. */
interface GameLoop {
  readonly host: SimHost;
  readonly startMs: number;
  frame: number;
}

/** A datagram on its way to a host: the argument of its delivery event, recycled once delivered. */
interface Delivery {
  id: number;
  route: Route | null;
  sender: SimHost | null;
  receiver: SimHost | null;
  bytes: Uint8Array | null;
  duplicate: boolean;
  corrupted: boolean;
}

/**
 * A simulation. Build it (hosts, links, timeline), then run it; read `trace`, `ledger` and the
 * hosts afterwards. All times are virtual ms from 0.
 */
export class Simulation {
  readonly scheduler = new Scheduler();
  readonly trace: Trace;
  readonly ledger: Ledger;
  readonly limits: SimulationLimits;
  readonly random: RandomStream;
  readonly network: Network;
  readonly epochMs: number;
  private readonly hosts = new Map<string, SimHost>();
  private readonly namesByAddress = new Map<number, string>();
  private readonly hostsByAddress = new Map<number, SimHost>();
  private readonly context: SimContext;
  private nextDatagramId = 1;
  /** The statistics last recorded per host and remote name, to record only changes. */
  private readonly lastStats = new Map<SimHost, Map<string, number[]>>();
  private readonly statsScratch: number[] = [];
  /** The bandwidth queue last recorded per link direction ([bytes, datagrams]), to record only changes. */
  private readonly lastQueues = new Map<Link, [number, number]>();
  private readonly reactions: Reactions;
  /** Delivery records free for reuse (bounded by the most datagrams ever in flight at once). */
  private readonly freeDeliveries: Delivery[] = [];
  /** Describes each sent datagram's commands for the trace. */
  private readonly commands = new CommandDescriber();
  /** Command keys (CommandDescriber.keys) → their text's id in the trace's string table; scratch of keys. */
  private readonly commandIds = new Map<number, number>();
  private readonly commandKeys: number[] = [];
  /** The scheduler's actions for frames and deliveries: one function each, not one closure per event. */
  private readonly runFrame = (loop: GameLoop): void => {
    loop.host.serviceFrame();
    this.scheduleFrame(loop);
  };
  private readonly runDelivery = (delivery: Delivery): void => {
    const { id, route, sender, receiver, bytes, duplicate, corrupted } = delivery;
    delivery.route = null;
    delivery.sender = null;
    delivery.receiver = null;
    delivery.bytes = null;
    this.freeDeliveries.push(delivery);
    this.deliver(id, route!, sender!, receiver!, bytes!, duplicate, corrupted);
  };

  constructor(readonly options: SimulationOptions) {
    this.limits = { ...defaultSimulationLimits(), ...options.limits };
    this.trace = new Trace(options.trace !== false, this.limits.traceEventsMax, options.keepDatagramBytes === true);
    this.ledger = new Ledger(this.limits.ledgerPacketsMax);
    this.random = RandomStream.root(options.seed);
    this.network = new Network(this.random.fork('links'), options.linkDraws ?? PER_DATAGRAM_DRAWS);
    this.epochMs = options.epochMs ?? 1_000_000;
    const simulation = this;
    this.context = {
      get nowMs() {
        return simulation.nowMs;
      },
      get enetNowMs() {
        return simulation.enetNowMs;
      },
      trace: this.trace,
      ledger: this.ledger,
      nameAt: (address) => this.namesByAddress.get(addressKey(address)) ?? null,
      addressOf: (name) => this.host(name).address,
      collect: (host) => this.collect(host),
      afterService: (host) => this.sampleOnChange(host),
      react: (host, event) => {
        if (!this.reactions.has(host.name)) return;
        const isReceive = event.type === 'receive';
        this.reactions.dispatch(host, { type: event.type, peer: host.peerName(event.peerIndex), channel: isReceive ? event.channelID : null, data: isReceive ? null : event.data });
      },
    };
    this.reactions = new Reactions({ trace: this.trace, at: (atMs, action) => this.at(atMs, action), get nowMs() { return simulation.nowMs; } });
    const statsIntervalMs = options.statsIntervalMs ?? 100;
    if (statsIntervalMs > 0 && this.trace.enabled) this.every(statsIntervalMs, () => this.sampleAll());
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  /** ENet's clock now: (epochMs + nowMs) mod 2^32. */
  get enetNowMs(): number {
    return (this.epochMs + this.scheduler.nowMs) % 0x100000000;
  }

  // ---- building --------------------------------------------------------------------------------------

  /** Adds a host and starts its game loop at the current time. */
  addHost(name: string, options: AddHostOptions = {}): SimHost {
    if (this.hosts.has(name)) throw new Error(`simulation: a host named '${name}' exists already`);
    const index = this.hosts.size + 1;
    const address: WireAddress = { host: (10 | (0 << 8) | ((index >> 8) << 16) | ((index & 0xff) << 24)) >>> 0, port: options.port ?? 7777 };
    const implementation = options.implementation ?? '1.3.18';
    const factory: HostFactory = typeof implementation === 'function' ? implementation : (config) => createTsHost(config, implementation);
    const host = new SimHost(name, address, options, factory, this.random.fork(`host/${name}`), this.context);
    this.hosts.set(name, host);
    this.namesByAddress.set(addressKey(address), name);
    this.hostsByAddress.set(addressKey(address), host);
    this.startGameLoop(host);
    return host;
  }

  host(name: string): SimHost {
    const host = this.hosts.get(name);
    if (host === undefined) throw new Error(`simulation: no host named '${name}'`);
    return host;
  }

  get hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /** Sets the configuration every link starts from (both directions of every pair). */
  defaultLink(config: LinkConfig, rampMs = 0): void {
    this.network.setDefault(config, this.nowMs, rampMs);
    this.trace.record({ kind: 'action', atMs: this.nowMs, action: 'link', detail: { link: 'default', config, rampMs } });
  }

  /** Changes the link from → to (one direction), merged over its current configuration, as a step or a ramp. */
  link(from: string, to: string, config: LinkConfig, rampMs = 0): void {
    this.host(from);
    this.host(to);
    this.network.set(from, to, config, this.nowMs, rampMs);
    this.trace.record({ kind: 'action', atMs: this.nowMs, action: 'link', detail: { link: `${from}->${to}`, config, rampMs } });
  }

  /** Cuts a ↔ b (or only a → b with `oneWay`). Datagrams in flight on a cut direction are lost too. */
  partition(a: string, b: string, oneWay = false): void {
    this.network.partition(a, b);
    if (!oneWay) this.network.partition(b, a);
    this.trace.record({ kind: 'action', atMs: this.nowMs, action: 'partition', detail: { a, b, oneWay } });
  }

  heal(a: string, b: string, oneWay = false): void {
    this.network.heal(a, b);
    if (!oneWay) this.network.heal(b, a);
    this.trace.record({ kind: 'action', atMs: this.nowMs, action: 'heal', detail: { a, b, oneWay } });
  }

  /** Holds datagrams from → to (nothing lost) until `release`, when they enter the link in order. */
  hold(from: string, to: string): void {
    this.network.hold(from, to);
    this.trace.record({ kind: 'action', atMs: this.nowMs, action: 'hold', detail: { from, to } });
  }

  release(from: string, to: string): void {
    this.trace.record({ kind: 'action', atMs: this.nowMs, action: 'release', detail: { from, to } });
    const route = this.network.route(from, to);
    const sender = this.host(from);
    const receiver = this.host(to);
    for (const held of this.network.release(from, to)) this.transmit(held.id, route, sender, receiver, held.bytes);
  }

  /**
   * Runs `action` at virtual time `atMs`, as a timeline action: before the host frames, deliveries and
   * statistics samples of that millisecond, and after the actions scheduled before it for that
   * millisecond (docs/simulator.md, "Time within a millisecond").
   */
  at(atMs: number, action: () => void): void {
    this.scheduler.at(atMs, action, 'timeline');
  }

  /**
   * Runs `action` every `periodMs` from now + periodMs (until the run ends), among the simulator's own
   * events of its millisecond (after timeline actions), as the statistics samples that use it.
   */
  every(periodMs: number, action: () => void): void {
    const tick = () => {
      action();
      this.scheduler.at(this.nowMs + periodMs, tick);
    };
    this.scheduler.at(this.nowMs + periodMs, tick);
  }

  /**
   * Runs `handler` with the event's peer (named after its remote host) when a host's application
   * sees a matching ENet event: right after the service() call that returned it, inside the frame,
   * or `delayMs` later as a timeline action (docs/simulator.md, "Reactions").
   */
  react(trigger: ReactionTrigger, handler: (peer: string) => void): void {
    this.host(trigger.host);
    this.reactions.add(trigger, handler);
  }

  // ---- running ---------------------------------------------------------------------------------------

  /**
   * Runs until virtual time `untilMs` (inclusive), until `stop` returns true after an event, or until
   * a bound of {@link SimulationLimits} is reached (the trace full, the ledger full, the event budget
   * spent): then `stoppedBy` names the bound and `nowMs` is the time the run reached.
   */
  run(untilMs: number, options: { stop?: () => boolean; eventBudget?: number } = {}): RunResult {
    const userStop = options.stop;
    const trace = this.trace;
    // A full trace no longer records what happens, so the run ends with it.
    const stop = userStop === undefined ? () => trace.truncated : () => trace.truncated || userStop();
    let stoppedBy: RunStopReason;
    try {
      stoppedBy = this.scheduler.run(untilMs, { eventBudget: options.eventBudget ?? this.limits.eventBudget, stop });
    } catch (error) {
      if (!(error instanceof SimulationLimitReached)) throw error;
      return { nowMs: this.nowMs, stoppedBy: error.limit };
    }
    if (stoppedBy === 'condition' && trace.truncated) stoppedBy = 'traceEvents';
    return { nowMs: this.nowMs, stoppedBy };
  }

  /** Destroys every host's ENet host (frees driver slots for libenet hosts). The simulation cannot run after. */
  destroy(): void {
    for (const host of this.hosts.values()) {
      host.impl?.destroy();
      host.impl = null;
    }
  }

  // ---- internals -------------------------------------------------------------------------------------

  private startGameLoop(host: SimHost): void {
    this.scheduleFrame({ host, startMs: this.nowMs, frame: 0 });
  }

  private scheduleFrame(loop: GameLoop): void {
    const host = loop.host;
    const atMs = Math.max(this.nowMs, host.frameTimeMs(loop.frame, loop.startMs) + host.frameJitterMs());
    loop.frame++;
    this.scheduler.atWith(atMs, this.runFrame, loop);
  }

  /** Pushes everything `host` sent into the network. */
  private collect(host: SimHost): void {
    const impl: HostLike | null = host.impl;
    if (impl === null) return;
    for (const sent of impl.takeSent()) {
      const id = this.nextDatagramId++;
      const receiver = this.hostsByAddress.get(addressKey(sent.address));
      if (this.tracesDatagrams) this.recordSent(id, host, receiver?.name ?? addressText(sent.address), sent.bytes);
      if (receiver === undefined) {
        this.dropped(id, host.name, addressText(sent.address), sent.bytes.length, 'noRoute');
        continue;
      }
      const route = this.network.route(host.name, receiver.name);
      if (route.held !== null) {
        this.network.holdDatagram(host.name, receiver.name, { id, bytes: sent.bytes }, this.limits.heldDatagramsMax, this.nowMs);
        continue;
      }
      this.transmit(id, route, host, receiver, sent.bytes);
    }
  }

  /** Records a `sent` datagram event, its commands as ids of their text in the trace. */
  private recordSent(id: number, host: SimHost, to: string, bytes: Uint8Array): void {
    const keys = this.commandKeys;
    const count = this.commands.keys(bytes, host.options.checksum ?? false, keys);
    for (let index = 0; index < count; index++) {
      const key = keys[index]!;
      let textId = this.commandIds.get(key);
      if (textId === undefined) {
        textId = this.trace.intern(this.commands.text(key));
        this.commandIds.set(key, textId);
      }
      keys[index] = textId;
    }
    this.trace.recordSent(this.nowMs, id, host.name, to, bytes, keys, count);
  }

  private transmit(id: number, route: Route, sender: SimHost, receiver: SimHost, bytes: Uint8Array): void {
    if (route.partitioned) {
      this.dropped(id, route.from, route.to, bytes.length, 'partition');
      return;
    }
    const fate = this.network.decide(route, this.nowMs, bytes);
    if (fate.deliveryCount === 0) {
      this.dropped(id, route.from, route.to, bytes.length, fate.dropReason);
      return;
    }
    this.scheduleDelivery(fate.atMs, id, route, sender, receiver, fate.bytes!, false, fate.corrupted);
    if (fate.deliveryCount === 2) this.scheduleDelivery(fate.duplicateAtMs, id, route, sender, receiver, fate.duplicateBytes!, true, false);
  }

  private scheduleDelivery(atMs: number, id: number, route: Route, sender: SimHost, receiver: SimHost, bytes: Uint8Array, duplicate: boolean, corrupted: boolean): void {
    const delivery = this.freeDeliveries.pop() ?? { id: 0, route: null, sender: null, receiver: null, bytes: null, duplicate: false, corrupted: false };
    delivery.id = id;
    delivery.route = route;
    delivery.sender = sender;
    delivery.receiver = receiver;
    delivery.bytes = bytes;
    delivery.duplicate = duplicate;
    delivery.corrupted = corrupted;
    this.scheduler.atWith(atMs, this.runDelivery, delivery);
  }

  private deliver(id: number, route: Route, sender: SimHost, host: SimHost, bytes: Uint8Array, duplicate: boolean, corrupted: boolean): void {
    const { from, to } = route;
    if (route.partitioned) {
      this.dropped(id, from, to, bytes.length, 'partition');
      return;
    }
    if (host.impl === null) {
      this.dropped(id, from, to, bytes.length, 'hostDown');
      return;
    }
    // Only a corrupted copy's bytes are kept: the others are those kept at `sent`.
    if (this.tracesDatagrams) this.trace.recordDelivered(this.nowMs, id, from, to, bytes, duplicate, corrupted);
    host.impl.deliver(sender.address, bytes);
    if (host.options.service?.onReceive === true) host.serviceFrame();
  }

  private dropped(id: number, from: string, to: string, sizeBytes: number, reason: string): void {
    if (!this.tracesDatagrams) return;
    this.trace.recordDropped(this.nowMs, id, from, to, sizeBytes, reason);
  }

  private sampleAll(): void {
    for (const host of this.hosts.values()) this.sample(host, true);
    this.sampleQueues();
  }

  /**
   * Records the bandwidth queue of each direction that has (or had) one when it changed since the
   * previous sample. Reading the queue draws no random number and changes no
   * fate: it only forgets datagrams already serialized, as the next transmit would.
   */
  private sampleQueues(): void {
    const nowMs = this.nowMs;
    this.network.forEachQueue((from, to, link) => {
      const last = this.lastQueues.get(link);
      const bytes = link.queueBytes(nowMs);
      const datagramCount = link.queueDatagramCount(nowMs);
      if (last !== undefined ? last[0] === bytes && last[1] === datagramCount : bytes === 0 && datagramCount === 0) return;
      this.lastQueues.set(link, [bytes, datagramCount]);
      this.trace.record({ kind: 'queue', atMs: nowMs, from, to, bytes, datagramCount });
    });
  }

  private get tracesDatagrams(): boolean {
    return this.options.traceDatagrams !== false && this.trace.enabled;
  }

  private sampleOnChange(host: SimHost): void {
    if (this.options.statsOnChange !== false && this.trace.enabled) this.sample(host, false);
  }

  private sample(host: SimHost, always: boolean): void {
    let lastByPeer = this.lastStats.get(host);
    if (lastByPeer === undefined) {
      lastByPeer = new Map();
      this.lastStats.set(host, lastByPeer);
    }
    const values = this.statsScratch;
    const slots = host.statisticsSlots();
    for (let position = 0; position < slots.length; position++) {
      const name = host.readStatistics(slots[position]!, values);
      if (name === null) continue;
      const previous = lastByPeer.get(name);
      if (!always && previous !== undefined && sameValues(previous, values)) continue;
      if (previous !== undefined && previous.length === values.length) copyValues(values, previous);
      else lastByPeer.set(name, values.slice());
      this.trace.recordStats(this.nowMs, host.name, name, values);
    }
  }
}

export { PEER_STATISTIC_FIELDS };

/** A number unique per IPv4 address and port (48 bits), cheaper to hash than a string. */
function addressKey(address: WireAddress): number {
  return (address.host >>> 0) * 65536 + address.port;
}

function addressText(address: WireAddress): string {
  return `${address.host & 0xff}.${(address.host >>> 8) & 0xff}.${(address.host >>> 16) & 0xff}.${address.host >>> 24}:${address.port}`;
}

function copyValues(from: readonly number[], into: number[]): void {
  for (let index = 0; index < from.length; index++) into[index] = from[index]!;
}

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
