// enetsim's library entry point: the ENet core with Godot's API, and the simulator.
export * from './enet/index.js';
export { Simulation, type SimulationOptions, type AddHostOptions, type RunResult } from './sim/simulation.js';
export { SimHost, type SimHostOptions, type ServiceCadence, type HostFactory } from './sim/sim-host.js';
export type { LinkConfig } from './sim/link-config.js';
export { Trace, fnv1a64, type TraceEvent } from './trace/trace.js';
export { Ledger, type SentPacket } from './sim/ledger.js';
export { PEER_STATISTIC_FIELDS, PEER_STATISTIC_NAMES, peerStatistics } from './sim/statistics.js';
export type { HostLike, HostConfigLike, PeerSnapshot, HostSnapshot, WireAddress as HostAddress } from './sim/host-impl.js';
export { createTsHost } from './sim/ts-host.js';
