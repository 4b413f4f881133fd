// Measures what common random numbers buy a sweep: paired-difference vs unpaired (Welch) 95 % confidence interval widths, per link draw mode. Run `npx tsx test/support/common-random-numbers.ts [seeds]` for the numbers in docs/sweeps.md.
//
// The comparison: scenarios/throttle-under-congestion.yaml with weather on every link (its own links
// have none, so every seed would give the same run), once with ENet's default throttle and once with
// throttle_configure(interval 1s, acceleration 8, deceleration 2) from 3 s. The measure: the share of
// the client's unreliable packets on channel 1 that the server receives (ENet's throttle drops them at
// the sender, the link's loss on the way). Each seed runs under both variants; the paired interval is
// Student t on the per-seed differences, the unpaired one Welch's on the two samples.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';
import type { Simulation } from '../../src/sim/simulation.js';
import { PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS, type LinkDraws } from '../../src/sim/weather.js';

const SCENARIO_PATH = fileURLToPath(new URL('../../scenarios/throttle-under-congestion.yaml', import.meta.url));

/** The scenario's own default link, and the weather this comparison puts on it. */
const PLAIN_DEFAULT_LINK = 'default: { latency: 20ms }';

/** Named link weathers for the comparison; each replaces the scenario's default link. */
export const WEATHERS = {
  /** Independent loss and order-keeping jitter. */
  random: 'default: { latency: 20ms, jitter: 5ms, loss: 2% }',
  /** Loss in bursts (mean 40 ms bad at the 10 ms slot, 1/31 of the time) and the same jitter. */
  bursty: 'default: { latency: 20ms, jitter: 5ms, loss: { model: gilbert-elliott, enter_burst: 1%, exit_burst: 25% } }',
} as const;
export type WeatherName = keyof typeof WEATHERS;

// At 3 s, once connected under any of these weathers: ENet's client rejects a VERIFY_CONNECT whose
// throttle parameters differ from its peer's, so a throttle_configure while connecting (e.g. at 0.5 s
// when the first CONNECT was lost) makes the connection fail — a real quirk, but not this comparison.
const FAST_THROTTLE = `  - at: 3s
    throttle_configure: { peer: client->server, interval: 1s, acceleration: 8, deceleration: 2 }
expect:`;

function load(text: string): Scenario {
  const loaded = loadScenario(SCENARIO_PATH, text);
  if (!loaded.ok) throw new Error(`comparison scenario invalid: ${JSON.stringify(loaded.problems)}`);
  return loaded.scenario;
}

/** The baseline (default throttle) and the variant (fast throttle) under `weather`. */
export function throttleComparison(weather: WeatherName): { baseline: Scenario; variant: Scenario } {
  const original = readFileSync(SCENARIO_PATH, 'utf8');
  if (!original.includes(PLAIN_DEFAULT_LINK) || !original.includes('\nexpect:')) {
    throw new Error(`${SCENARIO_PATH} changed: the comparison edits '${PLAIN_DEFAULT_LINK}' and adds a timeline entry before 'expect:'`);
  }
  const stormy = original.replace(PLAIN_DEFAULT_LINK, WEATHERS[weather]);
  return { baseline: load(stormy), variant: load(stormy.replace('\nexpect:', `\n${FAST_THROTTLE}`)) };
}

/** A sweep in miniature: two variants of one scenario and the number each run yields. */
export interface Comparison {
  name: string;
  baseline: Scenario;
  variant: Scenario;
  /** The measure of one finished run; `unit` says what it counts. */
  measure: (sim: Simulation) => number;
  unit: 'ratio' | 'ms';
}

/** Delivered share of the client's unreliable channel-1 packets to the server (throttle comparison). */
function channelOneDeliveredRatio(sim: Simulation): number {
  const packets = sim.ledger.all.filter((packet) => packet.from === 'client' && packet.to === 'server' && packet.channel === 1 && !packet.refused);
  if (packets.length === 0) throw new Error('no channel-1 packets were sent (did the connection fail?)');
  return packets.filter((packet) => packet.receivedAtMs.length > 0).length / packets.length;
}

