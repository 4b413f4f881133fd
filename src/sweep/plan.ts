// The sweep plan: a sweep file (or the --set quick form) checked and expanded into validated variant scenarios × seeds, every problem at its file:line:col.
import { posix } from 'node:path';
import { parseDocument } from 'yaml';
import type { InputProblem, SourcePosition } from '../scenario/problem.js';
import { problemsOfIssue } from '../scenario/issues.js';
import { BUDGET_LIMITS_DEFAULT, checkBudget } from '../scenario/budget.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { ScenarioSource, type PathKey } from '../scenario/source.js';
import { parseUnit } from '../scenario/units.js';
import { labelOf } from '../scenario/assertions.js';
import { applyOverrides, flatten, type Override } from './override.js';
import { expectationSpecOf, kindOf, measureOf, type Measure, type MeasureUnit } from './measure.js';
import { MEASURE_KINDS, sweepSchema, type SweepParsed } from './schema.js';

/** An override with where it was written (null: a --set flag). */
export interface LocatedOverride extends Override {
  position: SourcePosition | null;
  /** What to name when the override is refused: `--set 'path=value'` or the sweep file position. */
  flag: string | null;
}

export interface Variant {
  /** axis → value name, in axis order. */
  key: Record<string, string>;
  /** "throttle=fast network=wifi" (or "baseline scenario" with no axes). */
  label: string;
  overrides: LocatedOverride[];
  /** The scenario with the overrides and the measures' expectations, ready for loadScenario. */
  text: string;
}

export type Statistic = 'mean' | 'median' | 'min' | 'max' | 'p5' | 'p95' | 'ci_low' | 'ci_high';

export interface Requirement {
  text: string;
  measureIndex: number;
  variantIndex: number;
  kind: 'better_than_baseline' | 'not_worse_than_baseline' | 'bound';
  statistic: Statistic;
  bound: { above: number | null; below: number | null; atLeast: number | null; atMost: number | null };
}

export interface Plan {
  title: string;
  sweepFile: string | null;
  /** The scenario file runs are replayed with, or null for an inline scenario. */
  scenarioFile: string | null;
  /** The name the loader gives the scenario (file, or sweep#scenario). */
  scenarioLoadName: string;
  scenarioName: string;
  axes: { name: string; values: string[] }[];
  variants: Variant[];
  seeds: number[];
  measuresRaw: Record<string, unknown>[];
  measures: Measure[];
  expectationLabels: string[];
  /** For each variant, the index of its baseline variant (null: none, or itself the baseline). */
  baselineOf: (number | null)[];
  baselineText: string | null;
  requires: Requirement[];
  /** The seam for common random numbers: the links' weather mode, passed to every run (null: the scenario's own). */
  weather: string | null;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; problems: InputProblem[] };

export interface ReadFile {
  (path: string): { ok: true; text: string } | { ok: false; message: string };
}

/** The variant's label: "axis=value" pairs. */
export function labelOfKey(key: Record<string, string>): string {
  const parts = Object.entries(key).map(([axis, value]) => `${axis}=${value}`);
  return parts.length === 0 ? 'scenario as written' : parts.join(' ');
}

function dirnameOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '' : file.slice(0, slash + 1);
}

