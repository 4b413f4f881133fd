// The simulator's internal bounds, and the typed stop a run gets when it reaches one: a run that
// stops at a bound has not simulated what was asked, so the caller must be told which bound and when.
/** The bounds one run is held to (SimulationOptions.limits); every field defaults to its constant. */
export interface SimulationLimits {
  /** Events the scheduler executes per `run` call (default EVENT_BUDGET_DEFAULT, scheduler.ts). */
  eventBudget: number;
  /** Trace events recorded (default TRACE_EVENTS_MAX, trace.ts). */
  traceEventsMax: number;
  /** Application packets recorded by the ledger (default LEDGER_PACKETS_MAX, ledger.ts). */
  ledgerPacketsMax: number;
  /** Datagrams one held direction keeps until its release (default HELD_DATAGRAMS_MAX, network.ts). */
  heldDatagramsMax: number;
}

/** The names of the bounds, as a run's `stoppedBy` reports them. */
export const SIMULATION_LIMIT_NAMES = ['eventBudget', 'traceEvents', 'ledgerPackets', 'heldDatagrams'] as const;

/** The name of a bound, as a run's `stoppedBy` reports it. */
export type SimulationLimitName = (typeof SIMULATION_LIMIT_NAMES)[number];

/** Whether a run's stop reason is one of the bounds: the run did not simulate what was asked. */
export function isSimulationLimit(reason: string): reason is SimulationLimitName {
  return (SIMULATION_LIMIT_NAMES as readonly string[]).includes(reason);
}

/** Thrown from inside an event when a bound is reached; Simulation.run catches it and stops. */
export class SimulationLimitReached extends Error {
  constructor(
    readonly limit: SimulationLimitName,
    readonly bound: number,
    readonly atMs: number,
  ) {
    super(`simulation limit ${limit} (${bound}) reached at ${atMs} ms`);
  }
}