/** Mean one-way latency (first delivery − send, ms) of the client's reliable channel-0 packets. */
function reliableMeanLatencyMs(sim: Simulation): number {
  const delivered = sim.ledger.all.filter((packet) => packet.from === 'client' && packet.channel === 0 && !packet.refused && packet.receivedAtMs.length > 0);
  if (delivered.length === 0) throw new Error('no reliable packet was delivered (did the connection fail?)');
  return delivered.reduce((sum, packet) => sum + packet.receivedAtMs[0]! - packet.sentAtMs, 0) / delivered.length;
}

/** The throttle comparison under `weather`, measured by `channelOneDeliveredRatio`. */
export function throttleComparisonOf(weather: WeatherName): Comparison {
  const { baseline, variant } = throttleComparison(weather);
  return { name: `throttle_configure(1s, 8, 2) vs default, ${weather} weather`, baseline, variant, measure: channelOneDeliveredRatio, unit: 'ratio' };
}

/**
 * ping_interval 100 ms vs ENet's 500 ms under bursty loss, measured by the mean latency of a reliable
 * 20/s stream. Both hosts service on a 60 Hz grid, so the variants' datagrams leave at the same ms;
 * the extra PINGs are the traffic difference that shifts per-datagram draws.
 */
export function pingIntervalComparison(): Comparison {
  const text = (extra: string) => `
name: ping_interval under bursty loss
duration: 20s
hosts:
  server: { service: 60Hz }
  client: { service: 60Hz }
links:
  default:
    latency: 30ms
    jitter: 5ms
    loss: { model: gilbert-elliott, enter_burst: 1%, exit_burst: 25% }
timeline:
  - at: 0s
    connect: { from: client, to: server }
  - at: 2s
    stream: { from: client, to: server, channel: 0, size: 100B, rate: 20/s, flags: [reliable] }
${extra}`;
  const loaded = (source: string) => {
    const result = loadScenario('ping-interval-under-bursty-loss.yaml', source);
    if (!result.ok) throw new Error(`comparison scenario invalid: ${JSON.stringify(result.problems)}`);
    return result.scenario;
  };
  const pings = `  - at: 1.5s
    ping_interval: { peer: client->server, interval: 100ms }
  - at: 1.5s
    ping_interval: { peer: server->client, interval: 100ms }
`;
  return { name: 'ping_interval 100ms vs 500ms, bursty loss', baseline: loaded(text('')), variant: loaded(text(pings)), measure: reliableMeanLatencyMs, unit: 'ms' };
}

/** Runs one scenario for one seed in one draw mode and returns its measure. */
export function measureRun(comparison: Comparison, which: 'baseline' | 'variant', seed: number, linkDraws: LinkDraws): number {
  const scenario = comparison[which];
  const { sim } = compileScenario(scenario, { seed, linkDraws });
  sim.run(scenario.durationMs);
  sim.destroy();
  try {
    return comparison.measure(sim);
  } catch (error) {
    throw new Error(`${comparison.name}, ${which}, seed ${seed}, ${linkDraws.mode}: ${(error as Error).message}`);
  }
}

// Statistics, written out here so that the numbers do not depend on the sweep's own module. ---------

const meanOf = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

function sampleVariance(values: readonly number[]): number {
  const average = meanOf(values);
  return values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1);
}

/** z for a two-sided 95 % interval. */
const Z_975 = 1.959963984540054;

/**
 * Student t's 0.975 quantile for `df` degrees of freedom (not necessarily whole), by the Cornish–Fisher
 * expansion around the normal quantile: within 2e-4 of the exact value for df ≥ 5 (2.0452 at df 29).
 */