/** Loads and checks a sweep file; every problem is returned together. `seedCount` (--seeds N) replaces its seeds by 1..N. */
export function loadSweep(file: string, text: string, read: ReadFile, seedCount: number | null = null): PlanResult {
  const source = new ScenarioSource(file, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const data = source.document.toJS() as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [source.problemAt([], 'a sweep is a YAML mapping with sweep, scenario, seeds, vary and measure')] };
  }
  const validated = sweepSchema.safeParse(data);
  if (!validated.success) {
    return { ok: false, problems: validated.error.issues.flatMap((issue) => problemsOfIssue(issue, source, sweepSchema, data)) };
  }
  const parsed = validated.data;
  const problems: InputProblem[] = [];
  (data as { measure: Record<string, unknown>[] }).measure.forEach((raw, index) => {
    const kinds = MEASURE_KINDS.filter((kind) => raw[kind] !== undefined);
    if (kinds.length !== 1) problems.push(source.problemAt(['measure', index], `a measure has exactly one kind (${MEASURE_KINDS.join(', ')}); this one has ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`));
  });
  if (problems.length > 0) return { ok: false, problems };
  const base = baseScenario(file, parsed, source, read, problems);
  if (base === null) return { ok: false, problems };
  const axes = Object.entries(parsed.vary ?? {}).map(([name, values]) => ({ name, values: Object.keys(values) }));
  const overridesOf = (axis: string, value: string): LocatedOverride[] =>
    Object.entries(parsed.vary![axis]![value]!).flatMap(([path, inner]) =>
      flatten(path, inner).map((override) => ({ ...override, position: source.positionOf(['vary', axis, value, path], 'key'), flag: null })),
    );
  const keys = variantKeys(parsed, axes, source, problems);
  if (parsed.baseline !== undefined) checkKey(parsed.baseline, axes, ['baseline'], source, problems, false);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  const plan = buildPlan(
    {
      title: parsed.sweep,
      sweepFile: file,
      base,
      axes,
      keys,
      overridesOf,
      seeds: seedCount !== null ? Array.from({ length: seedCount }, (_, index) => index + 1) : typeof parsed.seeds === 'number' ? Array.from({ length: parsed.seeds }, (_, index) => index + 1) : parsed.seeds,
      measuresRaw: (data as { measure: Record<string, unknown>[] }).measure,
      measurePosition: (index) => source.positionOf(['measure', index]),
      baseline: parsed.baseline ?? null,
      baselinePosition: source.positionOf(['baseline']),
      weather: parsed.weather ?? null,
    },
    source,
    problems,
  );
  if (plan !== null) plan.requires = requirements(parsed, (data as { require?: Record<string, unknown>[] }).require ?? [], plan, source, problems);
  return problems.length > 0 || plan === null ? { ok: false, problems: sortProblems(problems) } : { ok: true, plan };
}

interface BaseScenario {
  loadName: string;
  replayFile: string | null;
  text: string;
  scenario: Scenario;
}

function baseScenario(file: string, parsed: SweepParsed, source: ScenarioSource, read: ReadFile, problems: InputProblem[]): BaseScenario | null {
  if (typeof parsed.scenario === 'string') {
    const path = parsed.scenario.startsWith('/') ? parsed.scenario : posix.normalize(`${dirnameOf(file)}${parsed.scenario}`);
    const got = read(path);
    if (!got.ok) {
      problems.push(source.problemAt(['scenario'], `${path}: ${got.message}`));
      return null;
    }
    const loaded = loadScenario(path, got.text);
    if (!loaded.ok) {
      problems.push(source.problemAt(['scenario'], `the scenario ${path} is invalid (run 'enetsim validate ${path}'); its problems follow`), ...loaded.problems);
      return null;
    }
    return checkedBase({ loadName: path, replayFile: path, text: got.text, scenario: loaded.scenario }, source, problems);
  }
  // An inline scenario: its lines cut out of the sweep file, so its problems keep their positions.
  const node = source.document.get('scenario', true) as { range?: [number, number, number] } | undefined;
  const start = source.positionAt(node!.range![0]);
  const end = source.positionAt(Math.max(node!.range![0], node!.range![1] - 1));
  const indent = start.column - 1;
  const lines = source.lines.slice(start.line - 1, end.line).map((line, index) => (index === 0 ? ' '.repeat(indent) + line.slice(indent) : line));
  const padded = [...Array.from({ length: start.line - 1 }, () => ''), ...lines].join('\n');
  const loaded = loadScenario(file, padded);
  if (!loaded.ok) {
    problems.push(...loaded.problems.map((problem) => (problem.position === null ? problem : source.problem(problem.position, problem.message))));
    return null;
  }
  return checkedBase({ loadName: file, replayFile: null, text: padded, scenario: loaded.scenario }, source, problems);
}

