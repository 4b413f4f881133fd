// `enetsim sweep` and `enetsim merge`: plan a sweep (file or --set quick form), run it here or on
// worker threads (whole or one shard), and report; or merge shards' part files into one report.
import type { CliIo } from '../io.js';
import type { InputProblem } from '../result.js';
import { decodeScenarioText } from '../../scenario/source.js';
import { printProblems } from './run.js';
import { openOutput, OutputFailed, writeOutput, type Output as GenericOutput } from '../output.js';
import { overwriteMessage, overwrittenInput, sameFile, type InputFile } from './files.js';
import { parseSet } from '../../sweep/override.js';
import { loadSweep, quickPlan, type PlanResult, type SetAxis } from '../../sweep/plan.js';
import { progressBar } from '../../sweep/progress.js';
import { PART_FORMAT, REPORT_FORMAT, buildReport, formatValue, shellWord, summaryOf, type PlanSummary } from '../../sweep/report.js';
import type { MeasureUnit } from '../../sweep/measure.js';
import { renderSweepHtml } from '../../report/sweep-report.js';
import { allJobs, runJobs, shardJobs, type RunResult } from '../../sweep/run.js';
import { renderSweep, type SweepFormat } from '../../sweep/format.js';

export interface SweepOptions {
  file: string;
  sets: string[];
  /** Quick form only: seeds 1..N. */
  seeds: number | null;
  jobs: number;
  shard: { index: number; count: number } | null;
  format: SweepFormat;
  out: string | null;
  /** Write the HTML report (charts) to this file. */
  html: string | null;
  /** With --shard: record the throttle/RTT curves in the part file, for `merge --html`. */
  curves: boolean;
  quiet: boolean;
}

function readText(path: string, io: CliIo): { ok: true; text: string } | { ok: false; message: string } {
  const info = io.statPath(path);
  if (info.kind === 'missing') return { ok: false, message: 'no such file' };
  if (info.kind !== 'file') return { ok: false, message: 'not a regular file' };
  if (info.sizeBytes > 1024 * 1024) return { ok: false, message: `${info.sizeBytes} bytes; at most 1 MiB` };
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(path);
  } catch (error) {
    return { ok: false, message: `cannot read (${(error as { code?: string }).code ?? (error as Error).message})` };
  }
  // Invalid UTF-8 is refused at its position, as for scenarios, never silently replaced.
  const decoded = decodeScenarioText(path, bytes);
  if (decoded.ok) return { ok: true, text: decoded.text };
  const at = decoded.problem.position;
  return { ok: false, message: at === null ? decoded.problem.message : `line ${at.line} column ${at.column}: ${decoded.problem.message}` };
}

/** A sweep file has `sweep:` at its top; anything else given to `sweep` is a scenario (quick form). */
function isSweepFile(text: string): boolean {
  return /^sweep\s*:/m.test(text);
}

function plan(options: SweepOptions, io: CliIo): PlanResult {
  const read = readText(options.file, io);
  if (!read.ok) return { ok: false, problems: [{ position: null, message: `${options.file}: ${read.message}` }] };
  if (isSweepFile(read.text)) {
    if (options.sets.length > 0) return { ok: false, problems: [{ position: null, message: `--set goes with a scenario file (the quick form); ${options.file} is a sweep file: put the values under vary:` }] };
    return loadSweep(options.file, read.text, (path) => readText(path, io), options.seeds);
  }
  const axes: SetAxis[] = [];
  const problems: InputProblem[] = [];
  for (const flag of options.sets) {
    const parsed = parseSet(flag, false);
    if (parsed.ok) axes.push({ flag, path: parsed.path, values: parsed.values });
    else problems.push({ position: null, message: parsed.message });
  }
  if (problems.length > 0) return { ok: false, problems };
  return quickPlan(options.file, read.text, axes, Array.from({ length: options.seeds ?? 10 }, (_, index) => index + 1));
}

/** An output opened before anything runs, with the flag and path its messages name. */
type Output = GenericOutput<'--out' | '--html'>;

/** Runs `body`; a failed write ends the command with exit 2 and the flag, path and reason. */
function reportingWriteFailure<T extends number>(body: () => T, io: CliIo): T | 2 {
  try {
    return body();
  } catch (error) {
    if (!(error instanceof OutputFailed)) throw error;
    io.stderr(`enetsim: ${error.message}; ${error.output.path} is incomplete\n`);
    return 2;
  }
}

