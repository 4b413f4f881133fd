// `enetsim run`: loads every scenario (reporting all input problems together, exit 2), refuses one
// whose estimated cost is above the budget (exit 2), opens the outputs before running anything,
// runs each scenario with its seed or seeds, checks its expectations, and reports (exit 1 when any
// failed, 2 when a run stopped at an internal limit or an output could not be written).
import { LibenetDriver, libenetAvailability } from '../../native/libenet.js';
import { isSimulationLimit, type SimulationLimitName, type SimulationLimits } from '../../sim/limits.js';
import type { HostFactory } from '../../sim/sim-host.js';
import type { ProtocolProfile } from '../../enet/constants.js';
import { defaultSimulationLimits, type Simulation } from '../../sim/simulation.js';
import type { CliIo } from '../io.js';
import { openOutput, OutputFailed, writeOutput, type Output as GenericOutput } from '../output.js';
import { render, REPORTERS_SHOWING_TRACE_HASHES, type ReporterName } from '../reporters/index.js';
import type { AssertionResult, InputProblem, RunReport, ScenarioError, ScenarioResult } from '../result.js';
import { check, labelOf, type CheckResult } from '../../scenario/assertions.js';
import { BUDGET_LIMITS_DEFAULT, checkBudget, scaleLimits, type BudgetLimits } from '../../scenario/budget.js';
import { compileScenario, type CompileOptions } from '../../scenario/compile.js';
import { loadScenario } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/model.js';
import { decodeScenarioText, formatProblem } from '../../scenario/source.js';
import { formatDuration } from '../../scenario/units.js';
import { narrate } from './explain.js';
import { writePcapngSection } from '../../report/pcapng.js';
import { VERSION } from '../../version.js';
import type { DatagramTraceEvent } from '../../trace/trace.js';
import { plotRun, type PeerStatisticName } from './plot.js';
import { HtmlReportCollector, type HtmlWindow } from './html.js';
import { renderRunReport } from '../../report/run-report.js';
import { expandFiles, SCENARIO_FILE_BYTES_MAX, overwriteMessage, overwrittenInput, sameFile, type InputFile } from './files.js';
import { applyOverrides, flatten, parseSet, type Override } from '../../sweep/override.js';

/** Where each seed's run goes besides the report: the trace, the capture, the HTML report's collector. */
export interface RunSinks {
  trace: Output | null;
  pcap: Output | null;
  html: HtmlReportCollector | null;
}

export interface RunOptions {
  patterns: string[];
  seed: number | null;
  seeds: number;
  reporter: ReporterName;
  out: string | null;
  trace: string | null;
  /** `--pcap FILE`: every run's datagrams as pcapng, one section per scenario and seed (docs/wireshark.md). */
  pcap?: string | null;
  quiet: boolean;
  explain: boolean;
  /** `--plot`: the statistics charted after each scenario's first seed (none when absent). */
  plot?: PeerStatisticName[];
  /** Runs every host on this implementation (`--impl`), or null for each host's own `impl`. */
  implementationName: 'typescript' | 'libenet' | null;
  /** The libenet build to run (`--libenet`, else $ENETSIM_LIBENET), or null for the system's. */
  libenetPath: string | null;
  /** True when `--libenet` itself was given (not only $ENETSIM_LIBENET): a flag nobody uses is said so. */
  libenetFlagGiven?: boolean;
  /** The up-front budget and the mid-run bounds (`--budget-scale` scales both; see {@link runLimits}). */
  limits: RunLimits;
  /** `--set path=value` overrides applied to every scenario before it is loaded (as in sweep files). */
  sets?: string[];
  /** `--html FILE`: the HTML report of each scenario's drawn seed (the first failing one, else the first). */
  html?: string | null;
  /** `--html-window 5s..6s`: the sequence diagram's window in the HTML report. */
  htmlWindow?: HtmlWindow | null;
}

/** The bounds of one `run`: the estimate's limits (checked before) and the simulator's (during). */
export interface RunLimits {
  budget: BudgetLimits;
  simulation: SimulationLimits;
}

