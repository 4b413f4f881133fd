// One floating tooltip for the whole page: charts show what sits under the cursor in it.
import { element } from './format.js';

let tooltip: HTMLDivElement | null = null;

function tooltipElement(): HTMLDivElement {
  if (tooltip === null) {
    tooltip = element('div', 'tooltip');
    tooltip.setAttribute('role', 'tooltip');
    document.body.append(tooltip);
  }
  return tooltip;
}

/** Shows `lines` near the page point (clientX, clientY), kept inside the window; no lines hides it. */
export function showTooltip(lines: string[], clientX: number, clientY: number): void {
  const box = tooltipElement();
  if (lines.length === 0) {
    box.style.display = 'none';
    return;
  }
  box.replaceChildren(...lines.map((line) => element('div', undefined, line)));
  box.style.display = 'block';
  const width = box.offsetWidth;
  const height = box.offsetHeight;
  const x = clientX + 14 + width > window.innerWidth ? clientX - 14 - width : clientX + 14;
  const y = clientY + 14 + height > window.innerHeight ? clientY - 14 - height : clientY + 14;
  box.style.left = `${Math.max(4, x)}px`;
  box.style.top = `${Math.max(4, y)}px`;
}

export function hideTooltip(): void {
  if (tooltip !== null) tooltip.style.display = 'none';
}
