// `run --html FILE` and `report TRACE --html FILE`: the glue between a run (or a saved trace) and the
// HTML report (src/report): which seed is drawn, the header, and each expectation placed on its panel.
import type { LocatedExpectation, Scenario } from '../../scenario/model.js';
import { labelOf, type CheckResult } from '../../scenario/assertions.js';
import { formatPosition } from '../reporters/format.js';
import type { ExpectationMark, PanelId, RunPageData, RunPageHeader } from '../../report/run-page-data.js';
import { buildRunPageData } from '../../report/run-model.js';
import type { TraceEvent } from '../../trace/trace.js';
import { describeScenario } from './explain.js';

export { parseHtmlWindow, type HtmlWindow, type ParsedWindow } from './html-window.js';
import type { HtmlWindow } from './html-window.js';

/** The statistics drawn on a panel, and how a raw value becomes the panel's unit. */
const STAT_PANELS: Record<string, { panel: PanelId; toUnit: (value: number) => number }> = {
  PEER_ROUND_TRIP_TIME: { panel: 'rtt', toUnit: (value) => value },
  PEER_ROUND_TRIP_TIME_VARIANCE: { panel: 'rtt', toUnit: (value) => value },
  PEER_LAST_ROUND_TRIP_TIME: { panel: 'rtt', toUnit: (value) => value },
  PEER_LAST_ROUND_TRIP_TIME_VARIANCE: { panel: 'rtt', toUnit: (value) => value },
  PEER_PACKET_THROTTLE: { panel: 'throttle', toUnit: (value) => value },
  PEER_PACKET_THROTTLE_LIMIT: { panel: 'throttle', toUnit: (value) => value },
  PEER_PACKET_LOSS: { panel: 'loss', toUnit: (value) => Math.round((value / 65536) * 100 * 1000) / 1000 },
};

/** One expectation's check as the page draws it: on its statistic's panel, or on the timeline. */
export function expectationMark(located: LocatedExpectation, result: CheckResult, durationMs: number): ExpectationMark {
  const placement = result.placement;
  const onPanel = placement !== undefined ? STAT_PANELS[placement.quantity] : undefined;
  const convert = (value: number | null): number | null => (value === null ? null : onPanel !== undefined ? onPanel.toUnit(value) : value);
  return {
    label: labelOf(located.expectation, located.name),
    kind: located.expectation.kind,
    position: formatPosition(located.position),
    passed: result.passed,
    expected: result.expected,
    observed: result.observed,
    panel: onPanel?.panel ?? null,
    subject: placement?.subject ?? null,
    fromMs: placement?.fromMs ?? 0,
    toMs: placement?.toMs ?? durationMs,
    min: convert(placement?.min ?? null),
    max: convert(placement?.max ?? null),
    observedValue: convert(placement?.observedValue ?? null),
    observedAtMs: placement?.observedAtMs ?? null,
  };
}

/** What one seed's run leaves for the report. */
export interface SeedForHtml {
  scenario: Scenario;
  seed: number;
  events: readonly TraceEvent[];
  /** Null when the run stopped at a limit (no expectation was checked). */
  checks: readonly CheckResult[] | null;
  /** Why the run stopped early, in words, or null. */
  stoppedMessage: string | null;
  traceHash: string;
  reproduce: string;
  implementation: string;
}

/**
 * Keeps, per scenario, the seed the report draws: the first failing seed, else the first seed. Only
 * that seed's page is built (from its trace, while the trace is still in memory).
 */
export class HtmlReportCollector {
  private readonly pages: RunPageData[] = [];
  private current: { page: RunPageData; failed: boolean; seeds: number[]; file: string } | null = null;

  constructor(private readonly window: HtmlWindow | null) {}

  /** Offers one seed's run; builds its page only when it is the one to draw so far. */
  offer(run: SeedForHtml): void {
    const failed = run.checks === null || run.checks.some((check) => !check.passed);
    const current = this.current;
    if (current !== null && current.file === run.scenario.file) {
      current.seeds.push(run.seed);
      if (current.failed || !failed) return;
    }
    const seeds = current !== null && current.file === run.scenario.file ? current.seeds : [run.seed];
    this.current = { page: this.build(run, failed), failed, seeds, file: run.scenario.file };
  }

  /** Ends a scenario: its drawn page joins the report, saying which seed it is. */
  finishScenario(): void {
    const current = this.current;
    if (current === null) return;
    const { page, failed, seeds } = current;
    if (seeds.length > 1) {
      const which = failed ? 'the first failing one' : 'all passed, so the first';
      page.header.settings.unshift(`seed ${page.header.seed} is drawn of the ${seeds.length} seeds run (${seeds[0]}..${seeds.at(-1)}): ${which}`);
    }
    this.pages.push(page);
    this.current = null;
  }

  get runs(): readonly RunPageData[] {
    return this.pages;
  }

  private build(run: SeedForHtml, failed: boolean): RunPageData {
    const { scenario } = run;
    const settings = describeScenario(scenario, run.seed)
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
    if (run.stoppedMessage !== null) settings.unshift(`the run stopped early: ${run.stoppedMessage}`);
    const header: RunPageHeader = {
      scenario: scenario.name,
      file: scenario.file,
      seed: String(run.seed),
      passed: !failed,
      settings,
      reproduce: run.reproduce,
      implementation: run.implementation,
      traceHash: run.traceHash,
    };
    const expectations = run.checks === null ? [] : scenario.expectations.map((located, index) => expectationMark(located, run.checks![index]!, scenario.durationMs));
    return buildRunPageData({
      events: run.events,
      durationMs: scenario.durationMs,
      header,
      expectations,
      options: this.window === null ? {} : { window: [this.window.fromMs, this.window.toMs], windowLabel: this.window.label },
    });
  }
}