function checkedBase(base: BaseScenario, source: ScenarioSource, problems: InputProblem[]): BaseScenario | null {
  if (base.scenario.seedFixed) {
    problems.push(source.problemAt(['scenario'], `${base.loadName} says fixed_seed: true (its expectations hold for seed ${base.scenario.seed} alone); a sweep runs every variant with many seeds: remove fixed_seed or use another scenario`));
    return null;
  }
  return base;
}

function matches(key: Record<string, string>, partial: Record<string, string>): boolean {
  return Object.entries(partial).every(([axis, value]) => key[axis] === value);
}

/** Checks that a partial key names existing axes and values; pushes problems at `path`. */
function checkKey(partial: Record<string, string>, axes: Plan['axes'], path: PathKey[], source: ScenarioSource, problems: InputProblem[], complete: boolean): boolean {
  let ok = true;
  for (const [axis, value] of Object.entries(partial)) {
    const found = axes.find((each) => each.name === axis);
    if (found === undefined) {
      problems.push(source.problemAt([...path, axis], `no axis '${axis}' in vary (the axes: ${axes.map((each) => each.name).join(', ') || 'none'})`, 'key'));
      ok = false;
    } else if (!found.values.includes(value)) {
      problems.push(source.problemAt([...path, axis], `axis '${axis}' has no value '${value}' (its values: ${found.values.join(', ')})`));
      ok = false;
    }
  }
  if (ok && complete) {
    const missing = axes.filter((axis) => partial[axis.name] === undefined).map((axis) => axis.name);
    if (missing.length > 0) {
      problems.push(source.problemAt(path, `a variant names every axis; missing: ${missing.join(', ')}`));
      ok = false;
    }
  }
  return ok;
}

function variantKeys(parsed: SweepParsed, axes: Plan['axes'], source: ScenarioSource, problems: InputProblem[]): Record<string, string>[] {
  if (parsed.variants !== undefined && parsed.exclude !== undefined) problems.push(source.problemAt(['exclude'], "give 'variants' (an explicit list) or 'exclude' (trimming the product), not both", 'key'));
  if (parsed.variants !== undefined) {
    const keys: Record<string, string>[] = [];
    parsed.variants.forEach((key, index) => {
      if (!checkKey(key, axes, ['variants', index], source, problems, true)) return;
      const ordered = Object.fromEntries(axes.map((axis) => [axis.name, key[axis.name]!]));
      if (keys.some((other) => labelOfKey(other) === labelOfKey(ordered))) problems.push(source.problemAt(['variants', index], `variant ${labelOfKey(ordered)} is listed twice`));
      else keys.push(ordered);
    });
    return keys;
  }
  let keys: Record<string, string>[] = [{}];
  for (const axis of axes) keys = keys.flatMap((key) => axis.values.map((value) => ({ ...key, [axis.name]: value })));
  (parsed.exclude ?? []).forEach((partial, index) => {
    if (!checkKey(partial, axes, ['exclude', index], source, problems, false)) return;
    if (!keys.some((key) => matches(key, partial))) problems.push(source.problemAt(['exclude', index], `excludes nothing: no variant left has ${labelOfKey(partial)}`));
    keys = keys.filter((key) => !matches(key, partial));
  });
  if (keys.length === 0) problems.push(source.problemAt(['exclude'], 'every variant is excluded; nothing would run', 'key'));
  return keys;
}

export interface PlanInput {
  title: string;
  sweepFile: string | null;
  base: BaseScenario;
  axes: Plan['axes'];
  keys: Record<string, string>[];
  overridesOf: (axis: string, value: string) => LocatedOverride[];
  seeds: number[];
  measuresRaw: Record<string, unknown>[];
  measurePosition: (index: number) => SourcePosition | null;
  baseline: Record<string, string> | null;
  baselinePosition: SourcePosition | null;
  weather: string | null;
}

/** Where a refused override is reported: its sweep-file position, or the --set flag that gave it. */
function overrideProblem(override: LocatedOverride, message: string, source: ScenarioSource | null): InputProblem {
  if (override.position !== null && source !== null) return source.problem(override.position, `override '${override.path}': ${message}`);
  return { position: null, message: `${override.flag ?? `--set ${override.path}`}: ${message}` };
}