/** The limits at `--budget-scale scale` (1: the documented defaults). */
export function runLimits(scale: number): RunLimits {
  const simulation = defaultSimulationLimits();
  return {
    budget: scaleLimits(BUDGET_LIMITS_DEFAULT, scale),
    simulation: {
      eventBudget: Math.floor(simulation.eventBudget * scale),
      traceEventsMax: Math.floor(simulation.traceEventsMax * scale),
      ledgerPacketsMax: Math.floor(simulation.ledgerPacketsMax * scale),
      heldDatagramsMax: Math.floor(simulation.heldDatagramsMax * scale),
    },
  };
}

/** The libenet driver, started only when some host needs it. */
export interface LibenetSession {
  factory: HostFactory;
  close(): void;
  /** The version the library reports (enet_linked_version), as "1.3.17". */
  version: string;
  /** The TypeScript profile that behaves as this library. */
  profile: ProtocolProfile;
  /** What runs: "Debian's libenet 1.3.17" or "libenet 1.3.18 (/path/libenet.so)". */
  label: string;
}

export type LibenetStart = { ok: true; session: LibenetSession } | { ok: false; message: string };

/** What to tell a user whose machine cannot run libenet. */
export function startLibenetMessage(reason: string, libenetPath: string | null = null): string {
  if (libenetPath !== null) return `the libenet at ${libenetPath} cannot run here: ${reason}\n(docs/libenet.md says how to build one)`;
  return `the real libenet cannot run here: ${reason}
(impl: libenet and --impl libenet need gcc, pkg-config and Debian's libenet-dev: apt-get install -y gcc pkg-config libenet-dev; or point --libenet at another build, see docs/libenet.md)`;
}

/** The TypeScript profile of a libenet version: 1.3.18 and later behave as 1.3.18, earlier ones as 1.3.17. */
export function profileOfLibenet(version: string): ProtocolProfile {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return major * 65536 + minor * 256 + patch >= 0x010312 ? '1.3.18' : '1.3.17';
}

/** The libenet to run: `--libenet`, else $ENETSIM_LIBENET, else null (the system's). */
export function libenetPathFrom(flag: string | undefined, io: CliIo): string | null {
  const fromEnvironment = io.env?.ENETSIM_LIBENET;
  return flag ?? (fromEnvironment !== undefined && fromEnvironment !== '' ? fromEnvironment : null);
}

export function startLibenet(libenetPath: string | null = null): LibenetStart {
  const availability = libenetAvailability(libenetPath ?? undefined);
  if (!availability.ok) return { ok: false, message: startLibenetMessage(availability.reason, libenetPath) };
  let driver: LibenetDriver;
  try {
    driver = new LibenetDriver(availability.driverPath);
  } catch (error) {
    return { ok: false, message: startLibenetMessage((error as Error).message, libenetPath) };
  }
  const version = driver.libenetVersion;
  return {
    ok: true,
    session: {
      factory: (config) => driver.createHost(config),
      close: () => driver.close(),
      version,
      profile: profileOfLibenet(version),
      label: libenetPath === null ? `libenet ${version}` : `libenet ${version} (${libenetPath})`,
    },
  };
}

/** Hosts run per scenario and flag: the scenario's own choice, or all on one implementation. */
export function hostFactories(options: Pick<RunOptions, 'implementationName'>, libenet: LibenetSession | null): Omit<CompileOptions, 'seed'> {
  if (options.implementationName === 'libenet') return { implementation: libenet!.factory };
  // Every host on the TypeScript core, each as its own `protocol`, `impl: libenet` ones included.
  if (options.implementationName === 'typescript') return { typescriptOnly: true };
  return libenet === null ? {} : { libenet: libenet.factory };
}

/**
 * One line per host that asks for an ENet the libenet here is not (a `protocol: 1.3.18` host on
 * Debian's 1.3.17): the library runs as what it is, and the user is told so.
 */
