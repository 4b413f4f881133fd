// A panel with several peers (or link directions): its legend gets a line per peer, each series
// named without the peer's prefix, and a row of radio buttons above the chart emphasises one peer's
// series and mutes the others' (every series stays drawn; a legend click still hides one).
import type uPlot from 'uplot';
import { element } from './format.js';

/** The series (uPlot indexes, 1-based) of one peer or link direction. */
export interface SubjectGroup {
  subject: string;
  seriesIndexes: number[];
}

/** How strongly the series of the peers not emphasised are drawn. */
const MUTED_ALPHA = 0.22;
const MUTED_LEGEND_OPACITY = '0.5';

/** Radio groups made so far on the page: each control's inputs get a name of their own. */
let controlsMade = 0;

/** With more than one subject: groups the legend by subject and adds the emphasis control before the chart; onChange hears each emphasis (null: all equally). */
export function addPeerFocus(chart: uPlot, wrapper: HTMLElement, groups: SubjectGroup[], initial: string | null, onChange: (emphasis: string | null) => void): void {
  if (groups.length < 2) return;
  const rows = [...chart.root.querySelectorAll<HTMLTableRowElement>('.u-legend tr.u-series')];
  groups.forEach((group, groupIndex) => {
    const first = rows[group.seriesIndexes[0]!];
    if (first === undefined) return;
    const heading = document.createElement('tr');
    heading.className = 'legend-group';
    heading.dataset['subject'] = group.subject;
    heading.append(element('th', undefined, group.subject));
    first.before(heading);
    // The first peer's line starts beside the time; each other peer starts a line of its own.
    if (groupIndex > 0) {
      const lineBreak = document.createElement('tr');
      lineBreak.className = 'legend-break';
      heading.before(lineBreak);
    }
    for (const index of group.seriesIndexes) {
      const label = rows[index]?.querySelector('.u-label');
      if (label?.textContent?.startsWith(`${group.subject} `)) label.textContent = label.textContent.slice(group.subject.length + 1);
    }
  });

  const control = element('div', 'peer-focus');
  control.append(element('span', 'peer-focus-title', 'Emphasise:'));
  controlsMade += 1;
  const name = `emphasis-${controlsMade}`;
  const choices: (string | null)[] = [null, ...groups.map((group) => group.subject)];
  const apply = (emphasis: string | null): void => {
    for (const group of groups) {
      const muted = emphasis !== null && group.subject !== emphasis;
      for (const index of group.seriesIndexes) {
        chart.series[index]!.alpha = muted ? MUTED_ALPHA : 1;
        const row = rows[index];
        if (row !== undefined) row.style.opacity = muted ? MUTED_LEGEND_OPACITY : '';
      }
      const heading = chart.root.querySelector<HTMLElement>(`.legend-group[data-subject="${CSS.escape(group.subject)}"]`);
      if (heading !== null) heading.style.opacity = muted ? MUTED_LEGEND_OPACITY : '';
    }
    wrapper.dataset['emphasis'] = emphasis ?? '';
    chart.redraw(false, false);
    onChange(emphasis);
  };
  for (const choice of choices) {
    const label = element('label', 'peer-focus-choice');
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = name;
    input.value = choice ?? '';
    input.checked = choice === initial;
    input.addEventListener('change', () => input.checked && apply(choice));
    label.append(input, choice ?? 'all equally');
    control.append(label);
  }
  chart.root.before(control);
  apply(initial);
}
