// enetsim's command line: yargs commands over injected IO, so tests run it in-process.
import os from 'node:os';
import { VERSION } from '../version.js';
// Only what --help and the flag checks need is imported here; each command's module is imported by
// its handler when that command runs (`enetsim --version` loads no scenario, sweep or UDP code), and
// yargs itself when there is a command line to parse.
import { CONNECT_COMMAND, CONNECT_DESCRIPTION, PROXY_COMMAND, PROXY_DESCRIPTION, SERVE_COMMAND, SERVE_DESCRIPTION } from './commands/network-commands.js';
import { parseHtmlWindow, type HtmlWindow } from './commands/html-window.js';
import { SCENARIO_FILE_BYTES_MAX, SCENARIO_FILES_MAX, WALK_DEPTH_MAX, WALK_ENTRIES_MAX } from './commands/files.js';
import { BUDGET_LIMITS_DEFAULT, BUDGET_SCALE_MAX, BUDGET_SCALE_MIN, formatBytes, formatCount } from '../scenario/budget.js';
import type { CliIo } from './io.js';
import { REPORTER_NAMES, type ReporterName } from './reporters/names.js';
import { SWEEP_FORMATS, type SweepFormat } from '../sweep/format-names.js';
import { didYouMean } from '../scenario/units.js';
import { parsePlotNames, type PeerStatisticName } from './commands/plot.js';

export type { CliIo } from './io.js';

/** The `--plot` names, already checked by the command's check(). */
function plotNames(flags: readonly string[] | undefined): PeerStatisticName[] {
  const parsed = parsePlotNames(flags);
  return parsed.ok ? parsed.names : [];
}

/** The parsed --html-window (already checked by the command's .check), or null. */
function htmlWindowOf(text: string | undefined): HtmlWindow | null {
  if (text === undefined) return null;
  const parsed = parseHtmlWindow(text);
  return parsed.ok ? parsed.window : null;
}

/**
 * Exit codes: 0 success, 1 an assertion failed (serve/connect: the network failed), 2 invalid input
 * (usage, scenario, a scenario over its budget, an output that cannot be written) or a run stopped at
 * an internal limit (its report says ERROR), 3 an internal error (a bug; main.ts).
 */
export const ExitCode = { ok: 0, assertionFailed: 1, invalidInput: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** `validate` refuses what `run` would refuse before running: input problems and scenarios over the budget. */
async function validateCommand(patterns: string[], budgetScale: number, io: CliIo): Promise<ExitCode> {
  const { budgetProblems, loadAll, printProblems, runLimits } = await import('./commands/run.js');
  const loaded = loadAll(patterns, io);
  if (!loaded.ok) {
    printProblems(loaded.problems, io);
    return ExitCode.invalidInput;
  }
  const overBudget = budgetProblems(loaded.scenarios, runLimits(budgetScale).budget);
  if (overBudget.length > 0) {
    printProblems(overBudget, io);
    return ExitCode.invalidInput;
  }
  for (const scenario of loaded.scenarios) io.stdout(`${scenario.file}: valid (${scenario.name})\n`);
  return ExitCode.ok;
}

async function presetsCommand(io: CliIo): Promise<ExitCode> {
  const { LINK_PRESETS } = await import('../scenario/presets.js');
  for (const preset of LINK_PRESETS) {
    io.stdout(`${preset.name}\n  ${preset.description}\n  values: ${JSON.stringify(preset.config)}\n  source: ${preset.source}\n`);
  }
  return ExitCode.ok;
}

/** Flags whose value may start with '-' (a window such as -1s..5s, refused with its reason by the flag's check). */
const DASHED_VALUE_FLAGS = ['--html-window'];

/**
 * `--html-window -1s..5s` as `--html-window=-1s..5s`: yargs would read the value as the short flags
 * -1 and -s and say only "Unknown arguments: 1, s"; kept as the value, its check says what is wrong.
 */
function keepDashedValues(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const next = argv[index + 1];
    if (DASHED_VALUE_FLAGS.includes(argv[index]!) && next !== undefined && /^-\d/.test(next)) {
      kept.push(`${argv[index]}=${next}`);
      index++;
    } else kept.push(argv[index]!);
  }
  return kept;
}

