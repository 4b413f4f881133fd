// The packet sequence diagram: a vertical lifeline per host, time running down, an arrow per
// datagram from its sending to its arrival, labelled with its commands. Dropped datagrams end
// half-way with ✕ and the rule; retransmitted commands carry ×2, ×3...; stretches with no
// datagram are collapsed to a break mark. It follows the charts' zoom when the zoomed range lies
// inside the embedded datagrams; otherwise it shows the default window and says how to follow.
import type { SequenceDatagram, SequenceWindow } from '../run-page-data.js';
import type { SequenceSummary } from '../run-page-hooks.js';
import { element, formatMs } from './format.js';
import { hostColour } from './palette.js';

/** Arrows drawn at most; beyond it the diagram shows the first ones and asks to zoom in. */
export const SEQUENCE_ARROWS_MAX = 300;
/** A stretch without datagram events longer than this is collapsed to a break mark. */
const IDLE_GAP_MS = 120;
const IDLE_GAP_PX = 30;
const PX_PER_MS = 1.2;
/** Vertical room for one arrow's label. */
const LABEL_ROW_PX = 17;
const HEADER_PX = 34;
const GUTTER_PX = 74;
/** Space between the outer lanes and the diagram's edges (room for the drop labels of a leftward arrow). */
const LANE_MARGIN_PX = 90;
const DROP_COLOUR = '#D55E00';
const RETRANSMISSION_COLOUR = '#9a3412';
/** The advance of one character of the labels' 11.5 px monospace font (0.6 em). */
const MONOSPACE_ADVANCE_PX = 6.9;
const SVG_NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function endOf(datagram: SequenceDatagram): number {
  return datagram.deliveredAtMs ?? datagram.droppedAtMs ?? datagram.sentAtMs;
}

/** One y per event (a sending, an arrival or drop), monotone in time, with gaps collapsed and room for labels. */
function layOut(datagrams: SequenceDatagram[]): { sentY: number[]; endY: number[]; gaps: { y: number; ms: number }[]; height: number } {
  const events: { atMs: number; index: number; isSend: boolean }[] = [];
  datagrams.forEach((datagram, index) => {
    events.push({ atMs: datagram.sentAtMs, index, isSend: true });
    events.push({ atMs: endOf(datagram), index, isSend: false });
  });
  // Ends before sendings at the same instant, then in datagram order: a stable layout.
  events.sort((a, b) => a.atMs - b.atMs || Number(a.isSend) - Number(b.isSend) || a.index - b.index);
  const sentY = new Array<number>(datagrams.length).fill(0);
  const endY = new Array<number>(datagrams.length).fill(0);
  const gaps: { y: number; ms: number }[] = [];
  let y = HEADER_PX + LABEL_ROW_PX;
  let lastMs = events[0]?.atMs ?? 0;
  let lastSendY = -Infinity;
  for (const event of events) {
    const elapsedMs = event.atMs - lastMs;
    if (elapsedMs > IDLE_GAP_MS) {
      gaps.push({ y: y + IDLE_GAP_PX / 2, ms: elapsedMs });
      y += IDLE_GAP_PX;
    } else y += elapsedMs * PX_PER_MS;
    if (event.isSend) {
      y = Math.max(y, lastSendY + LABEL_ROW_PX);
      lastSendY = y;
      sentY[event.index] = y;
    } else endY[event.index] = y;
    lastMs = event.atMs;
  }
  return { sentY, endY, gaps, height: y + LABEL_ROW_PX };
}

function commandLabel(datagram: SequenceDatagram, maxChars: number): string {
  const names = datagram.commands;
  if (names.length === 0) return `${datagram.sizeBytes} B`;
  let text = names[0]!;
  let shown = 1;
  while (shown < names.length && `${text}, ${names[shown]!}`.length + 8 <= maxChars) text = `${text}, ${names[shown++]!}`;
  if (shown < names.length) text = `${text} +${names.length - shown}`;
  return text.length > maxChars ? `${text.slice(0, Math.max(4, maxChars - 1))}…` : text;
}

