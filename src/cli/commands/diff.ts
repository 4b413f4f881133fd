// `enetsim diff <scenario>`: runs the scenario once with every host on the TypeScript core and once
// on the real libenet (Debian's 1.3.17, or the build `--libenet` / $ENETSIM_LIBENET points at), and
// reports the first divergence of the two traces: the time, what each side did there (a datagram
// decoded command by command, an event, a state), and the peer states of both runs at that moment.
// Traces carry a hash of every datagram's bytes and of every received packet's bytes and flags.
// When the traces agree, every field of every host, peer and channel is compared at the end of the
// run. Both sides run as the ENet the library is: a host whose `protocol` asks for another one is
// compared as the library's version, and diff says so.
import type { Simulation } from '../../sim/simulation.js';
import type { TraceEvent } from '../../trace/trace.js';
import { createTsHost } from '../../sim/ts-host.js';
import type { CliIo } from '../io.js';
import { compileScenario } from '../../scenario/compile.js';
import type { Scenario } from '../../scenario/model.js';
import { formatDuration } from '../../scenario/units.js';
import { BUDGET_LIMITS_DEFAULT } from '../../scenario/budget.js';
import { budgetProblems, groupByProtocol, loadAll, printProblems, startLibenet, type LibenetSession } from './run.js';

/** One event as compared: causes other than timeout rules are the TypeScript core's alone. */
export function comparableEvent(event: TraceEvent): string {
  if (event.kind === 'state' && event.cause !== undefined && !event.cause.startsWith('timeout')) {
    const { cause: _cause, ...rest } = event;
    return JSON.stringify(rest);
  }
  return JSON.stringify(event);
}

export interface Divergence {
  index: number;
  typescript: TraceEvent | null;
  libenet: TraceEvent | null;
}

export function firstDivergence(ours: readonly TraceEvent[], theirs: readonly TraceEvent[]): Divergence | null {
  const length = Math.max(ours.length, theirs.length);
  for (let index = 0; index < length; index++) {
    const a = ours[index];
    const b = theirs[index];
    if (a === undefined || b === undefined || comparableEvent(a) !== comparableEvent(b)) return { index, typescript: a ?? null, libenet: b ?? null };
  }
  return null;
}

function describe(event: TraceEvent | null): string {
  if (event === null) return '(nothing: this trace ended)';
  switch (event.kind) {
    case 'datagram':
      return `datagram #${event.id} ${event.phase} ${event.from}->${event.to} ${event.sizeBytes}B${event.bytesHash !== undefined ? ` bytes ${event.bytesHash}` : ''}${event.reason !== undefined ? ` (${event.reason})` : ''}${event.commands !== undefined ? `\n      ${event.commands.join('\n      ')}` : ''}`;
    case 'event':
      return `${event.host}: ${event.type} event from ${event.peer}${event.data !== undefined ? ` data ${event.data}` : ''}${event.sizeBytes !== undefined ? ` ${event.sizeBytes}B on channel ${event.channel}` : ''}${event.flags !== undefined ? ` flags ${event.flags}` : ''}${event.bytesHash !== undefined ? ` bytes ${event.bytesHash}` : ''}`;
    case 'state':
      return `${event.host}->${event.peer}: ${event.from} → ${event.to}${event.cause !== undefined ? ` (${event.cause})` : ''}`;
    case 'stats':
      return `${event.host}->${event.peer} statistics ${event.values.join(', ')}`;
    case 'action':
      return `${event.host ?? 'network'}: ${event.action} ${JSON.stringify(event.detail ?? {})}`;
    case 'queue':
      return `link ${event.from}->${event.to} queue ${event.bytes}B in ${event.datagramCount} datagrams`;
  }
}

function peerStates(sim: Simulation, atMs: number): string {
  const latest = new Map<string, string>();
  for (const event of sim.trace.events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'state') latest.set(`${event.host}->${event.peer}`, event.to);
  }
  return latest.size === 0 ? 'none' : [...latest].map(([peer, state]) => `${peer} ${state}`).join(', ');
}

