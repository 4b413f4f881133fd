// The terminal line chart of `run --plot`: braille dots placed where the values are, a spike between
// two columns still drawn, labels with the unit, a time axis in seconds, colour only when asked.
import { describe, expect, it } from 'vitest';
import { formatAxisNumber, PLOT_COLUMNS_MAX, plotSeries, type PlotPoint } from '../../src/report/terminal-plot.js';

describe('terminal plot', () => {
  it('plot: a step from 10 to 0 at half time, on 4 columns × 2 rows, is drawn dot for dot', () => {
    const chart = plotSeries({ title: 'STEP a->b', unit: 'ms', points: [{ atMs: 0, value: 10 }, { atMs: 500, value: 0 }] }, { startMs: 0, endMs: 1000, columns: 4, rows: 2 });
    expect(chart).toBe(['STEP a->b', '10ms ┤⠉⠉⡇', ' 0ms ┤  ⣇⣀', '     └┬───', '      0s', ''].join('\n'));
  });

  it('plot: a constant series is one line along the top row, labelled with its value and 0', () => {
    const points = Array.from({ length: 50 }, (_, index) => ({ atMs: index * 100, value: 32 }));
    const lines = plotSeries({ title: 'PEER_PACKET_THROTTLE client->server', unit: '/32', points }, { startMs: 0, endMs: 5000 }).split('\n');
    expect(lines[0]).toBe('PEER_PACKET_THROTTLE client->server');
    expect(lines[1]).toMatch(/^32\/32 ┤⠉{60}$/);
    expect(lines[8]).toBe(' 0/32 ┤');
    for (const line of lines.slice(2, 8)) expect(line).toMatch(/^[ \d/]+[│┤]$/);
  });

  it('plot: eight rows, a middle label rounded to the range, and a time axis in seconds', () => {
    const points: PlotPoint[] = Array.from({ length: 141 }, (_, index) => ({ atMs: index * 100, value: index < 60 ? 32 : 6 }));
    const lines = plotSeries({ title: 't', unit: '/32', points }, { startMs: 0, endMs: 14_000 }).trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 8 + 2);
    expect(lines.filter((line) => line.includes('┤')).map((line) => line.split('┤')[0]!.trim())).toEqual(['32/32', '18/32', '0/32']);
    expect(lines.at(-1)!.trim().split(/ +/)).toEqual(['0s', '5s', '10s']);
    // 6 of 32 is dot row round(26/32 × 31) = 25, in the seventh character row.
    expect(lines[7]).toMatch(/[⠀-⣿]/);
    expect(lines[8]).toMatch(/┤$/);
  });

  it('plot: a spike shorter than one column is still drawn', () => {
    const points = [{ atMs: 0, value: 0 }, { atMs: 5010, value: 100 }, { atMs: 5020, value: 0 }, { atMs: 10_000, value: 0 }];
    const lines = plotSeries({ title: 'spike', unit: '', points }, { startMs: 0, endMs: 10_000 }).split('\n');
    expect(lines[1]).toMatch(/^100 ┤ +[⠀-⣿]$/);
  });

  it('plot: a series without points says so', () => {
    expect(plotSeries({ title: 'none', unit: 'ms', points: [] })).toBe('none\n  no values\n');
  });

  it('plot: colour only when asked, and the same data gives the same text', () => {
    const series = { title: 'c', unit: 'ms', points: [{ atMs: 0, value: 1 }, { atMs: 1000, value: 3 }] };
    expect(plotSeries(series)).not.toContain('\u001b[');
    expect(plotSeries(series, { color: true })).toContain('\u001b[36m');
    expect(plotSeries(series)).toBe(plotSeries(series));
  });

  it('plot: the size asked for is bounded', () => {
    const lines = plotSeries({ title: 'wide', unit: '', points: [{ atMs: 0, value: 1 }, { atMs: 1000, value: 1 }] }, { columns: 1_000_000, rows: 1_000_000 }).split('\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(PLOT_COLUMNS_MAX + 20);
    expect(lines.length).toBeLessThan(110);
  });

  it('formatAxisNumber: at most three decimals, no exponent, no negative zero', () => {
    expect(formatAxisNumber(18.0654)).toBe('18.065');
    expect(formatAxisNumber(-0)).toBe('0');
    expect(formatAxisNumber(1_000_000)).toBe('1000000');
  });
});
