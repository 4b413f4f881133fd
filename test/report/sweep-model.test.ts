// The sweep report's page data from a hand-made report: the numbers the text report prints, one
// estimate per variant, differences only where there is a baseline, the heatmap of a two-axis grid,
// and the curves' median and band checked against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { CURVE_VALUES_MAX, medianAndBand, medianOfSorted, nearestRank, seedsText, sweepPageModel, VARIANT_COLORS, type MeasureResultInput, type SweepModelInput, type SweepReportInput } from '../../src/report/sweep-model.js';

function result(mean: number | null, vsBaseline: MeasureResultInput['vsBaseline'] = null): MeasureResultInput {
  return { measure: 'delivered', unit: 'ratio', n: mean === null ? 0 : 3, missing: mean === null ? 3 : 0, mean, median: mean, ciLow: mean === null ? null : mean - 0.1, ciHigh: mean === null ? null : mean + 0.1, vsBaseline };
}

const paired = (meanDifference: number): NonNullable<MeasureResultInput['vsBaseline']> => ({
  baseline: 'size=small net=clean',
  pairs: 3,
  meanDifference,
  ciLow: meanDifference - 0.05,
  ciHigh: meanDifference + 0.05,
  wins: 3,
  ties: 0,
  losses: 0,
  verdict: 'better',
});

/** size × net, with size=large net=lossy left out of the grid. */
function report(): SweepReportInput {
  return {
    sweep: 'hand-made',
    sweepFile: 'sweeps/hand.yaml',
    scenario: { file: 'scenarios/hand.yaml', name: 'hand' },
    seeds: [1, 2, 3],
    axes: [
      { name: 'size', values: ['small', 'large'] },
      { name: 'net', values: ['clean', 'lossy'] },
    ],
    measures: [{ name: 'delivered', unit: 'ratio', better: 'higher' }],
    weather: null,
    variants: [
      { label: 'size=small net=clean', key: { size: 'small', net: 'clean' }, baseline: null, measures: [result(0.9)] },
      { label: 'size=small net=lossy', key: { size: 'small', net: 'lossy' }, baseline: 'size=small net=clean', measures: [result(0.7, paired(-0.2))] },
      { label: 'size=large net=clean', key: { size: 'large', net: 'clean' }, baseline: 'size=small net=clean', measures: [result(null, { ...paired(0), meanDifference: null, ciLow: null, ciHigh: null, pairs: 0, verdict: 'too few pairs' })] },
    ],
    requirements: [],
    stopped: [],
    passed: true,
  };
}

const format: SweepModelInput['formatValue'] = (value, _unit, signed = false) => (value === null ? '–' : `${signed && value > 0 ? '+' : ''}${value.toFixed(3)}`);

