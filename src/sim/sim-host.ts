// One simulated host: an ENet host (any HostImpl: the TypeScript core or libenet) plus the
// application around it: its game loop (when it calls service), its workloads, and pause, crash
// and restart. Peers are named after the remote host ("client->server" is the client's peer for
// the server).
import { PEER_STATE_NAMES, PeerState } from '../enet/constants.js';
import type { CompressionName } from '../enet/compressors.js';
import type { HostConfigLike, HostEventLike, HostLike, PeerObservation, PeerSnapshot, WireAddress } from './host-impl.js';
import type { Ledger } from './ledger.js';
import type { RandomStream } from './random.js';
import { readPeerStatistics } from './statistics.js';
import type { Trace } from '../trace/trace.js';

/** How the application calls service(). */
export interface ServiceCadence {
  /** A frame every this many ms (default 16, about 60 Hz). Ignored when `hz` is set. */
  intervalMs?: number;
  /** Frames per second; frame k runs at phaseMs + floor(k·1000/hz), so 60 Hz averages 16.67 ms. */
  hz?: number;
  /** Delay of the first frame after the host starts, ms (default 0). */
  phaseMs?: number;
  /** Each frame is late by a uniform 0..jitterMs ms (default 0), as a busy game loop is. */
  jitterMs?: number;
  /** Also service as soon as a datagram arrives (an event-driven server); default false. */
  onReceive?: boolean;
  /** Service calls per frame while they return events (Godot games loop until EVENT_NONE). Default 1000. */
  maxEventsPerFrame?: number;
}

/** Creates the ENet host of a simulated host (called again on restart). */
export type HostFactory = (config: HostConfigLike) => HostLike;

export interface SimHostOptions {
  /** ENet peer slots (enet_host_create peerCount); default 32 as Godot's create_host. */
  peerCount?: number;
  /** Channel limit, 0 = 255 (default). */
  channelLimit?: number;
  /** Downstream bandwidth in bytes/s, 0 = unlimited (default). */
  incomingBandwidth?: number;
  /** Upstream bandwidth in bytes/s, 0 = unlimited (default). */
  outgoingBandwidth?: number;
  /** Overrides the profile's default MTU. */
  mtu?: number;
  /** ENet CRC-32 checksums (both ends must agree). Default false. */
  checksum?: boolean;
  /** Datagram compression: ENet's range coder or one of Godot's wrappers (both ends must agree). Default none. */
  compress?: CompressionName;
  service?: ServiceCadence;
}

/** What a SimHost needs from its simulation. */
export interface SimContext {
  readonly nowMs: number;
  /** The ENet clock (uint32 ms) at the current virtual time. */
  readonly enetNowMs: number;
  readonly trace: Trace;
  readonly ledger: Ledger;
  /** The name of the host at `address`, or null. */
  nameAt(address: WireAddress): string | null;
  addressOf(name: string): WireAddress;
  /** Sends everything the host emitted into the network. */
  collect(host: SimHost): void;
  /** Called after every service frame, for sampling. */
  afterService(host: SimHost): void;
  /** Called right after the service() call that returned `event` (connect, disconnect, receive), for reactions. */
  react(host: SimHost, event: Exclude<HostEventLike, { type: 'none' }>): void;
}

const DEFAULT_INTERVAL_MS = 16;
const DEFAULT_MAX_EVENTS_PER_FRAME = 1000;