export function studentT975(df: number): number {
  const z = Z_975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Full width of the 95 % interval of the mean per-seed difference (b − a), Student t with n − 1 df. */
export function pairedIntervalWidth(a: readonly number[], b: readonly number[]): number {
  const differences = a.map((value, index) => b[index]! - value);
  const n = differences.length;
  return 2 * studentT975(n - 1) * Math.sqrt(sampleVariance(differences) / n);
}

/** Full width of Welch's 95 % interval of mean(b) − mean(a), with Welch–Satterthwaite df. */
export function welchIntervalWidth(a: readonly number[], b: readonly number[]): number {
  const termA = sampleVariance(a) / a.length;
  const termB = sampleVariance(b) / b.length;
  const df = (termA + termB) ** 2 / (termA ** 2 / (a.length - 1) + termB ** 2 / (b.length - 1));
  return 2 * studentT975(df) * Math.sqrt(termA + termB);
}

/** One comparison's result in one draw mode. */
export interface CrnResult {
  comparison: string;
  unit: Comparison['unit'];
  draws: LinkDraws['mode'];
  seedCount: number;
  meanBaseline: number;
  meanVariant: number;
  pairedWidth: number;
  unpairedWidth: number;
  /** unpairedWidth / pairedWidth: how much narrower pairing makes the interval. */
  factor: number;
  /** Correlation of the two variants' values over the seeds. */
  correlation: number;
}

function correlationOf(a: readonly number[], b: readonly number[]): number {
  const meanA = meanOf(a);
  const meanB = meanOf(b);
  let covariance = 0;
  for (let index = 0; index < a.length; index += 1) covariance += (a[index]! - meanA) * (b[index]! - meanB);
  return covariance / (a.length - 1) / Math.sqrt(sampleVariance(a) * sampleVariance(b));
}

/** Runs seeds 1..seedCount under both variants in one draw mode and compares the interval widths. */
export function measureCrn(comparison: Comparison, linkDraws: LinkDraws, seedCount: number): CrnResult {
  const a: number[] = [];
  const b: number[] = [];
  for (let seed = 1; seed <= seedCount; seed += 1) {
    a.push(measureRun(comparison, 'baseline', seed, linkDraws));
    b.push(measureRun(comparison, 'variant', seed, linkDraws));
  }
  const pairedWidth = pairedIntervalWidth(a, b);
  const unpairedWidth = welchIntervalWidth(a, b);
  return {
    comparison: comparison.name,
    unit: comparison.unit,
    draws: linkDraws.mode,
    seedCount,
    meanBaseline: meanOf(a),
    meanVariant: meanOf(b),
    pairedWidth,
    unpairedWidth,
    factor: unpairedWidth / pairedWidth,
    correlation: correlationOf(a, b),
  };
}

function formatResult(result: CrnResult): string {
  const value = (number: number) => (result.unit === 'ratio' ? `${(number * 100).toFixed(1)} %` : `${number.toFixed(1)} ms`);
  const width = (number: number) => (result.unit === 'ratio' ? `${(number * 100).toFixed(2)} pp` : `${number.toFixed(2)} ms`);
  return (
    `| ${result.comparison} | ${result.draws} | ${result.seedCount} | ${value(result.meanBaseline)} → ${value(result.meanVariant)} ` +
    `| ${width(result.pairedWidth)} | ${width(result.unpairedWidth)} | ${result.factor.toFixed(2)}× | ${result.correlation.toFixed(2)} |`
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seedCount = Number(process.argv[2] ?? 30);
  const comparisons = [...(Object.keys(WEATHERS) as WeatherName[]).map(throttleComparisonOf), pingIntervalComparison()];
  console.log('| comparison | draws | seeds | mean (baseline → variant) | paired CI width | unpaired CI width | factor | correlation |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const comparison of comparisons) {
    for (const draws of [PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS]) console.log(formatResult(measureCrn(comparison, draws, seedCount)));
  }
}
