// The sweep report's outputs: a terminal table, long-form CSV, JSON (enetsim-sweep/1) and Markdown.
import { Chalk } from 'chalk';
import Table from 'cli-table3';
import { formatValue, type MeasureResult, type SweepReport } from './report.js';

export { SWEEP_FORMATS, type SweepFormat } from './format-names.js';
import type { SweepFormat } from './format-names.js';

/** The index of the variant with the best mean per measure (ties: the first), or null when none has a value. */
function bestVariant(report: SweepReport, measureIndex: number): number | null {
  const better = report.measures[measureIndex]!.better;
  let best: number | null = null;
  report.variants.forEach((variant, index) => {
    const mean = variant.measures[measureIndex]!.mean;
    if (mean === null) return;
    const current = best === null ? null : report.variants[best]!.measures[measureIndex]!.mean!;
    if (current === null || (better === 'higher' ? mean > current : mean < current)) best = index;
  });
  return best;
}

function cell(result: MeasureResult): string {
  const spread = result.p5 !== null ? `p5–p95 ${formatValue(result.p5, result.unit)}–${formatValue(result.p95, result.unit)}` : `min–max ${formatValue(result.min, result.unit)}–${formatValue(result.max, result.unit)}`;
  const ci = result.ciLow !== null ? ` ±${formatValue((result.ciHigh! - result.ciLow) / 2, result.unit)}` : '';
  const never = result.missing > 0 ? `\nnever in ${result.missing} run${result.missing === 1 ? '' : 's'}` : '';
  return `${formatValue(result.mean, result.unit)}${ci} (n ${result.n})\nmedian ${formatValue(result.median, result.unit)}, ${spread}${never}`;
}

function versus(result: MeasureResult): string {
  const paired = result.vsBaseline;
  if (paired === null) return '';
  const ci = paired.ciLow !== null ? ` [${formatValue(paired.ciLow, result.unit, true)}, ${formatValue(paired.ciHigh, result.unit, true)}]` : '';
  return `${paired.verdict}: ${formatValue(paired.meanDifference, result.unit, true)}${ci}\n${paired.wins}/${paired.ties}/${paired.losses} w/t/l of ${paired.pairs} pairs`;
}

export function renderTable(report: SweepReport, color: boolean): string {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const paint = (verdict: string, text: string) => (verdict === 'better' ? chalk.green(text) : verdict === 'worse' ? chalk.red(text) : text);
  const lines = [`${chalk.bold(report.sweep)}`, `${report.scenario.name} (${report.scenario.file ?? 'inline scenario'}), ${report.variants.length} variants × ${report.seeds.length} seeds; mean ± 95% CI half-width (Student t); against the baseline: paired difference [95% CI], wins/ties/losses`];
  report.measures.forEach((measure, measureIndex) => {
    const best = bestVariant(report, measureIndex);
    const table = new Table({ head: ['variant', `${measure.name} (${measure.unit}, ${measure.better} is better)`, 'vs baseline'], style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
    report.variants.forEach((variant, index) => {
      const result = variant.measures[measureIndex]!;
      const text = cell(result);
      table.push([variant.label + (variant.baseline === null && report.variants.some((other) => other.baseline === variant.label) ? ' (baseline)' : ''), index === best ? chalk.bold(`★ ${text}`) : text, paint(result.vsBaseline?.verdict ?? '', versus(result))]);
    });
    lines.push(table.toString());
  });
  if (report.expectations.length > 0) {
    const table = new Table({ head: ['variant', ...report.expectations.map((_, index) => `E${index + 1}`)], style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
    for (const variant of report.variants) table.push([variant.label, ...variant.expectations.map((each) => `${each.passedCount}/${each.seedCount}`)]);
    lines.push("the scenario's expectations, seeds that passed:", table.toString(), ...report.expectations.map((label, index) => `  E${index + 1}: ${label}`));
  }
  for (const stopped of report.stopped) lines.push(chalk.red(`ERROR ${stopped}`));
  for (const requirement of report.requirements) lines.push(`${requirement.holds ? chalk.green('✓ holds') : chalk.red('✗ FAILS')}  ${requirement.requirement}: ${requirement.detail}`);
  const replay = report.runs.find((run) => run.replay !== null)?.replay;
  if (replay !== undefined && replay !== null) lines.push(`replay any run (--format csv or json give the command for each): ${replay}`);
  return `${lines.join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Long form: one row per variant × seed × measure. */
export function renderCsv(report: SweepReport): string {
  const axes = report.axes.map((axis) => axis.name);
  const rows = [['variant', ...axes, 'seed', 'measure', 'unit', 'value', 'status', 'replay'].map(csvField).join(',')];
  const keyOf = new Map(report.variants.map((variant) => [variant.label, variant.key]));
  for (const run of report.runs) {
    report.measures.forEach((measure, measureIndex) => {
      const value = run.values[measureIndex];
      const status = run.values.length === 0 ? 'stopped' : value === null ? 'never' : 'ok';
      const key = keyOf.get(run.variant)!;
      rows.push([run.variant, ...axes.map((axis) => key[axis] ?? ''), String(run.seed), measure.name, measure.unit, value === null || value === undefined ? '' : String(value), status, run.replay ?? ''].map(csvField).join(','));
    });
  }
  return `${rows.join('\n')}\n`;
}

export function renderJson(report: SweepReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}

export function renderMarkdown(report: SweepReport): string {
  const lines = [`### ${report.sweep}`, '', `${report.variants.length} variants × ${report.seeds.length} seeds of *${report.scenario.name}*. Mean ± 95 % CI half-width (Student t); against the baseline, the paired difference per seed with its 95 % CI and wins/ties/losses.`, ''];
  report.measures.forEach((measure, measureIndex) => {
    const best = bestVariant(report, measureIndex);
    lines.push(`**${measure.name}** (${measure.unit}, ${measure.better} is better)`, '', '| variant | mean ± CI (n) | median | spread | never | vs baseline |', '|---|---|---|---|---|---|');
    report.variants.forEach((variant, index) => {
      const result = variant.measures[measureIndex]!;
      const mean = `${formatValue(result.mean, result.unit)}${result.ciLow !== null ? ` ± ${formatValue((result.ciHigh! - result.ciLow) / 2, result.unit)}` : ''} (${result.n})`;
      const spread = result.p5 !== null ? `p5 ${formatValue(result.p5, result.unit)} – p95 ${formatValue(result.p95, result.unit)}` : `min ${formatValue(result.min, result.unit)} – max ${formatValue(result.max, result.unit)}`;
      const verdict = result.vsBaseline === null ? '' : `${result.vsBaseline.verdict === 'better' ? '✅' : result.vsBaseline.verdict === 'worse' ? '❌' : '➖'} ${versus(result)}`;
      lines.push(`| ${markdownCell(variant.label)} | ${index === best ? `**${mean}**` : mean} | ${formatValue(result.median, result.unit)} | ${spread} | ${result.missing} | ${markdownCell(verdict)} |`);
    });
    lines.push('');
  });
  if (report.requirements.length > 0) {
    lines.push('| requirement | holds | numbers |', '|---|---|---|');
    for (const requirement of report.requirements) lines.push(`| ${markdownCell(requirement.requirement)} | ${requirement.holds ? '✅' : '❌'} | ${markdownCell(requirement.detail)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

export function renderSweep(report: SweepReport, format: SweepFormat, color: boolean): string {
  switch (format) {
    case 'csv':
      return renderCsv(report);
    case 'json':
      return renderJson(report);
    case 'markdown':
      return renderMarkdown(report);
    default:
      return renderTable(report, color);
  }
}