/** One field that differs at the end of a run: `field` is a HostDump name ("peers[1].roundTripTime"). */
export interface FieldDifference {
  host: string;
  /** The remote host of the peer slot the field belongs to, when it is a peer's and known. */
  peer: string | null;
  field: string;
  typescript: number | null;
  libenet: number | null;
}

/** Differences reported per comparison, at most; the count of the rest is given. */
export const FIELD_DIFFERENCES_SHOWN_MAX = 10;

/**
 * Compares every host, peer and channel field (HostLike.dump) of two simulations of the same
 * scenario, host by host, before they are destroyed. A host crashed on one side only is one
 * difference ('(host)').
 */
export function endStateDifferences(ours: Simulation, theirs: Simulation): { differences: FieldDifference[]; fieldCount: number } {
  const differences: FieldDifference[] = [];
  let fieldCount = 0;
  for (const name of ours.hostNames) {
    const a = ours.host(name);
    const b = theirs.host(name);
    if (a.impl === null || b.impl === null) {
      if (a.impl !== b.impl) differences.push({ host: name, peer: null, field: '(host)', typescript: a.impl === null ? null : 1, libenet: b.impl === null ? null : 1 });
      continue;
    }
    const left = a.impl.dump();
    const right = b.impl.dump();
    const fields = new Set([...left.keys(), ...right.keys()]);
    fieldCount += fields.size;
    for (const field of fields) {
      const typescript = left.get(field) ?? null;
      const libenet = right.get(field) ?? null;
      if (typescript === libenet) continue;
      const slot = /^peers\[(\d+)\]/.exec(field);
      differences.push({ host: name, peer: slot === null ? null : a.peerName(Number(slot[1])), field, typescript, libenet });
    }
  }
  return { differences, fieldCount };
}

/** "server, peer slot for client1: peers[0].roundTripTime is 52 on the TypeScript core, 51 on libenet". */
export function describeFieldDifferences(differences: readonly FieldDifference[], libenetLabel: string, indent = '  '): string {
  const shown = differences.slice(0, FIELD_DIFFERENCES_SHOWN_MAX).map((difference) => {
    const where = difference.peer === null ? difference.host : `${difference.host} (peer ${difference.peer})`;
    const value = (v: number | null): string => (v === null ? 'absent' : String(v));
    return `${indent}${where}: ${difference.field} is ${value(difference.typescript)} on the TypeScript core, ${value(difference.libenet)} on ${libenetLabel}`;
  });
  if (differences.length > FIELD_DIFFERENCES_SHOWN_MAX) shown.push(`${indent}… and ${differences.length - FIELD_DIFFERENCES_SHOWN_MAX} more fields`);
  return shown.join('\n');
}

interface BothRuns {
  ours: Simulation;
  theirs: Simulation;
  fields: FieldDifference[];
  /** A run that stopped at a simulator limit before the scenario's end, or null: its traces prove nothing. */
  stopped: { side: string; limit: string; atMs: number } | null;
}

function runBoth(scenario: Scenario, seed: number, libenet: LibenetSession): BothRuns {
  // Like with like: the TypeScript core runs as the ENet the library is (see protocolNotes).
  const ours = compileScenario(scenario, { seed, implementation: (config) => createTsHost(config, libenet.profile) }).sim;
  const oursResult = ours.run(scenario.durationMs);
  const theirs = compileScenario(scenario, { seed, implementation: libenet.factory }).sim;
  const theirsResult = theirs.run(scenario.durationMs);
  const fields = endStateDifferences(ours, theirs).differences;
  theirs.destroy();
  ours.destroy();
  const stoppedSide = [
    { side: 'the TypeScript core', result: oursResult },
    { side: libenet.label, result: theirsResult },
  ].find(({ result }) => result.stoppedBy !== 'untilMs');
  const stopped = stoppedSide === undefined ? null : { side: stoppedSide.side, limit: stoppedSide.result.stoppedBy, atMs: stoppedSide.result.nowMs };
  return { ours, theirs, fields, stopped };
}