describe('sweep page model', () => {
  it('one estimate per variant with the report’s mean and interval, and its printed text', () => {
    const data = sweepPageModel({ report: report(), curves: null, reproduce: 'enetsim sweep sweeps/hand.yaml', formatValue: format });
    expect(data.format).toBe('enetsim-sweep-report/1');
    expect(data.header).toMatchObject({ title: 'hand-made', seedsText: '1..3', reproduce: 'enetsim sweep sweeps/hand.yaml', passed: true });
    const [measure] = data.measures;
    expect(measure!.estimates.map((estimate) => [estimate.variant, estimate.mean, estimate.ciLow, estimate.ciHigh])).toEqual([
      ['size=small net=clean', 0.9, 0.8, 1.0],
      ['size=small net=lossy', 0.7, 0.7 - 0.1, 0.7 + 0.1],
      ['size=large net=clean', null, null, null],
    ]);
    expect(measure!.estimates[1]!.text).toBe('0.700 [0.600, 0.800] (n 3)');
    expect(measure!.estimates[2]!.text).toBe('– (n 0, never in 3)');
    expect(data.variants.map((variant) => variant.color)).toEqual(VARIANT_COLORS.slice(0, 3));
  });

  it('paired differences only for variants with a baseline, with the verdict in the text', () => {
    const [measure] = sweepPageModel({ report: report(), curves: null, reproduce: '', formatValue: format }).measures;
    expect(measure!.differences.map((difference) => [difference.variant, difference.meanDifference, difference.verdict])).toEqual([
      ['size=small net=lossy', -0.2, 'better'],
      ['size=large net=clean', null, 'too few pairs'],
    ]);
    expect(measure!.differences[0]!.text).toBe('better: -0.200 [-0.250, -0.150], 3/0/0 w/t/l of 3 pairs');
  });

  it('a two-axis grid gets a heatmap: axis 1 rows × axis 2 columns, a left-out combination an empty cell', () => {
    const heatmap = sweepPageModel({ report: report(), curves: null, reproduce: '', formatValue: format }).measures[0]!.heatmap!;
    expect(heatmap).toMatchObject({ rowAxis: 'size', columnAxis: 'net', rows: ['small', 'large'], columns: ['clean', 'lossy'] });
    expect(heatmap.cells).toEqual([
      [0.9, 0.7],
      [null, null],
    ]);
    expect(heatmap.texts).toEqual([
      ['0.900', '0.700'],
      ['–', '–'],
    ]);
  });

  it('one axis: no heatmap', () => {
    const oneAxis = { ...report(), axes: [{ name: 'size', values: ['small', 'large'] }] };
    expect(sweepPageModel({ report: oneAxis, curves: null, reproduce: '', formatValue: format }).measures[0]!.heatmap).toBeNull();
  });

  it('median of an odd and an even count, and nearest-rank percentiles', () => {
    expect(medianOfSorted([1, 5, 9])).toBe(5);
    expect(medianOfSorted([1, 5, 9, 11])).toBe(7);
    // 10 values: p10 is the 1st smallest, p90 the 9th.
    const ten = [3, 4, 8, 10, 12, 15, 16, 20, 25, 30];
    expect(nearestRank(ten, 10)).toBe(3);
    expect(nearestRank(ten, 90)).toBe(25);
    // 20 values: p10 the 2nd, p90 the 18th.
    const twenty = Array.from({ length: 20 }, (_, index) => index + 1);
    expect([nearestRank(twenty, 10), nearestRank(twenty, 90)]).toEqual([2, 18]);
  });

  it('median and band per instant over the seeds, skipping a seed with no sample yet', () => {
    const seeds = [
      [null, 32, 20, 10],
      [null, 30, 24, 12],
      [null, null, 16, 14],
      [null, 28, 12, 16],
    ];
    expect(medianAndBand(seeds, 4)).toEqual({
      median: [null, 30, 18, 13],
      // 3 values: p10 = 1st, p90 = ⌈2.7⌉ = 3rd; 4 values: p10 = 1st, p90 = ⌈3.6⌉ = 4th.
      low: [null, 28, 12, 10],
      high: [null, 32, 24, 16],
    });
  });

  it('curves: per variant the median over its seeds on the coarsest grid, whatever order the runs come in', () => {
    const curve = (throttle: (number | null)[], gridMs = 100) => ({ subject: 'client->server', gridMs, throttle, rttMs: throttle.map((value) => (value === null ? null : value * 10)) });
    const runs: NonNullable<SweepModelInput['curves']> = [
      { variantIndex: 1, seed: 2, curve: curve([32, 20, 10]) },
      { variantIndex: 0, seed: 1, curve: curve([32, 32, 32]) },
      { variantIndex: 1, seed: 1, curve: curve([32, 10, 8]) },
      { variantIndex: 0, seed: 2, curve: curve([32, 30, 28]) },
      { variantIndex: 0, seed: 3, curve: curve([32, 31, 30]) },
      { variantIndex: 1, seed: 3, curve: curve([32, 16, 12]) },
      // A stopped run: no curve.
      { variantIndex: 2, seed: 1, curve: null },
    ];
    const curves = sweepPageModel({ report: report(), curves: runs, reproduce: '', formatValue: format }).curves!;
    expect(curves.subject).toBe('client->server');
    expect(curves.timesMs).toEqual([0, 100, 200]);
    const [throttle, rtt] = curves.panels;
    expect(throttle!.statistic).toBe('PEER_PACKET_THROTTLE');
    expect(throttle!.series.map((series) => series.median)).toEqual([
      [32, 31, 30],
      [32, 16, 10],
      [null, null, null],
    ]);
    expect(throttle!.series[1]!.low).toEqual([32, 10, 8]);
    expect(throttle!.series[1]!.high).toEqual([32, 20, 12]);
    expect(rtt!.series[0]!.median).toEqual([320, 310, 300]);
    const shuffled = sweepPageModel({ report: report(), curves: [...runs].reverse(), reproduce: '', formatValue: format }).curves;
    expect(shuffled).toEqual(curves);
  });

  it('curves of runs on different grids meet on the coarsest one', () => {
    const runs: NonNullable<SweepModelInput['curves']> = [
      { variantIndex: 0, seed: 1, curve: { subject: 'a->b', gridMs: 100, throttle: [1, 2, 3, 4, 5], rttMs: [1, 2, 3, 4, 5] } },
      { variantIndex: 0, seed: 2, curve: { subject: 'a->b', gridMs: 200, throttle: [7, 7, 7], rttMs: [7, 7, 7] } },
    ];
    const curves = sweepPageModel({ report: report(), curves: runs, reproduce: '', formatValue: format }).curves!;
    expect(curves.gridMs).toBe(200);
    expect(curves.timesMs).toEqual([0, 200, 400]);
    // Seed 1 at 0, 200, 400 ms is 1, 3, 5; the median with seed 2's 7 is their mean.
    expect(curves.panels[0]!.series[0]!.median).toEqual([4, 5, 6]);
  });

  it('many variants: the curves keep every k-th instant so the page stays within CURVE_VALUES_MAX numbers', () => {
    const variantCount = 40;
    const many: SweepReportInput = {
      ...report(),
      axes: [{ name: 'v', values: Array.from({ length: variantCount }, (_, index) => String(index)) }],
      variants: Array.from({ length: variantCount }, (_, index) => ({ label: `v=${index}`, key: { v: String(index) }, baseline: null, measures: [result(0.5)] })),
    };
    const instants = 400;
    const series = Array.from({ length: instants }, (_, index) => index);
    const runs = many.variants.map((_, variantIndex) => ({ variantIndex, seed: 1, curve: { subject: 'a->b', gridMs: 100, throttle: series, rttMs: series } }));
    const curves = sweepPageModel({ report: many, curves: runs, reproduce: '', formatValue: format }).curves!;
    // 40 × 400 × 6 = 96 000 numbers: every 2nd instant.
    expect(curves.gridMs).toBe(200);
    expect(curves.timesMs).toHaveLength(200);
    expect(curves.panels[0]!.series[0]!.median.slice(0, 3)).toEqual([0, 2, 4]);
    expect(variantCount * curves.timesMs.length * 6).toBeLessThanOrEqual(CURVE_VALUES_MAX);
  });

  it('seeds print as a range when consecutive, else as a list', () => {
    expect(seedsText([1, 2, 3, 4])).toBe('1..4');
    expect(seedsText([3, 17, 42])).toBe('3, 17, 42');
    expect(seedsText([5])).toBe('5');
  });
});