/** Commands whose `#N` is not a number of their own (see SEQUENCE_NUMBER_NOTE). */
const UNRELIABLE_COMMAND = /^SEND_UNRELIABLE|^SEND_UNSEQUENCED/;
const SEQUENCE_NUMBER_NOTE =
  '#N is the reliable sequence number in the command\'s header: an unreliable command carries that of the last reliable command sent on its channel (#0 when none), an unsequenced one always #0.';

function datagramTitle(datagram: SequenceDatagram): string {
  const fate =
    datagram.droppedAtMs !== null
      ? `dropped at ${formatMs(datagram.droppedAtMs)} by ${datagram.reason ?? 'the link'}`
      : datagram.deliveredAtMs !== null
        ? `delivered at ${formatMs(datagram.deliveredAtMs)} (after ${formatMs(datagram.deliveredAtMs - datagram.sentAtMs)})${datagram.duplicate ? ', and again as a duplicate' : ''}`
        : 'not delivered by the end of the trace';
  const commands = datagram.commands.map((command, index) => {
    const count = datagram.transmissions[index] ?? 1;
    return count > 1 ? `  ${command} (transmission ${count})` : `  ${command}`;
  });
  const unreliable = datagram.commands.some((command) => UNRELIABLE_COMMAND.test(command));
  return [
    `datagram #${datagram.id} ${datagram.from} → ${datagram.to}, ${datagram.sizeBytes} B${datagram.corrupted ? ', corrupted' : ''}`,
    `sent at ${formatMs(datagram.sentAtMs)}, ${fate}`,
    ...commands,
    ...(unreliable ? [SEQUENCE_NUMBER_NOTE] : []),
  ].join('\n');
}

export class SequenceDiagram {
  private readonly status = element('p', 'sequence-status');
  private readonly scroller = element('div', 'sequence-scroll');
  summary: SequenceSummary;

  constructor(
    parent: HTMLElement,
    private readonly sequence: SequenceWindow,
    private readonly zoomTo: (fromMs: number, toMs: number) => void,
    private readonly widthPx: () => number,
  ) {
    const section = element('div', 'sequence');
    section.dataset['panel'] = 'sequence';
    const note = element('p', 'notice sequence-note', `Each command reads NAME chC #N. ${SEQUENCE_NUMBER_NOTE} ×2, ×3… mark a command's retransmissions.`);
    section.append(element('h3', 'chart-title', 'Datagrams (sequence diagram)'), this.status, this.scroller, note);
    parent.append(section);
    this.summary = { fromMs: sequence.fromMs, toMs: sequence.toMs, followsZoom: false, arrows: 0, dropped: 0, retransmissions: 0, collapsedGaps: 0 };
  }

  /** Redraws for the charts' visible range. */
  update(minMs: number, maxMs: number): void {
    const { fromMs, toMs } = this.sequence;
    const inside = minMs >= fromMs && maxMs <= toMs;
    const shownFrom = inside ? minMs : fromMs;
    const shownTo = inside ? maxMs : toMs;
    const inWindow = this.sequence.datagrams.filter((datagram) => datagram.sentAtMs <= shownTo && endOf(datagram) >= shownFrom);
    const drawn = inWindow.slice(0, SEQUENCE_ARROWS_MAX);
    this.status.replaceChildren();
    const what = `${drawn.length} datagram${drawn.length === 1 ? '' : 's'} from ${formatMs(shownFrom)} to ${formatMs(shownTo)}`;
    if (inside) this.status.append(`Showing ${what}, the charts' zoomed range.`);
    else {
      this.status.append(`Showing ${what} (${this.sequence.chosenBy}). Zoom the charts into this window to make the diagram follow them. `);
      const button = element('button', 'link-button', 'Zoom the charts to this window');
      button.type = 'button';
      button.addEventListener('click', () => this.zoomTo(fromMs, toMs));
      this.status.append(button);
    }
    if (inWindow.length > drawn.length) this.status.append(` Only the first ${SEQUENCE_ARROWS_MAX} of ${inWindow.length} are drawn: zoom in to see the rest.`);
    if (this.sequence.omittedCount > 0) this.status.append(` (${this.sequence.omittedCount} datagrams of the run lie outside the embedded window.)`);
    this.draw(drawn);
    this.summary = {
      fromMs: shownFrom,
      toMs: shownTo,
      followsZoom: inside,
      arrows: drawn.length,
      dropped: drawn.filter((datagram) => datagram.droppedAtMs !== null).length,
      retransmissions: drawn.filter((datagram) => datagram.transmissions.some((count) => count > 1)).length,
      collapsedGaps: this.summary.collapsedGaps,
    };
  }

