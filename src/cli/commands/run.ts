// `enetsim run`: loads every scenario (reporting all input problems together, exit 2), runs each
// with its seed or seeds, checks its expectations, and reports (exit 1 when any failed).
import { LibenetDriver, libenetAvailability } from '../../native/libenet.js';
import type { HostFactory } from '../../sim/sim-host.js';
import type { ProtocolProfile } from '../../enet/constants.js';
import type { CliIo } from '../io.js';
import { render, type ReporterName } from '../report/index.js';
import type { AssertionResult, InputProblem, RunReport, ScenarioResult } from '../result.js';
import { check, labelOf, type CheckResult } from '../scenario/assertions.js';
import { compileScenario, type CompileOptions } from '../scenario/compile.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { formatProblem } from '../scenario/source.js';
import { narrate } from './explain.js';
import { expandFiles } from './files.js';

export interface RunOptions {
  patterns: string[];
  seed: number | null;
  seeds: number;
  reporter: ReporterName;
  out: string | null;
  trace: string | null;
  quiet: boolean;
  explain: boolean;
  /** Runs every host on this implementation (`--impl`), or null for each host's own `impl`. */
  implementationName: 'typescript' | 'libenet' | null;
  /** The libenet build to run (`--libenet`, else $ENETSIM_LIBENET), or null for the system's. */
  libenetPath: string | null;
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

export function needsLibenet(scenarios: readonly Scenario[], options: Pick<RunOptions, 'implementationName'>): boolean {
  if (options.implementationName === 'libenet') return true;
  if (options.implementationName === 'typescript') return false;
  return scenarios.some((scenario) => scenario.hosts.some((host) => host.impl === 'libenet'));
}

export type LoadedScenarios = { ok: true; scenarios: Scenario[] } | { ok: false; problems: InputProblem[] };

/** Loads every file; all problems of all files are returned together. */
export function loadAll(patterns: readonly string[], io: CliIo): LoadedScenarios {
  const expansion = expandFiles(patterns, io);
  if (!expansion.ok) return { ok: false, problems: [{ position: null, message: expansion.message }] };
  const problems: InputProblem[] = [];
  const scenarios: Scenario[] = [];
  for (const file of expansion.files) {
    let text: string;
    try {
      text = io.readFile(file);
    } catch (error) {
      const code = (error as { code?: string }).code;
      problems.push({ position: null, message: `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${(error as Error).message})`}` });
      continue;
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

interface SeedRun {
  seed: number;
  checks: CheckResult[];
  traceHash: string;
  traceLines: string | null;
  narration: string | null;
}

function runSeed(scenario: Scenario, seed: number, options: RunOptions, keepTrace: boolean, libenet: LibenetSession | null): SeedRun {
  const { sim, idTimesMs } = compileScenario(scenario, { seed, ...hostFactories(options, libenet) });
  sim.run(scenario.durationMs);
  sim.destroy();
  const run = { events: sim.trace.events, packets: sim.ledger.all, idTimesMs, durationMs: scenario.durationMs };
  const checks = scenario.expectations.map(({ expectation }) => check(expectation, run));
  const traceLines = keepTrace ? sim.trace.toJsonLines() : null;
  return {
    seed,
    checks,
    traceHash: sim.trace.hash(),
    traceLines,
    narration: options.explain ? narrate(scenario, sim) : null,
  };
}

function seedsFor(scenario: Scenario, options: RunOptions): number[] {
  const base = options.seed ?? scenario.seed;
  return Array.from({ length: options.seeds }, (_, index) => (base + index) >>> 0);
}

function reproduceCommand(scenario: Scenario, seed: number, options: RunOptions): string {
  const implementation = options.implementationName !== null ? ` --impl ${options.implementationName}` : '';
  const file = /^[\w./-]+$/.test(scenario.file) ? scenario.file : `'${scenario.file.replace(/'/g, `'\\''`)}'`;
  return `enetsim run ${file} --seed ${seed}${implementation}`;
}

export function runScenario(scenario: Scenario, options: RunOptions, io: CliIo, traceParts: string[], libenet: LibenetSession | null): ScenarioResult {
  const startedMs = io.wallClockMs();
  const seeds = seedsFor(scenario, options);
  const runs = seeds.map((seed) => runSeed(scenario, seed, options, options.trace !== null, libenet));
  for (const run of runs) {
    if (run.traceLines !== null) traceParts.push(`${JSON.stringify({ kind: 'run', file: scenario.file, seed: run.seed, traceHash: run.traceHash })}\n${run.traceLines}`);
    if (run.narration !== null) io.stdout(run.narration);
  }
  const assertions: AssertionResult[] = scenario.expectations.map((located, index) => {
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
      heldCount: seeds.length - failedSeeds.length,
      seedCount: seeds.length,
      failedSeeds,
    };
  });
  const failing = assertions.find((assertion) => !assertion.passed);
  return {
    file: scenario.file,
    name: scenario.name,
    seeds,
    passed: failing === undefined,
    assertions,
    durationMs: scenario.durationMs,
    wallMs: io.wallClockMs() - startedMs,
    traceHashes: runs.map((run) => run.traceHash),
    reproduce: failing === undefined ? null : reproduceCommand(scenario, failing.failedSeeds[0]!, options),
  };
}

/** Runs the command; returns the exit code (0 pass, 1 an assertion failed, 2 bad input). */
export function runCommand(options: RunOptions, io: CliIo): 0 | 1 | 2 {
  const loaded = loadAll(options.patterns, io);
  if (!loaded.ok) {
    printProblems(loaded.problems, io);
    return 2;
  }
  let libenet: LibenetSession | null = null;
  if (needsLibenet(loaded.scenarios, options)) {
    const started = startLibenet(options.libenetPath);
    if (!started.ok) {
      io.stderr(`enetsim: ${started.message}\n`);
      return 2;
    }
    libenet = started.session;
    for (const line of libenetSubstitutions(loaded.scenarios, options, libenet)) io.stderr(line);
  }
  const traceParts: string[] = [];
  let results: ScenarioResult[];
  try {
    results = loaded.scenarios.map((scenario) => runScenario(scenario, options, io, traceParts, libenet));
  } finally {
    libenet?.close();
  }
  const report: RunReport = { scenarios: results, passed: results.every((result) => result.passed) };
  const rendered = render(report, options.reporter, { color: io.color && options.out === null, quiet: options.quiet });
  if (options.out !== null) {
    io.writeFile(options.out, rendered);
    if (options.reporter !== 'pretty' || !options.quiet) io.stdout(render(report, 'pretty', { color: io.color, quiet: true }));
  } else {
    io.stdout(rendered);
  }
  if (options.trace !== null) io.writeFile(options.trace, traceParts.join(''));
  return report.passed ? 0 : 1;
}
