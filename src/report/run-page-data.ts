// What a run's HTML report embeds: the plain data the browser page draws, built from one seed's trace
// (and, from `enetsim run`, the scenario's settings and expectation results). Shared by the builder
// (Node) and the page script (browser); no imports, so both sides compile it.

/** The version of this shape; a change to it changes this string. */
export const RUN_PAGE_FORMAT = 'enetsim-run-report/1';

export interface RunPageData {
  format: typeof RUN_PAGE_FORMAT;
  header: RunPageHeader;
  /** The run's virtual time span, ms: [0, duration]. Every panel shares this axis. */
  timeRangeMs: [number, number];
  /** Instants: timeline actions (connect, send, set_timeout, throttle_configure, link change...). */
  markers: TimeMarker[];
  /** Periods: partition, hold, lag spike, link ramp, congestion (a link with a bottleneck queue), pause, crash. */
  spans: TimeSpan[];
  /** One row per (host, peer) pair that appears in the trace, with its state bands. */
  peers: PeerRow[];
  /** Time-series panels, in display order (rtt, throttle, loss, rto, reliable, queue). */
  panels: Panel[];
  /** Datagrams per time bin by fate (delivered, and dropped by each rule). */
  fates: FateBins;
  /** The packet sequence diagram's datagrams (a bounded window of the run). */
  sequence: SequenceWindow;
  /** Each expectation, placed where it looked. Empty for `enetsim report trace.jsonl`. */
  expectations: ExpectationMark[];
  /** What was left out to bound the file, so the page can say so. */
  bounds: RunPageBounds;
}

export interface RunPageHeader {
  scenario: string;
  /** The scenario file, or the trace file for `enetsim report`. */
  file: string;
  seed: string;
  /** null when unknown (a saved trace has no expectations). */
  passed: boolean | null;
  /** The resolved settings, one line each (hosts, links, duration, epoch...). */
  settings: string[];
  /** The command that reproduces this run. */
  reproduce: string;
  /** Which ENet ran: "TypeScript 1.3.18", "libenet 1.3.17"... */
  implementation: string;
  /** Trace hash of the run (FNV-1a 64, hex). */
  traceHash: string;
}

export interface TimeMarker {
  atMs: number;
  /** Short label drawn on the axis ("connect", "relief", "set_timeout"). */
  label: string;
  /** The whole action, for the tooltip. */
  detail: string;
  host: string | null;
}

export type SpanKind = 'partition' | 'hold' | 'lagSpike' | 'ramp' | 'congestion' | 'pause' | 'crash';

export interface TimeSpan {
  kind: SpanKind;
  fromMs: number;
  /** The end, or the run's end when it never ended. */
  toMs: number;
  label: string;
}

export interface PeerRow {
  /** "client->server": the host's view of that peer. */
  key: string;
  host: string;
  peer: string;
  /** Godot's STATE_* names, contiguous from the first state change to the end of the run. */
  states: { fromMs: number; toMs: number; state: string }[];
}

export type PanelId = 'rtt' | 'throttle' | 'loss' | 'rto' | 'reliable' | 'queue';

export interface Panel {
  id: PanelId;
  title: string;
  /** The y unit ("ms", "/32", "%", "datagrams", "B"). */
  unit: string;
  series: Series[];
}

export interface Series {
  label: string;
  /** The peer key ("client->server") or link ("client->server" direction) it belongs to. */
  subject: string;
  /** Which statistic or derived quantity ("PEER_ROUND_TRIP_TIME", "rto", "queueBytes"...). */
  quantity: string;
  /**
   * line: a value per sample; bandLow/bandHigh: the edges of a shaded band drawn with the series before them;
   * points: separate observations (a dot each, no line between them: e.g. the observed retransmission timeouts).
   */
  style: 'line' | 'step' | 'bandLow' | 'bandHigh' | 'dashed' | 'points';
  timesMs: number[];
  values: (number | null)[];
  /** How many samples the trace had before downsampling (equals timesMs.length when none). */
  sampleCount: number;
}

export interface FateBins {
  binMs: number;
  /** Start of each bin, ms. */
  startsMs: number[];
  /** "delivered", then one per drop rule seen ("loss", "queueFull", "partition", "mtu", "hostDown"...). */
  series: { fate: string; counts: number[] }[];
}

export interface SequenceWindow {
  /** The window drawn by default, ms. */
  fromMs: number;
  toMs: number;
  /** How the window was chosen ("around the first drop", "--window 5s..6s", "the whole run"). */
  chosenBy: string;
  hosts: string[];
  datagrams: SequenceDatagram[];
  /** Datagrams of the run outside the embedded ones. */
  omittedCount: number;
}

export interface SequenceDatagram {
  id: number;
  from: string;
  to: string;
  sentAtMs: number;
  sizeBytes: number;
  /** Arrival time, or null when it never arrived. */
  deliveredAtMs: number | null;
  /** When and why it was dropped (the rule), or null. */
  droppedAtMs: number | null;
  reason: string | null;
  duplicate: boolean;
  corrupted: boolean;
  /** "SEND_RELIABLE ch1 #48" per command, as in the trace. */
  commands: string[];
  /** Per command: its transmission count (1 = first time, 2 = first retransmission...). */
  transmissions: number[];
}

export interface ExpectationMark {
  label: string;
  kind: string;
  /** file:line:col of the expectation in the scenario. */
  position: string;
  passed: boolean;
  expected: string;
  observed: string;
  /** The panel it belongs on (a stat expectation on PEER_ROUND_TRIP_TIME → 'rtt'), or null for the timeline. */
  panel: PanelId | null;
  /** The peer key or link it is about, when it has one. */
  subject: string | null;
  /** The window it looked at, absolute ms. */
  fromMs: number;
  toMs: number;
  /** Its bounds in the panel's unit, when it has them. */
  min: number | null;
  max: number | null;
  /** The observed value and when, when it is one number at one time. */
  observedValue: number | null;
  observedAtMs: number | null;
}

export interface RunPageBounds {
  /** Points kept per series at most (min/max-preserving downsampling beyond it). */
  pointsPerSeriesMax: number;
  /** Datagrams embedded in the sequence diagram at most. */
  sequenceDatagramsMax: number;
  /** True when some series was downsampled. */
  downsampled: boolean;
  /** Peers (host->peer pairs) and link directions drawn in the panels at most; the rest appear only in the peer rows and the fates. */
  panelSubjectsMax: number;
  /** How many peers or link directions were left out of the panels by that bound. */
  panelSubjectsOmitted: number;
}
