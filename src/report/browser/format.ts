// Number and time formatting for the page: fixed rules, no locale, so every browser prints the same text.

/** A number with at most `decimals` decimals, trailing zeros removed ("42", "3.5", "0.125"). */
export function formatNumber(value: number, decimals = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** An instant or duration: "250 ms" below a second, "5.512 s" from a second on. */
export function formatMs(ms: number): string {
  return Math.abs(ms) < 1000 ? `${formatNumber(ms, 1)} ms` : `${formatNumber(ms / 1000, 3)} s`;
}

/** A value in a panel's unit ("42 ms", "12 /32", "3.5 %", "1200 B"). */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '–';
  return unit === '' ? formatNumber(value) : `${formatNumber(value)} ${unit}`;
}

/** Creates an element with a class and optional text. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