export function libenetSubstitutions(scenarios: readonly Scenario[], options: Pick<RunOptions, 'implementationName'>, libenet: LibenetSession): string[] {
  const lines: string[] = [];
  for (const scenario of scenarios) {
    const substituted = scenario.hosts.filter(
      (host) => (options.implementationName === 'libenet' || (options.implementationName === null && host.impl === 'libenet')) && host.protocol !== libenet.profile,
    );
    for (const [protocol, names] of groupByProtocol(substituted)) {
      const plural = names.length > 1;
      lines.push(`enetsim: ${scenario.file}: ${plural ? 'hosts' : 'host'} ${names.join(', ')} ${plural ? 'ask' : 'asks'} for ENet ${protocol} (protocol), but the libenet here is ${libenet.version}: ${plural ? 'they run' : 'it runs'} as libenet ${libenet.version} instead\n`);
    }
  }
  return lines;
}

/** [protocol, host names] pairs, in the order the protocols first appear. */
export function groupByProtocol(hosts: readonly { name: string; protocol: string }[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const host of hosts) {
    const names = groups.get(host.protocol) ?? [];
    names.push(host.name);
    groups.set(host.protocol, names);
  }
  return [...groups];
}

/**
 * Why `--impl libenet` cannot run these scenarios' compression, or null: libenet has only its range
 * coder (a host's own `impl: libenet` is refused at load time, with the position).
 */
export function libenetCompressionProblem(scenarios: readonly Scenario[], options: Pick<RunOptions, 'implementationName'>): string | null {
  if (options.implementationName !== 'libenet') return null;
  for (const scenario of scenarios) {
    const host = scenario.hosts.find((candidate) => candidate.compress !== null && candidate.compress !== 'range-coder');
    if (host !== undefined) {
      return `${scenario.file}: host '${host.name}' has compress: ${host.compress}, which --impl libenet cannot run: libenet has only ENet's range coder (${host.compress} is Godot's own wrapper; run it on the TypeScript core)`;
    }
  }
  return null;
}

export function needsLibenet(scenarios: readonly Scenario[], options: Pick<RunOptions, 'implementationName'>): boolean {
  if (options.implementationName === 'libenet') return true;
  if (options.implementationName === 'typescript') return false;
  return scenarios.some((scenario) => scenario.hosts.some((host) => host.impl === 'libenet'));
}

export type LoadedScenarios = { ok: true; scenarios: Scenario[] } | { ok: false; problems: InputProblem[] };

export { SCENARIO_FILE_BYTES_MAX } from './files.js';

type ReadResult = { ok: true; text: string } | { ok: false; problem: InputProblem };