/** The scenario text with the measures appended to `expect`, so the loader checks them too. */
function withMeasures(text: string, measuresRaw: readonly Record<string, unknown>[]): string {
  const document = parseDocument(text);
  const expect = (document.toJS() as { expect?: unknown[] }).expect ?? [];
  document.set('expect', [...expect, ...measuresRaw.map((raw) => expectationSpecOf(raw))]);
  return document.toString({ lineWidth: 0 });
}

/** Builds the plan: checks every override alone (to blame it precisely), then every variant's scenario. */
export function buildPlan(input: PlanInput, source: ScenarioSource | null, problems: InputProblem[]): Plan | null {
  const { base } = input;
  const expectationCount = base.scenario.expectations.length;
  // The measures, checked as expectations of the unmodified scenario.
  const measured = loadScenario(base.loadName, withMeasures(base.text, input.measuresRaw));
  if (!measured.ok) {
    // Each measure alone, so a problem is reported at the measure that has it.
    input.measuresRaw.forEach((raw, index) => {
      const alone = loadScenario(base.loadName, withMeasures(base.text, [raw]));
      if (alone.ok) return;
      const position = input.measurePosition(index);
      for (const problem of alone.problems) {
        const message = `measure '${String(raw['name'])}' (${kindOf(raw)}): ${problem.message.replace(/'expect\.\d+\.?/g, "'")}`;
        problems.push(source !== null && position !== null ? source.problem(position, message) : { position: null, message });
      }
    });
    return null;
  }
  const measures = input.measuresRaw.map((raw, index) => measureOf(raw, measured.scenario.expectations[expectationCount + index]!.expectation));
  const names = new Set<string>();
  input.measuresRaw.forEach((raw, index) => {
    if (names.has(String(raw['name']))) problems.push(source?.problem(input.measurePosition(index)!, `two measures are named '${String(raw['name'])}'; give each its own name`) ?? { position: null, message: `duplicate measure '${String(raw['name'])}'` });
    names.add(String(raw['name']));
  });
  // Each axis value's overrides together on the base scenario; when they make an invalid scenario,
  // each override alone says which one is to blame (or, if each is fine alone, the set together).
  const refused = new Set<string>();
  for (const axis of input.axes) {
    for (const value of axis.values) {
      const overrides = input.overridesOf(axis.name, value);
      const seed = overrides.find((override) => override.path === 'seed' || override.path.startsWith('seed.'));
      if (seed !== undefined) {
        problems.push(overrideProblem(seed, "a sweep gives each run its seed from 'seeds'; vary the seeds there", source));
        refused.add(`${axis.name}=${value}`);
        continue;
      }
      // Every path first (each alone), so all misnamed paths of a value are reported together,
      // with the overrides that are invalid even alone.
      const misnamed = overrides.flatMap((override) => {
        const alone = applyOverrides(base.text, [override]);
        return alone.ok ? [] : [overrideProblem(override, alone.message, source)];
      });
      if (misnamed.length > 0) {
        for (const override of overrides) {
          const alone = applyOverrides(base.text, [override]);
          const aloneLoaded = alone.ok ? loadScenario(base.loadName, alone.text) : null;
          if (aloneLoaded !== null && !aloneLoaded.ok) for (const problem of aloneLoaded.problems) misnamed.push(overrideProblem(override, `the scenario it makes is invalid: ${problem.message}`, source));
        }
      }
      if (misnamed.length > 0) {
        problems.push(...misnamed);
        refused.add(`${axis.name}=${value}`);
        continue;
      }
      const applied = applyOverrides(base.text, overrides);
      const loaded = applied.ok ? loadScenario(base.loadName, applied.text) : null;
      if (loaded === null || loaded.ok) continue;
      refused.add(`${axis.name}=${value}`);
      let blamed = false;
      for (const override of overrides) {
        const alone = applyOverrides(base.text, [override]);
        const aloneLoaded = alone.ok ? loadScenario(base.loadName, alone.text) : null;
        if (aloneLoaded === null || aloneLoaded.ok) continue;
        // Invalid alone, and the value as a whole is invalid too: this override is to blame.
        blamed = true;
        for (const problem of aloneLoaded.problems) problems.push(overrideProblem(override, `the scenario it makes is invalid: ${problem.message}`, source));
      }
      if (!blamed) {
        for (const problem of loaded.problems) problems.push(overrideProblem(overrides[0]!, `together, the overrides of ${axis.name}=${value} make an invalid scenario: ${problem.message}`, source));
      }
    }
  }
  if (refused.size > 0) return null;
  const variants: Variant[] = [];
  for (const key of input.keys) {
    const overrides = Object.entries(key).flatMap(([axis, value]) => input.overridesOf(axis, value));
    const applied = applyOverrides(withMeasures(base.text, input.measuresRaw), overrides);
    const label = labelOfKey(key);
    const first = overrides[0];
    if (!applied.ok) {
      problems.push(overrideProblem(overrides[applied.index]!, applied.message, source));
      continue;
    }
    const loaded = loadScenario(base.loadName, applied.text);
    if (!loaded.ok) {
      for (const problem of loaded.problems) {
        const message = `variant ${label}: together, its overrides make an invalid scenario: ${problem.message}`;
        problems.push(first !== undefined ? overrideProblem(first, message, source) : { position: null, message });
      }
      continue;
    }
    // The same up-front budget as enetsim run (per run; a sweep runs many): a variant too big to run is refused before any runs.
    const budget = checkBudget(loaded.scenario, BUDGET_LIMITS_DEFAULT);
    if (!budget.ok) {
      const message = `variant ${label}: ${budget.problem.message.replace(/; shorten the scenario, or raise the limits knowingly with --budget-scale N$/, '; shorten the scenario or change this variant')}`;
      problems.push(first !== undefined ? overrideProblem(first, message, source) : { position: null, message });
      continue;
    }
    variants.push({ key, label, overrides, text: applied.text });
  }
  const baselineOf = input.keys.map((key) => {
    if (input.baseline === null) return null;
    const wanted = { ...key, ...input.baseline };
    if (matches(key, input.baseline)) return null;
    const index = input.keys.findIndex((other) => labelOfKey(other) === labelOfKey(wanted));
    return index < 0 ? null : index;
  });
  return {
    title: input.title,
    sweepFile: input.sweepFile,
    scenarioFile: base.replayFile,
    scenarioLoadName: base.loadName,
    scenarioName: base.scenario.name,
    axes: input.axes,
    variants,
    seeds: input.seeds,
    measuresRaw: input.measuresRaw,
    measures,
    expectationLabels: base.scenario.expectations.map((located) => labelOf(located.expectation, located.name)),
    baselineOf,
    baselineText: input.baseline === null ? null : labelOfKey(input.baseline),
    requires: [],
    weather: input.weather,
  };
}