/** One stderr line per scenario whose hosts ask for an ENet the library is not: what diff compares instead. */
function protocolNotes(scenario: Scenario, libenet: LibenetSession): string[] {
  return groupByProtocol(scenario.hosts.filter((host) => host.protocol !== libenet.profile)).map(
    ([protocol, names]) =>
      `enetsim: ${scenario.file}: ${names.length === 1 ? 'host' : 'hosts'} ${names.join(', ')} ${names.length === 1 ? 'asks' : 'ask'} for ENet ${protocol}, but the libenet here is ${libenet.version}: diff compares ${names.length === 1 ? 'it' : 'them'} as ${libenet.version} on both sides (the TypeScript core as its ${libenet.profile} profile)\n`,
  );
}

/** Returns 0 when every scenario's traces and end states are identical, 1 when one diverged, 2 on bad input or when a run stopped at a simulator limit (nothing to compare). */
export function diffCommand(patterns: string[], seed: number | null, io: CliIo, libenetPath: string | null = null): 0 | 1 | 2 {
  const loaded = loadAll(patterns, io);
  if (!loaded.ok) {
    printProblems(loaded.problems, io);
    return 2;
  }
  // The same up-front budget as run: diff runs each scenario twice, so what run refuses diff refuses.
  const overBudget = budgetProblems(loaded.scenarios, BUDGET_LIMITS_DEFAULT);
  if (overBudget.length > 0) {
    printProblems(overBudget, io);
    return 2;
  }
  const started = startLibenet(libenetPath);
  if (!started.ok) {
    io.stderr(`enetsim: ${started.message}\n`);
    return 2;
  }
  const libenet = started.session;
  const label = libenet.label;
  let diverged = false;
  let stoppedEarly = false;
  try {
    for (const scenario of loaded.scenarios) {
      for (const note of protocolNotes(scenario, libenet)) io.stderr(note);
      const runSeed = seed ?? scenario.seed;
      const { ours, theirs, fields, stopped } = runBoth(scenario, runSeed, libenet);
      if (stopped !== null) {
        // Two traces cut at a limit can agree on everything they hold and still say nothing.
        stoppedEarly = true;
        io.stderr(`enetsim: ${scenario.file}: ${stopped.side} stopped at the ${stopped.limit} limit at ${formatDuration(stopped.atMs)} of ${formatDuration(scenario.durationMs)} (seed ${runSeed}); not compared\n`);
        continue;
      }
      const divergence = firstDivergence(ours.trace.events, theirs.trace.events);
      const typescript = `the TypeScript core (as ${libenet.profile})`;
      if (divergence === null && fields.length === 0) {
        io.stdout(`${scenario.file}: identical on ${typescript} and ${label} (seed ${runSeed}, ${ours.trace.events.length} trace events with datagram and packet hashes, and every host, peer and channel field at the end; hash ${ours.trace.hash()})\n`);
        continue;
      }
      diverged = true;
      if (divergence === null) {
        io.stdout(
          [
            `${scenario.file}: the traces are identical, but ${fields.length} field${fields.length === 1 ? '' : 's'} differ at the end of the run (seed ${runSeed}):`,
            describeFieldDifferences(fields, label),
            `  reproduce: enetsim diff ${scenario.file} --seed ${runSeed}`,
            '',
          ].join('\n'),
        );
        continue;
      }
      const atMs = Math.min(divergence.typescript?.atMs ?? Infinity, divergence.libenet?.atMs ?? Infinity);
      io.stdout(
        [
          `${scenario.file}: the traces diverge at event ${divergence.index}, at ${formatDuration(atMs)} (seed ${runSeed}):`,
          `  TypeScript core: ${describe(divergence.typescript)}`,
          `  ${`${label}:`.padEnd(16)} ${describe(divergence.libenet)}`,
          `  peer states then (TypeScript): ${peerStates(ours, atMs)}`,
          `  peer states then (libenet):    ${peerStates(theirs, atMs)}`,
          `  reproduce: enetsim diff ${scenario.file} --seed ${runSeed}`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    libenet.close();
  }
  return stoppedEarly ? 2 : diverged ? 1 : 0;
}
