// `run --plot STAT`: a line chart in the terminal of one Godot PeerStatistic per peer, drawn from
// the run's `stats` trace events by src/report/terminal-plot.ts.
import { plotSeries, type PlotPoint } from '../../report/terminal-plot.js';
import { didYouMean, formatDuration } from '../../scenario/units.js';
import { PEER_STATISTIC_NAMES } from '../../sim/statistics.js';
import type { TraceEvent } from '../../trace/trace.js';

export type PeerStatisticName = (typeof PEER_STATISTIC_NAMES)[number];

/** The unit each statistic is written in on the y axis (ENet's own: per 65536, per 32, ms). */
export const STATISTIC_UNITS: Record<PeerStatisticName, string> = {
  PEER_PACKET_LOSS: '/65536',
  PEER_PACKET_LOSS_VARIANCE: '/65536',
  PEER_PACKET_LOSS_EPOCH: 'ms',
  PEER_ROUND_TRIP_TIME: 'ms',
  PEER_ROUND_TRIP_TIME_VARIANCE: 'ms',
  PEER_LAST_ROUND_TRIP_TIME: 'ms',
  PEER_LAST_ROUND_TRIP_TIME_VARIANCE: 'ms',
  PEER_PACKET_THROTTLE: '/32',
  PEER_PACKET_THROTTLE_LIMIT: '/32',
  PEER_PACKET_THROTTLE_COUNTER: '',
  PEER_PACKET_THROTTLE_EPOCH: 'ms',
  PEER_PACKET_THROTTLE_ACCELERATION: '/32',
  PEER_PACKET_THROTTLE_DECELERATION: '/32',
  PEER_PACKET_THROTTLE_INTERVAL: 'ms',
};

export type ParsedPlotNames = { ok: true; names: PeerStatisticName[] } | { ok: false; message: string };

/**
 * The statistics `--plot` asks for (undefined: the flag was not given): each flag a name or a
 * comma list, repeats kept once, in the order given. Names are Godot's (`PEER_PACKET_THROTTLE`); an unknown one is refused with the
 * closest name and the list of all.
 */
export function parsePlotNames(flags: readonly string[] | undefined): ParsedPlotNames {
  if (flags === undefined) return { ok: true, names: [] };
  const needsName = { ok: false, message: `--plot needs a statistic name, e.g. --plot PEER_PACKET_THROTTLE; the statistics are ${PEER_STATISTIC_NAMES.join(', ')}` } as const;
  if (flags.length === 0) return needsName;
  const names: PeerStatisticName[] = [];
  for (const flag of flags) {
    for (const word of flag.split(',').map((part) => part.trim())) {
      if (word === '') return needsName;
      const known = PEER_STATISTIC_NAMES.find((name) => name === word);
      if (known === undefined) {
        const guess = didYouMean(word, PEER_STATISTIC_NAMES);
        const hint = guess !== null ? ` (did you mean '${guess}'?)` : '';
        return { ok: false, message: `--plot: unknown statistic '${word}'${hint}; the statistics are ${PEER_STATISTIC_NAMES.join(', ')}` };
      }
      if (!names.includes(known)) names.push(known);
    }
  }
  return { ok: true, names };
}

export interface PlotRunOptions {
  seed: number;
  /** How many seeds the scenario runs with: only the first is plotted, and the title says so. */
  seedCount: number;
  durationMs: number;
  color: boolean;
  /** Where the run stopped at an internal limit, or null when it ran to its end: the title says so. */
  stoppedAtMs?: number | null;
}

/** One chart per statistic and per (host, peer) pair with statistics, pairs in the order they first appear. */
export function plotRun(events: readonly TraceEvent[], names: readonly PeerStatisticName[], options: PlotRunOptions): string {
  const seedWords = options.seedCount > 1 ? `seed ${options.seed}, the first of ${options.seedCount} seeds` : `seed ${options.seed}`;
  // Without this, a chart whose lines end early reads as peers that stopped reporting.
  const stopped = options.stoppedAtMs != null ? `; the run stopped at ${formatDuration(options.stoppedAtMs)}, at a limit` : '';
  const seeds = `${seedWords}${stopped}`;
  const charts: string[] = [];
  for (const name of names) {
    const index = PEER_STATISTIC_NAMES.indexOf(name);
    const byPair = new Map<string, PlotPoint[]>();
    for (const event of events) {
      if (event.kind !== 'stats') continue;
      const pair = `${event.host}->${event.peer}`;
      const points = byPair.get(pair) ?? [];
      byPair.set(pair, points);
      points.push({ atMs: event.atMs, value: event.values[index]! });
    }
    if (byPair.size === 0) charts.push(`${name} (${seeds}): no peer statistics were sampled in this run\n`);
    for (const [pair, points] of byPair) {
      charts.push(plotSeries({ title: `${name} ${pair} (${seeds})`, unit: STATISTIC_UNITS[name], points }, { startMs: 0, endMs: options.durationMs, color: options.color }));
    }
  }
  return charts.join('\n');
}
