// What a run report's page publishes as window.enetsimReport once it has drawn: a read-only
// summary for the browser tests to compare with the embedded data and the trace. Types only (no
// DOM), so that the page script and the Node tests both compile it.

/** What one chart drew: per series its label and the points drawn (non-null samples). */
export interface PanelSummary {
  title: string;
  seriesCount: number;
  labels: string[];
  points: number[];
  /** The peers or link directions of its series, in order (one legend line each). */
  subjects: string[];
  /** The subject whose series are drawn at full strength while the others' are muted; null when all are drawn alike. */
  emphasis: string | null;
}

/** Where a drawn expectation can be checked on its chart's canvas: a pixel of its left edge (or bar), CSS px from the canvas's top-left. */
export interface ExpectationProbe {
  xCss: number;
  yCss: number;
}

export interface StatesSummary {
  /** Rows drawn (at most the page's bound), and rows left out beyond it. */
  rows: number;
  rowsLeftOut: number;
  /** State bands drawn in those rows. */
  bands: number;
}

export interface SequenceSummary {
  /** The window shown, ms. */
  fromMs: number;
  toMs: number;
  /** True when the window is the charts' zoomed range, false when it is the default one. */
  followsZoom: boolean;
  arrows: number;
  dropped: number;
  retransmissions: number;
  collapsedGaps: number;
}

/** What the page drew for one run (updated on every zoom). */
export interface RunDrawing {
  scenario: string;
  passed: boolean | null;
  /** Chart ids in page order: timeline, states, the panels, fates. */
  charts: string[];
  /** Per panel id (and "fates"): its series and the points drawn of each. */
  panels: Record<string, PanelSummary>;
  /** Each chart's visible x range, ms. */
  xRanges: Record<string, [number, number]>;
  /** The shared visible range, ms. */
  xRange: [number, number];
  /** In the order of the run's expectations; probe null when out of view. */
  expectations: { label: string; passed: boolean; colour: string; chart: string; probe: ExpectationProbe | null }[];
  states: StatesSummary;
  sequence: SequenceSummary;
}

export interface EnetsimReportHooks {
  runs: RunDrawing[];
}