/** The outputs of one command, opened before anything runs so a bad path costs nothing. */
interface Outputs {
  out: Output | null;
  html: Output | null;
}

/** Opens --out and --html, refusing one that names an input (opening it would truncate it). */
function openOutputs(out: string | null, html: string | null, inputs: readonly InputFile[], io: CliIo): { ok: true; files: Outputs } | { ok: false; message: string } {
  if (out !== null && html !== null && sameFile(out, html, io)) return { ok: false, message: `--out and --html name the same file (${out}); give two files` };
  for (const [flag, path] of [['--out', out], ['--html', html]] as const) {
    const input = path === null ? null : overwrittenInput(path, inputs, io);
    if (input !== null) return { ok: false, message: overwriteMessage(flag, path!, input) };
  }
  const outFile = out === null ? null : openOutput('--out', out, io);
  if (outFile !== null && !outFile.ok) return outFile;
  const htmlFile = html === null ? null : openOutput('--html', html, io);
  if (htmlFile !== null && !htmlFile.ok) {
    outFile?.output.file.close();
    return htmlFile;
  }
  return { ok: true, files: { out: outFile?.output ?? null, html: htmlFile?.output ?? null } };
}

function closeOutputs(files: Outputs): void {
  files.out?.file.close();
  files.html?.file.close();
}

/** The command that gives this report again (without its output flags). */
function sweepReproduce(options: SweepOptions): string {
  const sets = options.sets.map((flag) => ` --set ${shellWord(flag)}`).join('');
  const seeds = options.seeds === null ? '' : ` --seeds ${options.seeds}`;
  return `enetsim sweep ${shellWord(options.file)}${sets}${seeds}`;
}

/** Exit code: 0 every requirement holds, 1 one fails, 2 bad input or a run stopped at a limit. */
export async function sweepCommand(options: SweepOptions, io: CliIo): Promise<0 | 1 | 2> {
  const planned = plan(options, io);
  if (!planned.ok) {
    printProblems(planned.problems, io);
    return 2;
  }
  const summary = summaryOf(planned.plan);
  if (options.shard !== null && options.html !== null) {
    io.stderr('enetsim: --html draws the whole sweep: with --shard, give --curves to record the curves in the part file, then enetsim merge PARTS --html FILE; nothing was run\n');
    return 2;
  }
  if (options.shard === null && options.curves) {
    io.stderr('enetsim: --curves goes with --shard (it records the curves in the part file for merge --html); without --shard, --html records them; nothing was run\n');
    return 2;
  }
  const inputs = [
    { what: planned.plan.sweepFile !== null ? 'the sweep file' : 'the scenario file', path: options.file },
    ...(planned.plan.scenarioFile !== null ? [{ what: 'the scenario file', path: planned.plan.scenarioFile }] : []),
  ];
  const opened = openOutputs(options.out, options.html, inputs, io);
  if (!opened.ok) {
    io.stderr(`enetsim: ${opened.message}; nothing was run\n`);
    return 2;
  }
  const files = opened.files;
  const jobs = allJobs(planned.plan.variants.length, planned.plan.seeds);
  const mine = options.shard === null ? jobs : shardJobs(jobs, options.shard.index, options.shard.count);
  const bar = io.stderrIsTerminal === true && !options.quiet ? progressBar(mine.length, io.stderr, io.wallClockMs) : null;
  let results: RunResult[];
  try {
    results = await runJobs(
      {
        loadName: planned.plan.scenarioLoadName,
        texts: planned.plan.variants.map((variant) => variant.text),
        measuresRaw: planned.plan.measuresRaw,
        weather: planned.plan.weather,
        curves: options.html !== null || options.curves,
      },
      mine,
      options.jobs,
      (done) => bar?.update(done),
    );
  } catch (error) {
    closeOutputs(files);
    throw error;
  } finally {
    bar?.finish();
  }
  try {
    if (options.shard !== null) {
      const part = { format: PART_FORMAT, shard: options.shard, plan: summary, runs: mine.map((job, at) => ({ index: job.index, ...results[at]! })) };
      const text = `${JSON.stringify(part)}\n`;
      const shard = options.shard;
      return reportingWriteFailure(() => {
        if (files.out !== null) writeOutput(files.out, text);
        else io.stdout(text);
        if (!options.quiet) io.stderr(`enetsim: shard ${shard.index}/${shard.count}: ${mine.length} of ${jobs.length} runs; combine the parts with enetsim merge\n`);
        return results.some((result) => result.stopped !== null) ? 2 : 0;
      }, io);
    }
    return reportingWriteFailure(() => report(summary, results, options, files, sweepReproduce(options), io), io);
  } finally {
    closeOutputs(files);
  }
}