export class SimHost {
  impl: HostLike | null;
  paused = false;
  frameCount = 0;
  /** The last observed state by slot (absent: DISCONNECTED); arrays, as peerIndexOf scans them per send. */
  private readonly peerStates: number[] = [];
  private readonly trackedPeers = new Set<number>();
  /** trackedPeers in slot order, rebuilt after a slot is added. */
  private sortedTrackedPeers: number[] | null = null;
  /** Remote host names by slot, looked up once per connection of the slot. */
  private readonly peerNames: (string | undefined)[] = [];
  /**
   * peerIndexOf's answers found since the last change of a slot's state, name or tracking (each such
   * change forgets them all): a server sending to hundreds of peers would scan them for every send.
   */
  private readonly slotByRemote = new Map<string, number>();
  private restarts = 0;
  /** The observation detectStateChanges last compared. */
  private lastObservation: PeerObservation | null = null;
  /** What waits for the game loop to resume (timers of reactions due while it was paused). */
  private readonly resumeCallbacks: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly address: WireAddress,
    readonly options: SimHostOptions,
    private readonly factory: HostFactory,
    private readonly random: RandomStream,
    private readonly context: SimContext,
  ) {
    this.impl = this.createImpl();
  }

  get crashed(): boolean {
    return this.impl === null;
  }

  /** How many times the host restarted: work armed by an earlier process is void after a restart. */
  get generation(): number {
    return this.restarts;
  }

  /** Runs `callback` right after the game loop resumes, or after a crash or restart (which void it). */
  whenResumed(callback: () => void): void {
    this.resumeCallbacks.push(callback);
  }

  private runResumeCallbacks(): void {
    for (const callback of this.resumeCallbacks.splice(0)) callback();
  }

  private createImpl(): HostLike {
    const config: HostConfigLike = {
      address: this.address,
      peerCount: this.options.peerCount ?? 32,
      channelLimit: this.options.channelLimit ?? 0,
      incomingBandwidth: this.options.incomingBandwidth ?? 0,
      outgoingBandwidth: this.options.outgoingBandwidth ?? 0,
      randomSeed: this.random.fork(`enet-seed-${this.restarts}`).nextU32(),
      ...(this.options.mtu !== undefined ? { mtu: this.options.mtu } : {}),
      checksum: this.options.checksum ?? false,
      ...(this.options.compress !== undefined ? { compress: this.options.compress } : {}),
    };
    const impl = this.factory(config);
    this.peerStates.length = 0;
    this.lastObservation = null;
    this.trackedPeers.clear();
    this.slotByRemote.clear();
    this.sortedTrackedPeers = null;
    this.peerNames.length = 0;
    return impl;
  }


  private requireImpl(action: string): HostLike {
    if (this.impl === null) throw new Error(`${this.name}: cannot ${action} while the host is crashed`);
    return this.impl;
  }

  // ---- the game loop -----------------------------------------------------------------------------

  /** The virtual time of frame `index` (before jitter). */
  frameTimeMs(index: number, startMs: number): number {
    const cadence = this.options.service ?? {};
    const phaseMs = cadence.phaseMs ?? 0;
    if (cadence.hz !== undefined) return startMs + phaseMs + Math.floor((index * 1000) / cadence.hz);
    return startMs + phaseMs + index * (cadence.intervalMs ?? DEFAULT_INTERVAL_MS);
  }

  /** Uniform 0..jitterMs extra delay for one frame. */
  frameJitterMs(): number {
    const jitterMs = this.options.service?.jitterMs ?? 0;
    return jitterMs > 0 ? this.random.nextU32() % (jitterMs + 1) : 0;
  }

  /** One frame: service until no event (bounded), recording each event. */
  serviceFrame(): void {
    const impl = this.impl;
    if (impl === null || this.paused) return;
    this.frameCount++;
    const maxEvents = this.options.service?.maxEventsPerFrame ?? DEFAULT_MAX_EVENTS_PER_FRAME;
    for (let call = 0; call < maxEvents; call++) {
      const { result, event } = impl.service(this.context.enetNowMs);
      // States are observed after every call, before its datagrams are traced: a datagram of a
      // peer that took over a slot in this call then follows the old peer's end in the trace.
      this.detectStateChanges();
      if (result < 0) this.recordEvent({ type: 'none' }, 'error');
      if (event.type === 'none') break;
      this.recordEvent(event, event.type);
      this.context.collect(this);
      this.context.react(this, event);
    }
    this.context.collect(this);
    this.context.afterService(this);
  }

  private recordEvent(event: HostEventLike, type: 'connect' | 'disconnect' | 'receive' | 'error'): void {
    const atMs = this.context.nowMs;
    const trace = this.context.trace;
    if (event.type === 'none') {
      trace.record({ kind: 'event', atMs, host: this.name, type, peer: '-' });
      return;
    }
    this.track(event.peerIndex);
    if (event.type === 'receive') this.context.ledger.recordReceipt(event.data, atMs);
    if (!trace.enabled) return;
    const peer = this.peerName(event.peerIndex);
    if (event.type === 'receive') {
      trace.recordReceive(atMs, this.name, peer, event.channelID, event.data, event.flags);
    } else {
      trace.record({ kind: 'event', atMs, host: this.name, type, peer, data: event.data });
    }
  }


  /**
   * Records the state changes the application could observe (get_state) since the last check, for
   * every slot, with the implementation's reason. States passed through inside one call (ZOMBIE on
   * the way to DISCONNECTED, say) are not observable and are not recorded, except that a slot
   * dropped and reused inside one call shows both changes (→ DISCONNECTED, DISCONNECTED → its new
   * state); the same rules hold for every implementation, so traces of the TypeScript core and of
   * libenet compare.
   */
  detectStateChanges(): void {
    const impl = this.impl;
    if (impl === null) return;
    const observation = impl.observePeers();
    // An implementation hands the same object back while nothing changed: nothing to compare.
    if (observation === this.lastObservation) return;
    this.lastObservation = observation;
    this.slotByRemote.clear();
    const { states, causes, dropped, causesAfterDrop } = observation;
    for (let peerIndex = 0; peerIndex < states.length; peerIndex++) {
      const state = states[peerIndex]!;
      let previous = this.peerStates[peerIndex] ?? PeerState.STATE_DISCONNECTED;
      let cause = causes[peerIndex];
      // A slot dropped and already reused (a timeout and a CONNECT in one service call) held two
      // peers: the old one's end is a state change of its own, and the new one starts from DISCONNECTED.
      if (dropped?.[peerIndex] === true && previous !== PeerState.STATE_DISCONNECTED && state !== PeerState.STATE_DISCONNECTED) {
        this.recordStateChange(peerIndex, previous, PeerState.STATE_DISCONNECTED, cause);
        previous = PeerState.STATE_DISCONNECTED;
        cause = causesAfterDrop?.[peerIndex];
      }
      if (state === previous) continue;
      this.peerStates[peerIndex] = state;
      // A slot leaving DISCONNECTED may now talk to another host.
      if (previous === PeerState.STATE_DISCONNECTED) this.peerNames[peerIndex] = undefined;
      if (state !== PeerState.STATE_DISCONNECTED) this.track(peerIndex);
      this.recordStateChange(peerIndex, previous, state, cause);
    }
  }

  private recordStateChange(peerIndex: number, from: number, to: number, cause: string | null | undefined): void {
    if (!this.context.trace.enabled) return;
    this.context.trace.record({
      kind: 'state',
      atMs: this.context.nowMs,
      host: this.name,
      peer: this.peerName(peerIndex),
      from: PEER_STATE_NAMES[from]!,
      to: PEER_STATE_NAMES[to]!,
      ...(cause !== null && cause !== undefined ? { cause } : {}),
    });
  }

  // ---- peers -------------------------------------------------------------------------------------

  /** "server" for a peer whose address is the server's, else "#<index>". */
  peerName(peerIndex: number): string {
    const cached = this.peerNames[peerIndex];
    if (cached !== undefined) return cached;
    const impl = this.impl;
    if (impl === null) return `#${peerIndex}`;
    const name = this.context.nameAt(impl.peer(peerIndex).address);
    if (name === null) return `#${peerIndex}`;
    this.peerNames[peerIndex] = name;
    return name;
  }

  /** The slot of the peer for host `remote`, or null when there is none (not connected or gone). */
  peerIndexOf(remote: string): number | null {
    if (this.impl === null) return null;
    const known = this.slotByRemote.get(remote);
    if (known !== undefined) return known;
    // From the observed states and the cached names: no snapshot of the ENet peer is needed.
    for (const peerIndex of this.trackedPeers) {
      const state = this.peerStates[peerIndex] ?? PeerState.STATE_DISCONNECTED;
      if (state !== PeerState.STATE_DISCONNECTED && this.peerName(peerIndex) === remote) {
        this.slotByRemote.set(remote, peerIndex);
        return peerIndex;
      }
    }
    return null;
  }

  peerSnapshot(remote: string): PeerSnapshot | null {
    const peerIndex = this.peerIndexOf(remote);
    return peerIndex === null || this.impl === null ? null : this.impl.peer(peerIndex);
  }

  /** The tracked slots in slot order (kept until a slot is added). */
  private slotsInOrder(): readonly number[] {
    this.sortedTrackedPeers ??= [...this.trackedPeers].sort((a, b) => a - b);
    return this.sortedTrackedPeers;
  }

  private track(peerIndex: number): void {
    if (this.trackedPeers.has(peerIndex)) return;
    this.trackedPeers.add(peerIndex);
    this.slotByRemote.clear();
    this.sortedTrackedPeers = null;
  }

  /**
   * Visits every peer slot in use, in slot order, with its remote name and its 14 statistics (read
   * into `scratch`, which the visitor must copy to keep).
   */
  forEachPeerStatistics(scratch: number[], visit: (name: string, values: number[]) => void): void {
    const slots = this.statisticsSlots();
    for (let position = 0; position < slots.length; position++) {
      const name = this.readStatistics(slots[position]!, scratch);
      if (name !== null) visit(name, scratch);
    }
  }

  /** The slots forEachPeerStatistics visits, in order (none while crashed); read each with readStatistics. */
  statisticsSlots(): readonly number[] {
    return this.impl === null ? [] : this.slotsInOrder();
  }

  /** Reads slot `peerIndex`'s 14 statistics into `scratch`; returns its remote name, or null when the slot is not in use. */
  readStatistics(peerIndex: number, scratch: number[]): string | null {
    const impl = this.impl;
    if (impl === null || readPeerStatistics(impl, peerIndex, scratch) === PeerState.STATE_DISCONNECTED) return null;
    return this.peerName(peerIndex);
  }

  /** All peer slots in use, by remote name. */
  activePeers(): { name: string; index: number; snapshot: PeerSnapshot }[] {
    const impl = this.impl;
    if (impl === null) return [];
    const peers: { name: string; index: number; snapshot: PeerSnapshot }[] = [];
    for (const index of this.slotsInOrder()) {
      const snapshot = impl.peer(index);
      if (snapshot.state !== PeerState.STATE_DISCONNECTED) peers.push({ name: this.peerName(index), index, snapshot });
    }
    return peers;
  }

  private withPeer(remote: string, action: string, call: (impl: HostLike, peerIndex: number) => void): boolean {
    const impl = this.requireImpl(action);
    const peerIndex = this.peerIndexOf(remote);
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action, detail: { peer: remote, found: peerIndex !== null } });
    if (peerIndex === null) return false;
    call(impl, peerIndex);
    this.context.collect(this);
    this.detectStateChanges();
    return true;
  }

  // ---- application calls ---------------------------------------------------------------------------

  /** enet_host_connect to host `remote`. Returns false when no slot was free. */
  connect(remote: string, channelCount: number, data = 0): boolean {
    const impl = this.requireImpl('connect');
    const peerIndex = impl.connect(this.context.addressOf(remote), channelCount, data);
    if (peerIndex >= 0) this.peerNames[peerIndex] = remote;
    this.slotByRemote.clear();
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'connect', detail: { peer: remote, channels: channelCount, data } });
    if (peerIndex < 0) return false;
    this.track(peerIndex);
    this.detectStateChanges();
    return true;
  }

  /** Sends a tagged packet of `sizeBytes` to `remote`; returns ENet's result (0 ok, -1 refused). */
  send(remote: string, channel: number, sizeBytes: number, flags: number, source = 'send'): number {
    const impl = this.requireImpl('send');
    const peerIndex = this.peerIndexOf(remote);
    if (peerIndex === null) return -1;
    const payload = this.context.ledger.recordSend({ from: this.name, to: remote, channel, flags, sizeBytes, sentAtMs: this.context.nowMs, source });
    const result = impl.peerSend(peerIndex, channel, flags, payload);
    if (result < 0) this.context.ledger.markLastRefused();
    return result;
  }

  disconnect(remote: string, data = 0): boolean {
    return this.withPeer(remote, 'peer_disconnect', (impl, index) => impl.peerDisconnect(index, data, this.context.enetNowMs));
  }

  disconnectLater(remote: string, data = 0): boolean {
    return this.withPeer(remote, 'peer_disconnect_later', (impl, index) => impl.peerDisconnectLater(index, data, this.context.enetNowMs));
  }

  disconnectNow(remote: string, data = 0): boolean {
    return this.withPeer(remote, 'peer_disconnect_now', (impl, index) => impl.peerDisconnectNow(index, data, this.context.enetNowMs));
  }

  reset(remote: string): boolean {
    return this.withPeer(remote, 'reset', (impl, index) => impl.peerReset(index));
  }

  ping(remote: string): boolean {
    return this.withPeer(remote, 'ping', (impl, index) => impl.peerPing(index));
  }

  pingInterval(remote: string, pingIntervalMs: number): boolean {
    return this.withPeer(remote, 'ping_interval', (impl, index) => impl.peerPingInterval(index, pingIntervalMs));
  }

  setTimeout(remote: string, limit: number, minimumMs: number, maximumMs: number): boolean {
    return this.withPeer(remote, 'set_timeout', (impl, index) => impl.peerTimeout(index, limit, minimumMs, maximumMs));
  }

  throttleConfigure(remote: string, intervalMs: number, acceleration: number, deceleration: number): boolean {
    return this.withPeer(remote, 'throttle_configure', (impl, index) => impl.peerThrottleConfigure(index, intervalMs, acceleration, deceleration));
  }

  bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void {
    this.requireImpl('bandwidth_limit').bandwidthLimit(incomingBandwidth, outgoingBandwidth);
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'bandwidth_limit', detail: { incomingBandwidth, outgoingBandwidth } });
  }

  channelLimit(limit: number): void {
    this.requireImpl('channel_limit').channelLimit(limit);
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'channel_limit', detail: { limit } });
  }

  /** enet_host_broadcast of a tagged packet, recorded once per connected receiver. */
  broadcast(channel: number, sizeBytes: number, flags: number): void {
    const impl = this.requireImpl('broadcast');
    const receivers = this.activePeers().filter(({ snapshot }) => snapshot.state === PeerState.STATE_CONNECTED);
    // One payload for all receivers: record it as sent to the first; later receipts by others count against it.
    const first = receivers[0];
    const payload = this.context.ledger.recordSend({
      from: this.name,
      to: first?.name ?? '*',
      channel,
      flags,
      sizeBytes,
      sentAtMs: this.context.nowMs,
      source: 'broadcast',
    });
    impl.broadcast(channel, flags, payload);
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'broadcast', detail: { channel, sizeBytes, receivers: receivers.length } });
  }

  // ---- faults of the application -------------------------------------------------------------------

  /** Freezes the game loop: no service calls until resume (datagrams still queue at the socket). */
  pause(): void {
    this.paused = true;
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'pause' });
  }

  resume(): void {
    this.paused = false;
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'resume' });
    this.runResumeCallbacks();
  }

  /** The process dies: all ENet state is lost, nothing is sent, arriving datagrams are dropped. */
  crash(): void {
    this.impl?.destroy();
    this.impl = null;
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'crash' });
    this.runResumeCallbacks();
  }

  /** A fresh ENet host at the same address (a restarted process). */
  restart(): void {
    this.impl?.destroy();
    this.restarts++;
    this.impl = this.createImpl();
    this.paused = false;
    this.context.trace.record({ kind: 'action', atMs: this.context.nowMs, host: this.name, action: 'restart' });
    this.runResumeCallbacks();
  }
}
