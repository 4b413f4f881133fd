// A run's header: scenario, seed, pass/fail, which ENet, the command that reproduces it, the
// resolved settings, and the list of expectations (each one zooms the charts to its window).
import type { ExpectationMark, RunPageData } from '../run-page-data.js';
import { element, formatMs } from './format.js';
import { expectationColour } from './overlay.js';

export function renderHeader(parent: HTMLElement, run: RunPageData, zoomTo: (fromMs: number, toMs: number) => void): void {
  const { header } = run;
  const box = element('header', 'run-header');
  const title = element('h2', 'run-title');
  const verdict = header.passed === null ? 'NO EXPECTATIONS' : header.passed ? 'PASS' : 'FAIL';
  const badge = element('span', `badge ${header.passed === null ? 'badge-none' : header.passed ? 'badge-pass' : 'badge-fail'}`, verdict);
  badge.dataset['passed'] = String(header.passed);
  title.append(badge, ` ${header.scenario}`);
  box.append(title);

  const facts = element('dl', 'facts');
  const fact = (name: string, value: string, className?: string): void => {
    facts.append(element('dt', undefined, name), element('dd', className, value));
  };
  fact('file', header.file);
  fact('seed', header.seed);
  fact('ENet', header.implementation);
  fact('trace hash', header.traceHash, 'mono');
  fact('reproduce', header.reproduce, 'mono');
  box.append(facts);

  if (header.settings.length > 0) {
    const details = element('details', 'settings');
    details.append(element('summary', undefined, `Resolved settings (${header.settings.length})`));
    const list = element('pre', 'settings-list', header.settings.join('\n'));
    details.append(list);
    box.append(details);
  }
  if (run.expectations.length > 0) box.append(expectationBox(run.expectations, zoomTo));
  parent.append(box);
}

/** Expectations listed open at first; a longer list that all passed starts folded, so that the charts come first. */
const EXPECTATIONS_OPEN_MAX = 4;

function expectationBox(marks: ExpectationMark[], zoomTo: (fromMs: number, toMs: number) => void): HTMLElement {
  const failed = marks.filter((mark) => !mark.passed).length;
  const details = element('details', 'expectations-box');
  details.open = failed > 0 || marks.length <= EXPECTATIONS_OPEN_MAX;
  const verdict = failed > 0 ? `${failed} failed, ${marks.length - failed} passed` : marks.length === 1 ? 'it passed' : `all ${marks.length} passed`;
  details.append(element('summary', undefined, `Expectations (${marks.length}): ${verdict}`), expectationList(marks, zoomTo));
  return details;
}

function expectationList(marks: ExpectationMark[], zoomTo: (fromMs: number, toMs: number) => void): HTMLElement {
  const list = element('ol', 'expectations');
  const failed = marks.filter((mark) => !mark.passed).length;
  list.setAttribute('aria-label', `${marks.length} expectations, ${failed} failed`);
  for (const mark of marks) {
    const item = element('li', mark.passed ? 'expectation pass' : 'expectation fail');
    item.dataset['expectationPassed'] = String(mark.passed);
    item.dataset['expectationPanel'] = mark.panel ?? 'timeline';
    item.style.borderLeftColor = expectationColour(mark);
    const glyph = element('span', 'glyph', mark.passed ? '✓' : '✗');
    glyph.style.color = expectationColour(mark);
    const label = element('button', 'expectation-label', mark.label);
    label.type = 'button';
    label.title = `Zoom the charts to ${formatMs(mark.fromMs)}–${formatMs(mark.toMs)}`;
    label.addEventListener('click', () => {
      const padMs = Math.max(50, (mark.toMs - mark.fromMs) * 0.25);
      zoomTo(mark.fromMs - padMs, mark.toMs + padMs);
    });
    const detail = element('span', 'expectation-detail', `expected ${mark.expected}; observed ${mark.observed}`);
    if (!mark.passed) detail.style.color = expectationColour(mark);
    const where = element('span', 'position', `${mark.position} · ${mark.panel ?? 'timeline'} · ${formatMs(mark.fromMs)}–${formatMs(mark.toMs)}`);
    item.append(glyph, label, detail, where);
    list.append(item);
  }
  return list;
}