function report(summary: PlanSummary, results: readonly RunResult[], options: Pick<SweepOptions, 'format' | 'quiet'>, files: Outputs, reproduce: string, io: CliIo): 0 | 1 | 2 {
  const built = buildReport(summary, results);
  if (files.out !== null) {
    writeOutput(files.out, renderSweep(built, options.format, false));
    if (!options.quiet) io.stdout(renderSweep(built, 'table', io.color));
  } else io.stdout(renderSweep(built, options.format, io.color && options.format === 'table'));
  if (files.html !== null) {
    const curves = results.map((result) => ({ variantIndex: result.variantIndex, seed: result.seed, curve: result.curve ?? null }));
    writeOutput(files.html, renderSweepHtml({ report: built, curves, reproduce, formatValue: (value, unit, signed) => formatValue(value, unit as MeasureUnit, signed) }));
  }
  if (built.stopped.length > 0) return 2;
  return built.passed ? 0 : 1;
}

export interface MergeOptions {
  files: string[];
  format: SweepFormat;
  out: string | null;
  html: string | null;
  quiet: boolean;
}

interface Part {
  format: string;
  shard: { index: number; count: number };
  plan: PlanSummary;
  runs: (RunResult & { index: number })[];
}

/** Combines every shard's part file into the report one unsharded run gives (exit codes as sweep). */
export function mergeCommand(options: MergeOptions, io: CliIo): 0 | 1 | 2 {
  const parts: Part[] = [];
  const fail = (message: string): 2 => {
    io.stderr(`enetsim: merge: ${message}; nothing was merged\n`);
    return 2;
  };
  if (options.files.length === 0) return fail('give the part files that sweep --shard i/n wrote');
  for (const file of options.files) {
    const read = readText(file, io);
    if (!read.ok) return fail(`${file}: ${read.message}`);
    let part: Part;
    try {
      part = JSON.parse(read.text) as Part;
    } catch {
      return fail(`${file}: not JSON (a part file is what sweep --shard i/n --out FILE writes)`);
    }
    if (part?.format !== PART_FORMAT) return fail(`${file}: not a sweep part file (format ${JSON.stringify(part?.format)}, expected ${PART_FORMAT}${part?.format === REPORT_FORMAT ? '; this is a finished report' : ''})`);
    parts.push(part);
  }
  const first = parts[0]!;
  const planText = JSON.stringify(first.plan);
  for (const [at, part] of parts.entries()) {
    if (JSON.stringify(part.plan) !== planText) return fail(`${options.files[at]} comes from another sweep than ${options.files[0]} (its plan differs)`);
    if (part.shard.count !== first.shard.count) return fail(`${options.files[at]} is shard ${part.shard.index}/${part.shard.count}, ${options.files[0]} one of ${first.shard.count}`);
  }
  const indices = parts.map((part) => part.shard.index).sort((a, b) => a - b);
  const missing = Array.from({ length: first.shard.count }, (_, index) => index + 1).filter((index) => !indices.includes(index));
  const twice = indices.filter((index, at) => indices.indexOf(index) !== at);
  if (twice.length > 0) return fail(`shard ${twice[0]}/${first.shard.count} is given twice`);
  if (missing.length > 0) return fail(`shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${first.shard.count}`).join(', ')} missing`);
  const runs = parts.flatMap((part) => part.runs).sort((a, b) => a.index - b.index);
  const results: RunResult[] = runs.map(({ index: _index, ...run }) => run);
  if (options.html !== null) {
    // A part run with --curves has the field on every run (null where the run recorded none).
    const without = parts.findIndex((part) => part.runs.some((run) => run.curve === undefined));
    if (without !== -1) return fail(`${options.files[without]} has no curves for --html: run every shard with --curves (enetsim sweep FILE --shard i/n --curves --out PART)`);
  }
  const opened = openOutputs(options.out, options.html, options.files.map((path) => ({ what: 'the part file', path })), io);
  if (!opened.ok) return fail(opened.message);
  try {
    const reproduce = `enetsim merge ${options.files.map(shellWord).join(' ')}`;
    return reportingWriteFailure(() => report(first.plan, results, options, opened.files, reproduce, io), io);
  } finally {
    closeOutputs(opened.files);
  }
}