/** Reads one scenario file after checking it is a regular file of at most {@link SCENARIO_FILE_BYTES_MAX}. */
function readScenarioFile(file: string, io: CliIo): ReadResult {
  const info = io.statPath(file);
  const refuse = (why: string): ReadResult => ({ ok: false, problem: { position: null, message: `${file}: ${why}` } });
  if (info.kind === 'missing') return refuse('no such file');
  if (info.kind === 'directory') return refuse('is a directory');
  if (info.kind === 'other') return refuse('not a regular file (a device, a FIFO, a socket or a broken link); give a .yaml file');
  if (info.sizeBytes > SCENARIO_FILE_BYTES_MAX) return refuse(`${info.sizeBytes} bytes; a scenario file is at most ${SCENARIO_FILE_BYTES_MAX} bytes (1 MiB)`);
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return refuse(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? (error as Error).message})`);
  }
  const decoded = decodeScenarioText(file, bytes);
  return decoded.ok ? { ok: true, text: decoded.text } : { ok: false, problem: decoded.problem };
}

/** `--set` flags as overrides, or the first flag that is not path=value. */
function overridesOf(sets: readonly string[]): { ok: true; overrides: Override[] } | { ok: false; message: string } {
  const overrides: Override[] = [];
  for (const flag of sets) {
    const parsed = parseSet(flag, true);
    if (!parsed.ok) return parsed;
    overrides.push(...flatten(parsed.path, parsed.values[0]));
  }
  return { ok: true, overrides };
}

/** Loads every file; all problems of all files are returned together. `sets` overrides values in each (run --set). */
export function loadAll(patterns: readonly string[], io: CliIo, sets: readonly string[] = []): LoadedScenarios {
  const parsedSets = overridesOf(sets);
  if (!parsedSets.ok) return { ok: false, problems: [{ position: null, message: parsedSets.message }] };
  const expansion = expandFiles(patterns, io);
  if (!expansion.ok) return { ok: false, problems: [{ position: null, message: expansion.message }] };
  const problems: InputProblem[] = [];
  const scenarios: Scenario[] = [];
  for (const file of expansion.files) {
    const read = readScenarioFile(file, io);
    if (!read.ok) {
      problems.push(read.problem);
      continue;
    }
    let text = read.text;
    if (parsedSets.overrides.length > 0) {
      const applied = applyOverrides(text, parsedSets.overrides);
      if (!applied.ok) {
        problems.push({ position: null, message: `--set ${parsedSets.overrides[applied.index]!.path}: ${applied.message} in ${file}` });
        continue;
      }
      const alone = loadScenario(file, text);
      text = applied.text;
      // A scenario that was valid before the overrides and is not after: blame the flags, not lines the user never wrote.
      if (alone.ok) {
        const loaded = loadScenario(file, text);
        if (loaded.ok) scenarios.push(loaded.scenario);
        else problems.push(...loaded.problems.map((problem) => ({ position: null, message: `--set ${sets.join(' --set ')} makes ${file} invalid: ${problem.message}` })));
        continue;
      }
    }
    const loaded = loadScenario(file, text);
    if (loaded.ok) scenarios.push(loaded.scenario);
    else problems.push(...loaded.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, scenarios };
}

export function printProblems(problems: readonly InputProblem[], io: CliIo): void {
  for (const problem of problems) io.stderr(`${formatProblem(problem)}\n`);
  io.stderr(`enetsim: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the input; nothing was run\n`);
}

/** Every scenario whose estimated cost is above the budget, as input problems (file:line:col of the entry responsible). */
export function budgetProblems(scenarios: readonly Scenario[], limits: BudgetLimits): InputProblem[] {
  return scenarios.flatMap((scenario) => {
    const checked = checkBudget(scenario, limits);
    return checked.ok ? [] : [checked.problem];
  });
}

// ---- outputs ---------------------------------------------------------------------------------------

/** The outputs `run` can write. */
type Output = GenericOutput<'--out' | '--trace' | '--pcap' | '--html'>;

/** Trace text is handed to the file in pieces of about this size, never as one string. */
const TRACE_CHUNK_CHARS = 1 << 20;

/** Writes one seed's trace as JSON Lines, a piece at a time (a 320-seed trace never becomes one string). */
function writeTrace(output: Output, scenario: Scenario, seed: number, sim: Simulation, traceHash: string): void {
  // name and durationMs let `enetsim report` draw the trace without the scenario.
  let chunk = `${JSON.stringify({ kind: 'run', file: scenario.file, seed, traceHash, name: scenario.name, durationMs: scenario.durationMs })}\n`;
  for (const event of sim.trace.events) {
    chunk += `${JSON.stringify(event)}\n`;
    if (chunk.length >= TRACE_CHUNK_CHARS) {
      writeOutput(output, chunk);
      chunk = '';
    }
  }
  writeOutput(output, chunk);
}

/** Writes one seed's datagrams as a pcapng section (a file of several runs holds a section per run). */
function writePcap(output: Output, scenario: Scenario, seed: number, sim: Simulation): void {
  const hosts = sim.hostNames.map((name) => {
    const { host, port } = sim.host(name).address;
    return { name, ipv4: `${host & 0xff}.${(host >>> 8) & 0xff}.${(host >>> 16) & 0xff}.${host >>> 24}`, port };
  });
  const comment = `enetsim run ${scenario.file} --seed ${seed}: ${scenario.name}`;
  const run = { comment, hosts, events: sim.trace.events, bytesOf: (event: DatagramTraceEvent) => sim.trace.bytesOf(event) };
  writePcapngSection(run, `enetsim ${VERSION}`, (piece) => writeOutput(output, piece));
}

// ---- running ---------------------------------------------------------------------------------------

type SeedRun =
  | { kind: 'finished'; seed: number; checks: CheckResult[]; traceHash: string | null }
  | { kind: 'stopped'; seed: number; error: ScenarioError; traceHash: string | null };

/**
 * Whether anything this run writes shows a trace hash: the JSON and JUnit reports, --trace and
 * --html. Only then is the hash computed (it reads every trace event once); the pretty and GitHub
 * reports do not print it.
 */
function traceHashWanted(options: Pick<RunOptions, 'reporter'>, sinks: RunSinks): boolean {
  return REPORTERS_SHOWING_TRACE_HASHES.includes(options.reporter) || sinks.trace !== null || sinks.html !== null;
}

/**
 * The seeds' trace hashes, for a report that shows them. They exist only when {@link traceHashWanted}
 * said so; reading them otherwise is a bug (a reporter that shows hashes but is not listed in
 * REPORTERS_SHOWING_TRACE_HASHES), said so rather than answered with hashes never computed.
 */
function traceHashesOf(runs: readonly SeedRun[]): string[] {
  const hashes = runs.map((run) => run.traceHash);
  if (hashes.some((hash) => hash === null)) throw new Error('trace hashes read, but this run did not compute them: list the reporter in REPORTERS_SHOWING_TRACE_HASHES');
  return hashes as string[];
}

/** Each limit in words, with its value: what a person reads in the ERROR line. */
const LIMIT_WORDS: Record<SimulationLimitName, (limits: SimulationLimits) => string> = {
  eventBudget: (limits) => `the event budget (${limits.eventBudget} events per run)`,
  traceEvents: (limits) => `the trace limit (${limits.traceEventsMax} events)`,
  ledgerPackets: (limits) => `the packet ledger limit (${limits.ledgerPacketsMax} packets)`,
  heldDatagrams: (limits) => `the hold limit (${limits.heldDatagramsMax} datagrams held on one direction)`,
};


function limitError(scenario: Scenario, seed: number, limit: SimulationLimitName, reachedMs: number, limits: SimulationLimits): ScenarioError {
  const what = LIMIT_WORDS[limit](limits);
  const message = `${what} was reached at virtual time ${formatDuration(reachedMs)} of ${formatDuration(scenario.durationMs)}; the run stopped there and no expectation was checked (shorten the scenario, or raise the limits knowingly with --budget-scale N)`;
  return { seed, limit, reachedMs, message };
}

function runSeed(scenario: Scenario, seed: number, options: RunOptions, sinks: RunSinks, io: CliIo, libenet: LibenetSession | null): SeedRun {
  const { trace, pcap, html } = sinks;
  const { sim, idTimesMs } = compileScenario(scenario, { seed, limits: options.limits.simulation, ...hostFactories(options, libenet), ...(pcap !== null ? { keepDatagramBytes: true } : {}) });
  const result = sim.run(scenario.durationMs);
  sim.destroy();
  const traceHash = traceHashWanted(options, sinks) ? sim.trace.hash() : null;
  if (trace !== null) writeTrace(trace, scenario, seed, sim, traceHash!);
  if (pcap !== null) writePcap(pcap, scenario, seed, sim);
  const commentary = commentaryStream(options, io);
  if (options.explain) commentary(narrate(scenario, sim));
  const seeds = seedsFor(scenario, options);
  if ((options.plot ?? []).length > 0 && seed === seeds[0]) {
    const stoppedAtMs = isSimulationLimit(result.stoppedBy) ? result.nowMs : null;
    commentary(plotRun(sim.trace.events, options.plot!, { seed, seedCount: seeds.length, durationMs: scenario.durationMs, color: io.color, stoppedAtMs }));
  }
  const offerHtml = (checks: CheckResult[] | null, stoppedMessage: string | null): void => {
    const implementation = implementationLabel(scenario, options, libenet);
    html?.offer({ scenario, seed, events: sim.trace.events, checks, stoppedMessage, traceHash: traceHash!, reproduce: reproduceCommand(scenario, seed, options), implementation });
  };
  if (isSimulationLimit(result.stoppedBy)) {
    const error = limitError(scenario, seed, result.stoppedBy, result.nowMs, options.limits.simulation);
    offerHtml(null, error.message);
    return { kind: 'stopped', seed, error, traceHash };
  }
  // `events` builds every compact trace event as an object: only when a check reads it (a scenario without expectations never does).
  const run = {
    get events() {
      return sim.trace.events;
    },
    packets: sim.ledger.all,
    idTimesMs,
    durationMs: scenario.durationMs,
  };
  const checks = scenario.expectations.map(({ expectation }) => check(expectation, run));
  offerHtml(checks, null);
  return { kind: 'finished', seed, checks, traceHash };
}

/**
 * Where --explain's narration and --plot's charts go: stdout beside the pretty report or when the
 * report goes to --out, else stderr, so a JSON, JUnit or GitHub report on stdout stays a document a
 * program can read (`run x.yaml --reporter json --plot PEER_PACKET_THROTTLE > report.json`).
 */
function commentaryStream(options: Pick<RunOptions, 'reporter' | 'out'>, io: CliIo): (text: string) => void {
  return options.reporter === 'pretty' || options.out !== null ? io.stdout : io.stderr;
}

/** Which ENet ran the scenario's hosts, for the HTML report's header ("TypeScript 1.3.18, libenet 1.3.17"). */
function implementationLabel(scenario: Scenario, options: RunOptions, libenet: LibenetSession | null): string {
  const labels = scenario.hosts.map((host) => {
    const onLibenet = options.implementationName === 'libenet' || (options.implementationName === null && host.impl === 'libenet');
    return onLibenet && libenet !== null ? libenet.label : `TypeScript ${host.protocol}`;
  });
  return [...new Set(labels)].join(', ');
}

/** Says, on stderr, which scenarios keep their own seed although --seed or --seeds asked for others. */
function noteFixedSeeds(scenarios: readonly Scenario[], options: RunOptions, io: CliIo): void {
  if (options.seed === null && options.seeds === 1) return;
  for (const scenario of scenarios.filter((each) => each.seedFixed)) {
    io.stderr(`enetsim: ${scenario.file} says fixed_seed: true, so it runs once with its seed ${scenario.seed} (--seed and --seeds do not apply to it)\n`);
  }
}

/** The seeds a scenario runs with: its own seed only when it says `fixed_seed: true`. */
export function seedsFor(scenario: Scenario, options: Pick<RunOptions, 'seed' | 'seeds'>): number[] {
  if (scenario.seedFixed) return [scenario.seed];
  const base = options.seed ?? scenario.seed;
  return Array.from({ length: options.seeds }, (_, index) => (base + index) >>> 0);
}

function reproduceCommand(scenario: Scenario, seed: number, options: RunOptions): string {
  const implementation = options.implementationName !== null ? ` --impl ${options.implementationName}` : '';
  const file = /^[\w./-]+$/.test(scenario.file) ? scenario.file : `'${scenario.file.replace(/'/g, `'\\''`)}'`;
  const sets = (options.sets ?? []).map((flag) => ` --set '${flag.replace(/'/g, `'\\''`)}'`).join('');
  return `enetsim run ${file} --seed ${seed}${implementation}${sets}`;
}

function assertionResults(scenario: Scenario, runs: readonly Extract<SeedRun, { kind: 'finished' }>[]): AssertionResult[] {
  return scenario.expectations.map((located, index) => {
    const perSeed = runs.map((run) => run.checks[index]!);
    const failedSeeds = runs.filter((run) => !run.checks[index]!.passed).map((run) => run.seed);
    const shown = perSeed[runs.findIndex((run) => !run.checks[index]!.passed)] ?? perSeed.at(-1)!;
    return {
      label: labelOf(located.expectation, located.name),
      kind: located.expectation.kind,
      position: located.position,
      passed: failedSeeds.length === 0,
      expected: shown.expected,
      observed: shown.observed,
      heldCount: runs.length - failedSeeds.length,
      seedCount: runs.length,
      failedSeeds,
    };
  });
}

/**
 * Runs every seed of `scenario` (stopping at the first seed that reaches an internal limit: its
 * result is an error, never a pass) and collects the result. `trace`, when given, gets each seed's
 * trace as soon as the seed is done.
 */
export function runScenario(scenario: Scenario, options: RunOptions, io: CliIo, sinks: RunSinks, libenet: LibenetSession | null): ScenarioResult {
  const startedMs = io.wallClockMs();
  const runs: SeedRun[] = [];
  for (const seed of seedsFor(scenario, options)) {
    const run = runSeed(scenario, seed, options, sinks, io, libenet);
    runs.push(run);
    if (run.kind === 'stopped') break;
  }
  sinks.html?.finishScenario();
  const stopped = runs.find((run): run is Extract<SeedRun, { kind: 'stopped' }> => run.kind === 'stopped');
  const finished = runs.filter((run): run is Extract<SeedRun, { kind: 'finished' }> => run.kind === 'finished');
  const assertions = stopped === undefined ? assertionResults(scenario, finished) : [];
  const failing = assertions.find((assertion) => !assertion.passed);
  const reproduceSeed = stopped?.seed ?? failing?.failedSeeds[0];
  return {
    file: scenario.file,
    name: scenario.name,
    seeds: runs.map((run) => run.seed),
    passed: stopped === undefined && failing === undefined,
    assertions,
    durationMs: scenario.durationMs,
    simulatedMs: stopped?.error.reachedMs ?? scenario.durationMs,
    wallMs: io.wallClockMs() - startedMs,
    get traceHashes() {
      return traceHashesOf(runs);
    },
    reproduce: reproduceSeed === undefined ? null : reproduceCommand(scenario, reproduceSeed, options),
    error: stopped?.error ?? null,
  };
}

type Outputs = { ok: true; out: Output | null; trace: Output | null; pcap: Output | null; html: Output | null } | { ok: false; message: string };

function openOutputs(options: RunOptions, inputs: readonly InputFile[], io: CliIo): Outputs {
  const wanted: [Output['flag'], string | null][] = [
    ['--out', options.out],
    ['--trace', options.trace],
    ['--pcap', options.pcap ?? null],
    ['--html', options.html ?? null],
  ];
  const given = wanted.filter((entry): entry is [Output['flag'], string] => entry[1] !== null);
  for (let index = 0; index < given.length; index++) {
    for (let other = index + 1; other < given.length; other++) {
      if (sameFile(given[index]![1], given[other]![1], io)) return { ok: false, message: `${given[index]![0]} and ${given[other]![0]} name the same file (${given[index]![1]}); give two files` };
    }
  }
  // Opening an output truncates it: one that names a scenario would destroy it before it is run again.
  for (const [flag, path] of given) {
    const input = overwrittenInput(path, inputs, io);
    if (input !== null) return { ok: false, message: overwriteMessage(flag, path, input) };
  }
  const opened = new Map<Output['flag'], Output>();
  for (const [flag, path] of given) {
    const output = openOutput(flag, path, io);
    if (!output.ok) {
      for (const done of opened.values()) done.file.close();
      return output;
    }
    opened.set(flag, output.output);
  }
  return { ok: true, out: opened.get('--out') ?? null, trace: opened.get('--trace') ?? null, pcap: opened.get('--pcap') ?? null, html: opened.get('--html') ?? null };
}

/**
 * Runs the command; returns the exit code: 0 every scenario passed, 1 an assertion failed, 2 bad
 * input (a file, a flag, a scenario over its budget), a run that stopped at an internal limit
 * (reported as ERROR) or an output that could not be written (the message names its path).
 * The report is written to `--out` before the short summary is printed, so a summary on the
 * terminal always means the report file exists.
 */
export function runCommand(options: RunOptions, io: CliIo): 0 | 1 | 2 {
  const loaded = loadAll(options.patterns, io, options.sets ?? []);
  if (!loaded.ok) {
    printProblems(loaded.problems, io);
    return 2;
  }
  const overBudget = budgetProblems(loaded.scenarios, options.limits.budget);
  if (overBudget.length > 0) {
    printProblems(overBudget, io);
    return 2;
  }
  const lateWindow = loaded.scenarios.find((scenario) => options.htmlWindow != null && options.htmlWindow.fromMs >= scenario.durationMs);
  if (lateWindow !== undefined) {
    io.stderr(`enetsim: ${options.htmlWindow!.label} starts after ${lateWindow.file} ends (${formatDuration(lateWindow.durationMs)}); nothing was run\n`);
    return 2;
  }
  const inputs = loaded.scenarios.map((scenario) => ({ what: 'the scenario file', path: scenario.file }));
  const outputs = openOutputs(options, inputs, io);
  if (!outputs.ok) {
    io.stderr(`enetsim: ${outputs.message}; nothing was run\n`);
    return 2;
  }
  try {
    return runAndReport(loaded.scenarios, options, io, outputs);
  } catch (error) {
    if (!(error instanceof OutputFailed)) throw error;
    const what = { '--out': 'the report', '--trace': 'the trace', '--pcap': 'the capture', '--html': 'the HTML report' }[error.output.flag];
    io.stderr(`enetsim: ${error.message}; the run stopped and ${what} in ${error.output.path} is incomplete\n`);
    return 2;
  } finally {
    outputs.out?.file.close();
    outputs.trace?.file.close();
    outputs.pcap?.file.close();
    outputs.html?.file.close();
  }
}

function runAndReport(scenarios: readonly Scenario[], options: RunOptions, io: CliIo, outputs: Extract<Outputs, { ok: true }>): 0 | 1 | 2 {
  const { out, trace, pcap, html } = outputs;
  let libenet: LibenetSession | null = null;
  if (needsLibenet(scenarios, options)) {
    const refused = libenetCompressionProblem(scenarios, options);
    if (refused !== null) {
      io.stderr(`enetsim: ${refused}\n`);
      return 2;
    }
    const started = startLibenet(options.libenetPath);
    if (!started.ok) {
      io.stderr(`enetsim: ${started.message}\n`);
      return 2;
    }
    libenet = started.session;
    for (const line of libenetSubstitutions(scenarios, options, libenet)) io.stderr(line);
  }
  if (libenet === null && options.libenetFlagGiven === true) {
    io.stderr(`enetsim: --libenet ${options.libenetPath} is not used: no host runs on libenet (give --impl libenet, or impl: libenet to a host)\n`);
  }
  noteFixedSeeds(scenarios, options, io);
  let results: ScenarioResult[];
  const htmlCollector = html === null ? null : new HtmlReportCollector(options.htmlWindow ?? null);
  try {
    results = scenarios.map((scenario) => runScenario(scenario, options, io, { trace, pcap, html: htmlCollector }, libenet));
  } finally {
    libenet?.close();
  }
  if (html !== null) writeOutput(html, renderRunReport(htmlCollector!.runs));
  const report: RunReport = { scenarios: results, passed: results.every((result) => result.passed) };
  const rendered = render(report, options.reporter, { color: io.color && out === null, quiet: options.quiet });
  if (out !== null) {
    writeOutput(out, rendered);
    if (options.reporter !== 'pretty' || !options.quiet) io.stdout(render(report, 'pretty', { color: io.color, quiet: true }));
  } else {
    io.stdout(rendered);
  }
  if (results.some((result) => result.error !== null)) return 2;
  return report.passed ? 0 : 1;
}