  private draw(datagrams: SequenceDatagram[]): void {
    const hosts = this.sequence.hosts;
    // The scroller's inner width (its scrollbar gutter is reserved), so that the diagram never scrolls sideways.
    const width = Math.max(420, this.scroller.clientWidth > 0 ? this.scroller.clientWidth : this.widthPx());
    // Lanes spread from just right of the time gutter to near the right edge: long arrows leave room for labels.
    const laneStep = hosts.length > 1 ? (width - GUTTER_PX - 2 * LANE_MARGIN_PX) / (hosts.length - 1) : 0;
    const laneX = new Map(hosts.map((host, index) => [host, hosts.length > 1 ? GUTTER_PX + LANE_MARGIN_PX + laneStep * index : (GUTTER_PX + width) / 2]));
    const colourOf = new Map(hosts.map((host, index) => [host, hostColour(index)]));
    const layout = layOut(datagrams);
    this.summary.collapsedGaps = layout.gaps.length;
    const root = svg('svg', { width, height: layout.height, viewBox: `0 0 ${width} ${layout.height}`, class: 'sequence-svg', role: 'img' });
    root.append(svg('title', {}, `Sequence diagram of ${datagrams.length} datagrams`));
    for (const host of hosts) {
      const x = laneX.get(host)!;
      root.append(svg('line', { x1: x, y1: HEADER_PX - 6, x2: x, y2: layout.height, stroke: '#8c959f', 'stroke-width': 1.5 }));
      root.append(svg('text', { x, y: 18, 'text-anchor': 'middle', class: 'lane-name' }, host));
    }
    for (const gap of layout.gaps) {
      root.append(svg('rect', { x: GUTTER_PX - 6, y: gap.y - 7, width: width - GUTTER_PX + 6, height: 14, fill: '#f6f8fa' }));
      const zigzag = hosts.map((host) => {
        const x = laneX.get(host)!;
        return `M${x - 7},${gap.y - 3} L${x + 7},${gap.y - 7} M${x - 7},${gap.y + 7} L${x + 7},${gap.y + 3}`;
      });
      root.append(svg('path', { d: zigzag.join(' '), stroke: '#57606a', 'stroke-width': 1.5, fill: 'none' }));
      root.append(svg('text', { x: GUTTER_PX + 4, y: gap.y + 4, class: 'gap-label' }, `${formatMs(gap.ms)} without datagrams`));
    }
    // Command labels go on a layer above every arrow, so that no later arrow crosses them out.
    const labelLayer = svg('g', { class: 'labels' });
    let lastTimeLabelY = -Infinity;
    datagrams.forEach((datagram, index) => {
      const fromX = laneX.get(datagram.from);
      const toX = laneX.get(datagram.to);
      if (fromX === undefined || toX === undefined) return;
      const y0 = layout.sentY[index]!;
      const y1 = layout.endY[index]!;
      const dropped = datagram.droppedAtMs !== null;
      const lost = dropped || datagram.deliveredAtMs === null;
      const endX = lost ? fromX + (toX - fromX) * 0.55 : toX;
      const colour = dropped ? DROP_COLOUR : colourOf.get(datagram.from)!;
      const group = svg('g', { class: 'datagram', 'data-datagram-id': datagram.id, 'data-fate': dropped ? 'dropped' : datagram.deliveredAtMs === null ? 'undelivered' : 'delivered' });
      group.append(svg('title', {}, datagramTitle(datagram)));
      if (y0 - lastTimeLabelY >= LABEL_ROW_PX - 1) {
        group.append(svg('text', { x: GUTTER_PX - 10, y: y0 + 4, 'text-anchor': 'end', class: 'time-label' }, formatMs(datagram.sentAtMs)));
        lastTimeLabelY = y0;
      }
      group.append(svg('line', { x1: fromX, y1: y0, x2: endX, y2: y1, stroke: colour, 'stroke-width': 1.5, 'stroke-dasharray': lost && !dropped ? '4 3' : 'none' }));
      if (lost) {
        const size = 5;
        group.append(svg('path', { d: `M${endX - size},${y1 - size} L${endX + size},${y1 + size} M${endX - size},${y1 + size} L${endX + size},${y1 - size}`, stroke: DROP_COLOUR, 'stroke-width': 2.5 }));
        const ruleX = endX + (toX > fromX ? 9 : -9);
        group.append(svg('text', { x: ruleX, y: y1 + 4, 'text-anchor': toX > fromX ? 'start' : 'end', class: 'drop-label' }, dropped ? (datagram.reason ?? 'dropped') : 'never arrived'));
      } else {
        const angle = Math.atan2(y1 - y0, endX - fromX);
        const head = 8;
        const points = [
          [endX, y1],
          [endX - head * Math.cos(angle - 0.4), y1 - head * Math.sin(angle - 0.4)],
          [endX - head * Math.cos(angle + 0.4), y1 - head * Math.sin(angle + 0.4)],
        ];
        group.append(svg('polygon', { points: points.map((point) => point.join(',')).join(' '), fill: colour }));
      }
      const rightwards = toX > fromX;
      const maxChars = Math.floor((Math.abs(toX - fromX) - 40) / 6.6);
      const label = svg('text', { x: fromX + (rightwards ? 8 : -8), y: y0 - 4, 'text-anchor': rightwards ? 'start' : 'end', class: 'command-label' });
      const retransmission = Math.max(1, ...datagram.transmissions);
      const tags = [retransmission > 1 ? `×${retransmission}` : '', datagram.duplicate ? 'dup' : '', datagram.corrupted ? 'corrupted' : ''].filter((tag) => tag !== '');
      const commandText = commandLabel(datagram, maxChars - tags.join(' ').length);
      const tagText = tags.length > 0 ? ` ${tags.join(' ')}` : '';
      label.append(svg('tspan', {}, commandText));
      if (tagText !== '') label.append(svg('tspan', { class: 'retransmission', fill: RETRANSMISSION_COLOUR }, tagText));
      // A light backing (its width estimated from the monospace advance) so that crossing arrows do not strike the label through.
      const labelWidth = (commandText.length + tagText.length) * MONOSPACE_ADVANCE_PX + 4;
      const labelX = fromX + (rightwards ? 6 : -6 - labelWidth);
      const backing = svg('rect', { x: labelX, y: y0 - 15, width: labelWidth, height: 13, fill: '#ffffff', 'fill-opacity': 0.85 });
      const labelGroup = svg('g', { class: 'datagram-label', 'data-datagram-id': datagram.id });
      labelGroup.append(svg('title', {}, datagramTitle(datagram)), backing, label);
      labelLayer.append(labelGroup);
      if (retransmission > 1) group.dataset['transmission'] = String(retransmission);
      root.append(group);
    });
    root.append(labelLayer);
    this.scroller.replaceChildren(root);
  }
}