/** A bound written in the measure's unit (250ms, 0.9 or 90%, a count) → its number. */
function boundValue(raw: unknown, unit: MeasureUnit): { ok: true; value: number } | { ok: false; message: string } {
  if (unit === 'ms') return parseUnit('duration', raw);
  if (typeof raw === 'number') return { ok: true, value: raw };
  if (unit === 'ratio' || unit === '%') {
    const parsed = parseUnit('percent', raw);
    return parsed.ok && unit === 'ratio' ? { ok: true, value: parsed.value / 100 } : parsed;
  }
  return { ok: false, message: `expected a number, got "${String(raw)}"` };
}

function requirements(parsed: SweepParsed, raws: Record<string, unknown>[], plan: Plan, source: ScenarioSource, problems: InputProblem[]): Requirement[] {
  const list: Requirement[] = [];
  (parsed.require ?? []).forEach((entry, index) => {
    const path: PathKey[] = ['require', index];
    const measureIndex = plan.measures.findIndex((measure) => measure.name === entry.measure);
    if (measureIndex < 0) problems.push(source.problemAt([...path, 'measure'], `no measure is named '${entry.measure}' (the measures: ${plan.measures.map((measure) => measure.name).join(', ')})`));
    if (!checkKey(entry.variant, plan.axes, [...path, 'variant'], source, problems, true)) return;
    const variantIndex = plan.variants.findIndex((variant) => matches(variant.key, entry.variant));
    if (variantIndex < 0) problems.push(source.problemAt([...path, 'variant'], `variant ${labelOfKey(entry.variant)} is not run (excluded, or not in 'variants')`));
    const kinds = [entry.better_than_baseline !== undefined, entry.not_worse_than_baseline !== undefined, [entry.above, entry.below, entry.at_least, entry.at_most].some((value) => value !== undefined)].filter(Boolean).length;
    if (kinds !== 1) problems.push(source.problemAt(path, 'a requirement needs exactly one of: better_than_baseline, not_worse_than_baseline, or a bound (above, below, at_least, at_most)'));
    if (entry.statistic !== undefined && kinds === 1 && (entry.better_than_baseline !== undefined || entry.not_worse_than_baseline !== undefined)) problems.push(source.problemAt([...path, 'statistic'], "'statistic' goes with a bound", 'key'));
    if ((entry.better_than_baseline !== undefined || entry.not_worse_than_baseline !== undefined) && variantIndex >= 0 && plan.baselineOf[variantIndex] === null) {
      problems.push(source.problemAt([...path, 'variant'], plan.baselineText === null ? 'the sweep has no baseline to compare with (add baseline:)' : `variant ${labelOfKey(entry.variant)} has no baseline to compare with (it is one)`));
    }
    if (measureIndex < 0 || variantIndex < 0 || kinds !== 1) return;
    const unit = plan.measures[measureIndex]!.unit;
    const read = (name: 'above' | 'below' | 'at_least' | 'at_most'): number | null => {
      if (entry[name] === undefined) return null;
      const value = boundValue(entry[name], unit);
      if (!value.ok) {
        problems.push(source.problemAt([...path, name], `${value.message} (measure '${entry.measure}' is in ${unit})`));
        return null;
      }
      return value.value;
    };
    const kind = entry.better_than_baseline !== undefined ? 'better_than_baseline' : entry.not_worse_than_baseline !== undefined ? 'not_worse_than_baseline' : 'bound';
    const raw = raws[index]!;
    const text = `${entry.measure} for ${labelOfKey(entry.variant)}: ${kind === 'bound' ? `${entry.statistic ?? 'mean'} ${['above', 'below', 'at_least', 'at_most'].filter((name) => raw[name] !== undefined).map((name) => `${name.replace('_', ' ')} ${String(raw[name])}`).join(' and ')}` : kind.replace(/_/g, ' ')}`;
    list.push({ text, measureIndex, variantIndex, kind, statistic: entry.statistic ?? 'mean', bound: { above: read('above'), below: read('below'), atLeast: read('at_least'), atMost: read('at_most') } });
  });
  return list;
}