/**
 * yargs lays out a command's whole help text each time the command runs, to have it ready should the
 * command fail later; ours never prints it then (.fail below writes one line), and the layout (every
 * word measured and wrapped) costs about a tenth of a short run's CPU. This skips it. It reaches into
 * yargs' internals, so it does nothing if they change: --help itself lays the text out afresh.
 */
function skipHelpCache(parser: unknown): void {
  const internal = parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = internal.getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * Runs the enetsim command line with `argv` (without the node and script paths) and returns the
 * exit code. Nothing here touches `process`: main.ts passes the streams, files and colour choice.
 */
const COMMANDS = ['run', 'report', 'sweep', 'merge', 'diff', 'conformance', 'validate', 'schema', 'presets', 'serve', 'connect', 'proxy'];

export async function runCli(givenArgv: readonly string[], io: CliIo): Promise<ExitCode> {
  // `enetsim --version` alone is answered without the parser, as yargs would (its text and exit 0):
  // setting up yargs and every command's flags is most of the start-up, for output nobody asked for.
  if (givenArgv.length === 1 && givenArgv[0] === '--version') {
    io.stdout(`${VERSION}\n`);
    return ExitCode.ok;
  }
  const argv = keepDashedValues(givenArgv);
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !COMMANDS.includes(first)) {
    const guess = didYouMean(first, COMMANDS);
    io.stderr(`enetsim: unknown command '${first}'${guess !== null ? ` (did you mean '${guess}'?)` : ''}; the commands are ${COMMANDS.join(', ')}\nRun "enetsim --help" for usage.\n`);
    return ExitCode.invalidInput;
  }
  let exitCode: ExitCode = ExitCode.ok;
  let failed = false;
  const { default: yargs } = await import('yargs');
  const parser = yargs([...argv])
    .scriptName('enetsim')
    .usage('enetsim: a deterministic network-conditions simulator and test harness for ENet\n\nUsage: $0 <command> [options]')
    .command(
      'run [files..]',
      'run scenarios and check their expectations (exit 0 pass, 1 an assertion failed, 2 invalid input, a budget refused, a run stopped at a limit, or an output not writable)',
      (command) =>
        command
          .positional('files', { type: 'string', array: true, describe: 'scenario files, directories or globs (scenarios/**/*.yaml)' })
          .option('seed', { type: 'number', describe: 'override the scenario seed' })
          .option('seeds', { type: 'number', default: 1, describe: 'run each scenario with N seeds (seed, seed+1, …); an assertion must hold for all' })
          .option('reporter', { choices: REPORTER_NAMES, default: 'pretty' as ReporterName, describe: 'output format' })
          .option('out', { type: 'string', describe: 'write the report to FILE (stdout then gets a short summary)' })
          .option('trace', { type: 'string', describe: 'write the full trace of every run to FILE as JSON Lines' })
          .option('pcap', { type: 'string', describe: "write every run's datagrams to FILE as pcapng for Wireshark, one section per scenario and seed (docs/wireshark.md)" })
          .option('html', { type: 'string', describe: 'write an HTML report to FILE: one self-contained page per scenario (timeline, peer states, RTT/throttle/loss/queue plots, a packet sequence diagram, each expectation where it looked) for its first failing seed, else its first; see docs/reports.md' })
          .option('html-window', { type: 'string', describe: "the packet sequence diagram's window in the HTML report, e.g. 5s..6.5s (default: around the first failing expectation, else the first dropped datagram)" })
          .option('quiet', { type: 'boolean', default: false, describe: 'print only failures and the summary' })
          .option('explain', { type: 'boolean', default: false, describe: 'print the resolved scenario and a narrated timeline of what ENet did and why' })
          .option('plot', { type: 'string', array: true, describe: "after each scenario's run (its first seed), chart a Godot PeerStatistic per peer in the terminal: --plot PEER_PACKET_THROTTLE; repeatable, or a comma list" })
          .option('set', { type: 'string', array: true, describe: "override one value of the scenario: --set 'links.default.loss=5%' (a dotted path as in sweep files, docs/sweeps.md); repeatable" })
          .option('impl', { choices: ['typescript', 'libenet'] as const, describe: "run every host on this ENet: enetsim's TypeScript core (as each host's protocol) or the real libenet (Debian's 1.3.17 unless --libenet) (default: each host's impl)" })
          .option('libenet', { type: 'string', describe: 'run this libenet build instead of the system\'s: an install prefix, a source tree built in place, or libenet.so itself (default: $ENETSIM_LIBENET, else Debian\'s libenet-dev); see docs/libenet.md' })
          .option('budget-scale', {
            type: 'number',
            default: 1,
            describe:
              `multiply every limit by N, knowingly: the up-front estimate per seed (${formatCount(BUDGET_LIMITS_DEFAULT.eventsMax)} events, ${formatCount(BUDGET_LIMITS_DEFAULT.traceEventsMax)} trace events, ` +
              `${formatCount(BUDGET_LIMITS_DEFAULT.packetsMax)} packets, ${formatBytes(BUDGET_LIMITS_DEFAULT.queuedBytesMax)} queued at once, ${formatBytes(BUDGET_LIMITS_DEFAULT.memoryBytesMax)} of memory) and the same bounds during the run. ` +
              `Inputs are bounded too: scenario files of at most ${formatBytes(SCENARIO_FILE_BYTES_MAX)}, ${SCENARIO_FILES_MAX} files, directory walks of ${WALK_ENTRIES_MAX} entries and ${WALK_DEPTH_MAX} levels (links to directories are not followed)`,
          })
          .check((args) => {
            // A flag given twice becomes an array; say so rather than "must be a whole number".
            for (const name of ['seed', 'seeds', 'reporter', 'out', 'trace', 'pcap', 'impl', 'budget-scale', 'html', 'html-window'] as const) {
              if (Array.isArray(args[name])) throw new Error(`--${name} given more than once; give it once`);
            }
            if (!Number.isInteger(args.seeds) || args.seeds < 1 || args.seeds > 10_000) throw new Error('--seeds must be a whole number from 1 to 10000');
            if (args.seed !== undefined && (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > 0xffffffff)) throw new Error('--seed must be a whole number from 0 to 4294967295');
            const scale = args['budget-scale'];
            if (!(scale >= BUDGET_SCALE_MIN && scale <= BUDGET_SCALE_MAX)) throw new Error(`--budget-scale must be a number from ${BUDGET_SCALE_MIN} to ${BUDGET_SCALE_MAX}`);
            const plotted = parsePlotNames(args.plot);
            if (!plotted.ok) throw new Error(plotted.message);
            const htmlWindow = args['html-window'];
            if (htmlWindow !== undefined) {
              if (args.html === undefined) throw new Error('--html-window needs --html FILE');
              const parsed = parseHtmlWindow(htmlWindow);
              if (!parsed.ok) throw new Error(parsed.message);
            }
            return true;
          }),
      async (args) => {
        if (failed) return;
        if ((args.files ?? []).length === 0) {
          io.stderr('enetsim: run needs at least one scenario file (a path, a directory or a glob such as scenarios/**/*.yaml)\n');
          exitCode = ExitCode.invalidInput;
          return;
        }
        const { libenetPathFrom, runCommand, runLimits } = await import('./commands/run.js');
        exitCode = runCommand(
          {
            patterns: args.files ?? [],
            seed: args.seed ?? null,
            seeds: args.seeds,
            reporter: args.reporter,
            out: args.out ?? null,
            trace: args.trace ?? null,
            pcap: args.pcap ?? null,
            quiet: args.quiet,
            explain: args.explain,
            plot: plotNames(args.plot),
            implementationName: args.impl ?? null,
            libenetPath: libenetPathFrom(args.libenet, io),
            libenetFlagGiven: args.libenet !== undefined,
            limits: runLimits(args['budget-scale']),
            sets: args.set ?? [],
            html: args.html ?? null,
            htmlWindow: htmlWindowOf(args['html-window']),
          },
          io,
        );
      },
    )
    .command(
      'report <trace>',
      'draw a saved trace (run --trace FILE) as an HTML report (exit 0 written, 2 a missing or invalid trace, or an output not writable); see docs/reports.md',
      (command) =>
        command
          .positional('trace', { type: 'string', describe: 'a JSON Lines trace written by run --trace' })
          .option('html', { type: 'string', demandOption: true, describe: 'write the HTML report to FILE (one page per run in the trace)' })
          .option('html-window', { type: 'string', describe: "the packet sequence diagram's window, e.g. 5s..6.5s (default: around the first dropped datagram)" })
          .check((args) => {
            for (const name of ['html', 'html-window'] as const) {
              if (Array.isArray(args[name])) throw new Error(`--${name} given more than once; give it once`);
            }
            if (args['html-window'] !== undefined) {
              const parsed = parseHtmlWindow(args['html-window']);
              if (!parsed.ok) throw new Error(parsed.message);
            }
            return true;
          }),
      async (args) => {
        if (failed) return;
        const { reportCommand } = await import('./commands/report.js');
        exitCode = reportCommand({ trace: args.trace!, html: args.html, htmlWindow: htmlWindowOf(args['html-window']) }, io);
      },
    )
    .command(
      'diff <files..>',
      'run scenarios on the TypeScript core and on the real libenet (Debian\'s 1.3.17 unless --libenet) and report the first divergence of their traces or end states (exit 0 identical, 1 diverged, 2 invalid input)',
      (command) =>
        command
          .positional('files', { type: 'string', array: true })
          .option('seed', { type: 'number', describe: 'override the scenario seed' })
          .option('libenet', { type: 'string', describe: 'run this libenet build instead of the system\'s: an install prefix, a source tree built in place, or libenet.so itself (default: $ENETSIM_LIBENET, else Debian\'s libenet-dev); see docs/libenet.md' }),
      async (args) => {
        if (failed) return;
        const [{ diffCommand }, { libenetPathFrom }] = await Promise.all([import('./commands/diff.js'), import('./commands/run.js')]);
        exitCode = diffCommand(args.files ?? [], args.seed ?? null, io, libenetPathFrom(args.libenet, io));
      },
    )
    .command(
      'conformance',
      'run generated random scenarios on the TypeScript core and on the real libenet (Debian\'s 1.3.17 unless --libenet) and require identical traces and end states (exit 0 all identical, 1 a divergence)',
      (command) =>
        command
          .option('seeds', { type: 'number', default: 200, describe: 'how many seeds' })
          .option('from', { type: 'number', default: 1, describe: 'the first seed' })
          .option('jobs', { type: 'number', default: os.availableParallelism(), describe: 'worker threads, each running seeds on its own libenet driver (default: one per core)' })
          .option('libenet', { type: 'string', describe: 'run this libenet build instead of the system\'s: an install prefix, a source tree built in place, or libenet.so itself (default: $ENETSIM_LIBENET, else Debian\'s libenet-dev); see docs/libenet.md' })
          .check((args) => {
            if (!Number.isInteger(args.seeds) || args.seeds < 1 || args.seeds > 10_000_000) throw new Error('--seeds must be a whole number from 1 to 10000000');
            if (!Number.isInteger(args.from) || args.from < 0 || args.from + args.seeds - 1 > 0xffffffff) throw new Error('--from must be a whole number from 0, and the last seed at most 4294967295');
            if (!Number.isInteger(args.jobs) || args.jobs < 1 || args.jobs > 256) throw new Error('--jobs must be a whole number from 1 to 256');
            return true;
          }),
      async (args) => {
        if (failed) return;
        const [{ conformanceCommand }, { libenetPathFrom }] = await Promise.all([import('./commands/conformance.js'), import('./commands/run.js')]);
        exitCode = await conformanceCommand({ seedCount: args.seeds, firstSeed: args.from, jobs: args.jobs, libenetPath: libenetPathFrom(args.libenet, io) }, io);
      },
    )
    .command(
      'validate <files..>',
      'check scenarios without running them, their estimated cost included (exit 0 valid, 2 invalid or over the budget)',
      (command) =>
        command
          .positional('files', { type: 'string', array: true })
          .option('budget-scale', { type: 'number', default: 1, describe: 'multiply the budget limits by N, as run --budget-scale does' })
          .check((args) => {
            const scale = args['budget-scale'];
            if (Array.isArray(scale) || !(scale >= BUDGET_SCALE_MIN && scale <= BUDGET_SCALE_MAX)) throw new Error(`--budget-scale must be a number from ${BUDGET_SCALE_MIN} to ${BUDGET_SCALE_MAX}`);
            return true;
          }),
      async (args) => {
        if (failed) return;
        exitCode = await validateCommand(args.files ?? [], args['budget-scale'], io);
      },
    )
    .command(
      'sweep <file>',
      'run a sweep: variants × seeds of a scenario, with statistics, paired comparisons with a baseline and CI requirements (a sweep file, or a scenario with --set axes; exit 0 requirements hold, 1 one fails, 2 invalid input); see docs/sweeps.md',
      (command) =>
        command
          .positional('file', { type: 'string', describe: 'a sweep file (sweep: at its top), or a scenario file with --set axes' })
          .option('set', { type: 'string', array: true, describe: "quick form: an axis, --set 'path=v1,v2,…' (repeatable; the first value of the first --set is the baseline)" })
          .option('seeds', { type: 'number', describe: 'run seeds 1..N (quick form: default 10; with a sweep file: instead of its seeds)' })
          .option('jobs', { type: 'number', default: os.availableParallelism(), describe: 'worker threads (default: one per core); the report is the same whatever N' })
          .option('shard', { type: 'string', describe: 'run only slice i of n (i/n) and write a part file for enetsim merge' })
          .option('format', { choices: SWEEP_FORMATS, default: 'table' as SweepFormat, describe: 'output format' })
          .option('out', { type: 'string', describe: 'write the report (or the shard\'s part file) to FILE' })
          .option('html', { type: 'string', describe: 'also write the charts to FILE: a self-contained HTML page (see docs/sweeps.md)' })
          .option('curves', { type: 'boolean', default: false, describe: 'with --shard: record the throttle/RTT curves in the part file, for merge --html' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress bar, no table when --out is given' })
          .check((args) => {
            for (const name of ['seeds', 'jobs', 'shard', 'format', 'out', 'html'] as const) {
              if (Array.isArray(args[name])) throw new Error(`--${name} given more than once; give it once`);
            }
            if (args.seeds !== undefined && (!Number.isInteger(args.seeds) || args.seeds < 1 || args.seeds > 10_000)) throw new Error('--seeds must be a whole number from 1 to 10000');
            if (!Number.isInteger(args.jobs) || args.jobs < 1 || args.jobs > 256) throw new Error('--jobs must be a whole number from 1 to 256');
            if (args.shard !== undefined) {
              const match = /^(\d+)\/(\d+)$/.exec(args.shard);
              if (match === null || Number(match[1]) < 1 || Number(match[1]) > Number(match[2]) || Number(match[2]) > 10_000) throw new Error('--shard must be i/n with 1 ≤ i ≤ n ≤ 10000, e.g. 2/4');
            }
            return true;
          }),
      async (args) => {
        if (failed) return;
        const { sweepCommand } = await import('./commands/sweep.js');
        const shard = args.shard === undefined ? null : { index: Number(args.shard.split('/')[0]), count: Number(args.shard.split('/')[1]) };
        exitCode = await sweepCommand(
          { file: args.file!, sets: args.set ?? [], seeds: args.seeds ?? null, jobs: args.jobs, shard, format: args.format, out: args.out ?? null, html: args.html ?? null, curves: args.curves, quiet: args.quiet },
          io,
        );
      },
    )
    .command(
      'merge <files..>',
      'combine the part files of a sharded sweep (sweep --shard i/n) into the report one run gives (exit codes as sweep)',
      (command) =>
        command
          .positional('files', { type: 'string', array: true })
          .option('format', { choices: SWEEP_FORMATS, default: 'table' as SweepFormat, describe: 'output format' })
          .option('out', { type: 'string', describe: 'write the report to FILE' })
          .option('html', { type: 'string', describe: 'also write the charts to FILE (the shards must have run with --curves)' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no table on stdout when --out is given' })
          .check((args) => {
            for (const name of ['format', 'out', 'html'] as const) {
              if (Array.isArray(args[name])) throw new Error(`--${name} given more than once; give it once`);
            }
            return true;
          }),
      async (args) => {
        if (failed) return;
        const { mergeCommand } = await import('./commands/sweep.js');
        exitCode = mergeCommand({ files: args.files ?? [], format: args.format, out: args.out ?? null, html: args.html ?? null, quiet: args.quiet }, io);
      },
    )
    .command(
      'schema',
      'print the JSON Schema of scenarios, or with --sweep of sweep files (for editors: yaml-language-server)',
      (command) => command.option('sweep', { type: 'boolean', default: false, describe: 'the sweep file schema instead' }),
      async (args) => {
        const schema = args.sweep ? (await import('../sweep/schema.js')).sweepJsonSchema() : (await import('../scenario/schema.js')).scenarioJsonSchema();
        io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
      },
    )
    .command('presets', 'list the named link presets with their values and sources', {}, async () => {
      exitCode = await presetsCommand(io);
    })
    .version(VERSION)
    .help()
    .strict()
    .demandCommand(1, 'give a command: run, report, sweep, merge, validate, schema, presets, diff, conformance, serve, connect or proxy (see --help)')
    .wrap(Math.min(100, 100))
    .exitProcess(false)
    .fail((message, error) => {
      // yargs may report several problems of one command line; the first says what to fix.
      if (failed) return;
      failed = true;
      io.stderr(`enetsim: ${message ?? error?.message ?? 'invalid arguments'}\nRun "enetsim --help" for usage.\n`);
    });
  // serve, connect and proxy bring their flags with their modules (UDP, compressors, the ENet core, the
  // link model): they are loaded only when one of them runs; otherwise --help lists them by name and description.
  const commandName = argv.find((word) => !word.startsWith('-'));
  const networkContext = {
    io,
    interruptSignal: io.interruptSignal ?? (() => new AbortController().signal),
    usageFailed: () => failed,
    setExitCode: (code: number) => {
      exitCode = code as ExitCode;
    },
  };
  if (commandName === 'serve' || commandName === 'connect') {
    const { registerNetworkCommands } = await import('./commands/connect.js');
    registerNetworkCommands(parser, networkContext);
  } else parser.command(SERVE_COMMAND, SERVE_DESCRIPTION).command(CONNECT_COMMAND, CONNECT_DESCRIPTION);
  if (commandName === 'proxy') {
    const { registerProxyCommand } = await import('./commands/proxy.js');
    registerProxyCommand(parser, networkContext);
  } else parser.command(PROXY_COMMAND, PROXY_DESCRIPTION);
  skipHelpCache(parser);
  const output = await new Promise<string>((resolve) => {
    void parser.parse([...argv], {}, (_error, _argv, text) => resolve(text));
  });
  if (failed) return ExitCode.invalidInput;
  if (output) io.stdout(`${output}\n`);
  return exitCode;
}
