// The time axis every chart of a run shares: one visible range, set by any chart (drag-select,
// Ctrl+wheel, shift-drag or sideways wheel, double-click) and applied to all of them, then announced to listeners (the
// sequence diagram, the range read-out, the test hooks).
import type uPlot from 'uplot';

/** The narrowest visible range, ms: below it a wheel zoom stops. */
const RANGE_MS_MIN = 1;
/** How much one wheel notch zooms in (its inverse zooms out). */
const WHEEL_ZOOM_FACTOR = 0.8;

export class SharedTimeAxis {
  private readonly charts: uPlot[] = [];
  private readonly listeners: ((minMs: number, maxMs: number) => void)[] = [];
  private applying = false;
  minMs: number;
  maxMs: number;

  constructor(
    readonly fullMinMs: number,
    readonly fullMaxMs: number,
  ) {
    this.minMs = fullMinMs;
    this.maxMs = fullMaxMs;
  }

  /** The uPlot hook that follows a chart's own zoom (drag-select) to every other chart. */
  readonly setScaleHook = (chart: uPlot, scaleKey: string): void => {
    if (scaleKey !== 'x' || this.applying) return;
    const { min, max } = chart.scales['x']!;
    if (min === undefined || max === undefined || min === null || max === null) return;
    this.set(min, max);
  };

  /** Adds a chart: it takes the current range, and wheel, shift-drag and double-click on it move every chart. */
  register(chart: uPlot, wrapper: HTMLElement): void {
    this.charts.push(chart);
    this.applyTo(chart);
    const over = chart.over;
    // Ctrl (or ⌘, or Alt) + wheel zooms about the cursor; a plain vertical wheel scrolls the page as
    // usual (the charts cover most of it), and a sideways wheel or trackpad swipe pans.
    over.addEventListener(
      'wheel',
      (event) => {
        const zoom = event.ctrlKey || event.metaKey || event.altKey;
        if (!zoom && Math.abs(event.deltaX) <= Math.abs(event.deltaY)) return;
        event.preventDefault();
        if (!zoom) {
          const shiftMs = (event.deltaX * (this.maxMs - this.minMs)) / Math.max(1, over.clientWidth);
          this.pan(this.minMs + shiftMs, this.maxMs + shiftMs);
          return;
        }
        const pivotMs = chart.posToVal(event.clientX - over.getBoundingClientRect().left, 'x');
        const factor = event.deltaY < 0 ? WHEEL_ZOOM_FACTOR : 1 / WHEEL_ZOOM_FACTOR;
        this.set(pivotMs - (pivotMs - this.minMs) * factor, pivotMs + (this.maxMs - pivotMs) * factor);
      },
      { passive: false },
    );
    // Shift-drag pans: caught on the wrapper before uPlot's own mousedown starts a selection.
    wrapper.addEventListener(
      'mousedown',
      (event) => {
        if (!event.shiftKey || !over.contains(event.target as Node)) return;
        event.stopPropagation();
        event.preventDefault();
        const startX = event.clientX;
        const startMin = this.minMs;
        const startMax = this.maxMs;
        const msPerPixel = (startMax - startMin) / Math.max(1, over.clientWidth);
        const move = (moveEvent: MouseEvent): void => {
          const shiftMs = (startX - moveEvent.clientX) * msPerPixel;
          this.pan(startMin + shiftMs, startMax + shiftMs);
        };
        const up = (): void => {
          window.removeEventListener('mousemove', move);
          window.removeEventListener('mouseup', up);
        };
        window.addEventListener('mousemove', move);
        window.addEventListener('mouseup', up);
      },
      true,
    );
    wrapper.addEventListener('dblclick', () => this.reset());
  }

  onChange(listener: (minMs: number, maxMs: number) => void): void {
    this.listeners.push(listener);
  }

  reset(): void {
    this.set(this.fullMinMs, this.fullMaxMs);
  }

  /** Shows [minMs, maxMs], clamped to the run and at least RANGE_MS_MIN wide. */
  set(minMs: number, maxMs: number): void {
    let min = Math.max(this.fullMinMs, Math.min(minMs, maxMs));
    let max = Math.min(this.fullMaxMs, Math.max(minMs, maxMs));
    if (max - min < RANGE_MS_MIN) {
      const centre = (min + max) / 2;
      min = Math.max(this.fullMinMs, centre - RANGE_MS_MIN / 2);
      max = Math.min(this.fullMaxMs, min + RANGE_MS_MIN);
    }
    this.apply(min, max);
  }

  /** Moves the range without changing its width, stopping at the run's ends. */
  private pan(minMs: number, maxMs: number): void {
    const width = maxMs - minMs;
    const min = Math.min(Math.max(this.fullMinMs, minMs), this.fullMaxMs - width);
    this.apply(min, min + width);
  }

  private apply(minMs: number, maxMs: number): void {
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.applying = true;
    try {
      for (const chart of this.charts) this.applyTo(chart);
    } finally {
      this.applying = false;
    }
    for (const listener of this.listeners) listener(minMs, maxMs);
  }

  private applyTo(chart: uPlot): void {
    chart.setScale('x', { min: this.minMs, max: this.maxMs });
  }
}