function sortProblems(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((problem) => {
      const key = `${problem.position?.file}:${problem.position?.line}:${problem.position?.column}:${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0));
}


/** One `--set path=v1,v2` axis of the quick form, already parsed. */
export interface SetAxis {
  flag: string;
  path: string;
  values: unknown[];
}

const UPPER_BOUNDS = ['below', 'at_most'];

/**
 * The measures of the quick form: one per expectation that yields a number, in the direction its
 * bound points (an upper bound: lower is better); times to a state, a timeout or convergence are
 * better lower, a delivered ratio higher. Sequences, `never` and `is` states and `relative` comparisons give pass rates only.
 */
export function measuresFromExpectations(text: string): Record<string, unknown>[] {
  const expect = ((parseDocument(text).toJS() as { expect?: Record<string, Record<string, unknown>>[] }).expect ?? []).filter((entry) => entry !== null && typeof entry === 'object');
  const measures: Record<string, unknown>[] = [];
  expect.forEach((entry, index) => {
    const kind = Object.keys(entry).find((key) => key !== 'name');
    if (kind === undefined) return;
    const spec = { ...(entry[kind] as Record<string, unknown>) };
    const name = (entry['name'] as unknown as string | undefined) ?? `E${index + 1} ${kind}`;
    const bounds = ['above', 'below', 'equals', 'at_least', 'at_most'].filter((key) => spec[key] !== undefined);
    switch (kind) {
      case 'stat':
      case 'traffic':
        bounds.forEach((key) => delete spec[key]);
        measures.push({ name, better: bounds.some((key) => UPPER_BOUNDS.includes(key)) ? 'lower' : 'higher', [kind]: spec });
        break;
      case 'timeout':
      case 'converge':
        delete spec['within'];
        if (kind === 'timeout') delete spec['between'];
        measures.push({ name, better: 'lower', [kind]: spec });
        break;
      case 'state':
        if (spec['reaches'] !== undefined) measures.push({ name, better: 'lower', state: spec });
        break;
      case 'delivery': {
        const route = { from: spec['from'], to: spec['to'], ...(spec['channel'] !== undefined ? { channel: spec['channel'] } : {}) };
        if (spec['ratio'] !== undefined) measures.push({ name: `${name} (ratio)`, better: 'higher', delivery: { ...route, ratio: true } });
        if (spec['latency'] !== undefined) measures.push({ name: `${name} (latency)`, better: 'lower', delivery: { ...route, latency: (spec['latency'] as { percentile: number }).percentile } });
        break;
      }
      default:
        break;
    }
  });
  return measures;
}

/**
 * The quick form: a scenario file and `--set` axes. The baseline is the first value of the first
 * axis: each variant is compared with the one that has it and the same values on the other axes.
 */
export function quickPlan(file: string, text: string, axes: readonly SetAxis[], seeds: number[]): PlanResult {
  const loaded = loadScenario(file, text);
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const problems: InputProblem[] = [];
  const base = checkedBase({ loadName: file, replayFile: file, text, scenario: loaded.scenario }, new ScenarioSource(file, text), problems);
  if (base === null) return { ok: false, problems: problems.map((problem) => ({ position: null, message: problem.message })) };
  const measuresRaw = measuresFromExpectations(text);
  if (measuresRaw.length === 0) return { ok: false, problems: [{ position: null, message: `${file}: no expectation yields a number to measure (stat, traffic, timeout, converge, state reaches, delivery ratio or latency); write a sweep file with 'measure' (docs/sweeps.md)` }] };
  const names = axes.map((axis) => axis.path);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) return { ok: false, problems: [{ position: null, message: `--set ${duplicate} is given twice; give each path once, its values separated by commas` }] };
  const planAxes = axes.map((axis) => ({ name: axis.path, values: axis.values.map((value) => valueTextOf(value)) }));
  let keys: Record<string, string>[] = [{}];
  for (const axis of planAxes) keys = keys.flatMap((key) => axis.values.map((value) => ({ ...key, [axis.name]: value })));
  const overridesOf = (axisName: string, valueName: string): LocatedOverride[] => {
    const axis = axes.find((each) => each.path === axisName)!;
    const value = axis.values[planAxes.find((each) => each.name === axisName)!.values.indexOf(valueName)];
    return flatten(axis.path, value).map((override) => ({ ...override, position: null, flag: `--set '${axis.flag}'` }));
  };
  const plan = buildPlan(
    {
      title: `${loaded.scenario.name}: ${axes.map((axis) => axis.path).join(' × ')}`,
      sweepFile: null,
      base,
      axes: planAxes,
      keys,
      overridesOf,
      seeds,
      measuresRaw,
      measurePosition: () => null,
      baseline: planAxes.length === 0 ? null : { [planAxes[0]!.name]: planAxes[0]!.values[0]! },
      baselinePosition: null,
      weather: null,
    },
    null,
    problems,
  );
  return problems.length > 0 || plan === null ? { ok: false, problems } : { ok: true, plan };
}

function valueTextOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
