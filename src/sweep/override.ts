// Overrides: dotted paths into a scenario's YAML (hosts.X.f, links.'a->b'.f, timeline.<id>.<action>.f) applied as YAML, then validated by the loader; shared by sweep and run --set.
import { isMap, isSeq, parse as parseYaml, parseDocument, type Document } from 'yaml';
import { didYouMean } from '../scenario/units.js';

/** One leaf override: a path as written, and the value to set (a YAML scalar or a list). */
export interface Override {
  path: string;
  value: unknown;
}

export type Resolved = { ok: true; documentPath: (string | number)[] } | { ok: false; message: string };

/** The top-level scenario keys an override may set directly (the seed comes from the run). */
const TOP_LEVEL = ['duration', 'seed', 'epoch', 'stats_interval', 'link_draws', 'hosts', 'links', 'timeline'];

/** Splits `links.'a->b'.latency` into ['links', 'a->b', 'latency']; null when a quote is left open or a part is empty. */
export function splitPath(path: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  let quoted = false;
  for (const character of path) {
    if (quote !== null) {
      if (character === quote) quote = null;
      else current += character;
    } else if (character === "'" || character === '"') {
      quote = character;
      quoted = true;
    } else if (character === '.') {
      if (current === '' && !quoted) return null;
      parts.push(current);
      current = '';
      quoted = false;
    } else current += character;
  }
  if (quote !== null || (current === '' && !quoted)) return null;
  parts.push(current);
  return parts;
}

function keysOf(node: unknown): string[] {
  return isMap(node) ? node.items.map((pair) => String((pair.key as { value?: unknown } | null)?.value ?? pair.key)) : [];
}

function hint(name: string, known: readonly string[]): string {
  const guess = didYouMean(name, [...known]);
  if (guess !== null) return ` (did you mean '${guess}'?)`;
  return known.length > 0 ? ` (the scenario has: ${known.join(', ')})` : '';
}

/**
 * Where `path` lands in the scenario document. Every part but the last must name something the
 * scenario holds (a host, a link, a timeline entry's id and its action, a mapping key); the last may
 * be a key the scenario leaves at its default, which the loader then checks like any key.
 */
export function resolvePath(document: Document, path: string): Resolved {
  const parts = splitPath(path);
  if (parts === null) return { ok: false, message: `'${path}' is not a dotted path (parts separated by '.', quote a part holding '.' or '->' as 'a->b')` };
  const [head, ...rest] = parts as [string, ...string[]];
  if (!TOP_LEVEL.includes(head)) return { ok: false, message: `'${head}' is not something an override can set${hint(head, TOP_LEVEL)}; paths start with ${TOP_LEVEL.join(', ')}` };
  if (head === 'timeline') return resolveTimeline(document, path, rest);
  if ((head === 'hosts' || head === 'links') && rest.length < 2) return { ok: false, message: `'${path}' names no field: write ${head}.<name>.<field>` };
  return walk(document, path, [head], rest);
}

function resolveTimeline(document: Document, path: string, rest: string[]): Resolved {
  const [id, ...inside] = rest;
  if (id === undefined || inside.length === 0) return { ok: false, message: `'${path}' names no field: write timeline.<id>.<action>.<field> (or timeline.<id>.at)` };
  const timeline = document.get('timeline', true);
  const entries = isSeq(timeline) ? timeline.items : [];
  const ids = entries.map((entry) => (isMap(entry) ? entry.get('id') : undefined)).filter((value): value is string => typeof value === 'string');
  const index = entries.findIndex((entry) => isMap(entry) && entry.get('id') === id);
  if (index < 0) return { ok: false, message: `no timeline entry has id '${id}'${ids.length === 0 ? ' (the scenario\'s timeline has no ids: give the entry an id)' : hint(id, ids)}` };
  return walk(document, path, ['timeline', index], inside);
}

function walk(document: Document, _path: string, prefix: (string | number)[], rest: string[]): Resolved {
  const at = [...prefix];
  for (let index = 0; index < rest.length; index++) {
    const part = rest[index]!;
    const parent = document.getIn(at, true);
    if (!isMap(parent)) return { ok: false, message: `'${at.join('.')}' is not a mapping, so it has no '${part}'` };
    const last = index === rest.length - 1;
    if (!last && !parent.has(part)) {
      const where = at[0] === 'timeline' && at.length === 2 ? `timeline entry '${String(document.getIn([...at, 'id']))}'` : `'${at.join('.')}'`;
      return { ok: false, message: `${where} has no '${part}'${hint(part, keysOf(parent))}` };
    }
    at.push(part);
  }
  return { ok: true, documentPath: at };
}

/** Flattens a mapping value into leaf overrides (`links.default: { loss: 2% }` → `links.default.loss`). */
export function flatten(path: string, value: unknown): Override[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => flatten(`${path}.${/^[\w]+$/.test(key) ? key : `'${key}'`}`, inner));
  }
  return [{ path, value }];
}

export type Applied = { ok: true; text: string } | { ok: false; index: number; message: string };

/** The scenario text with `overrides` applied in order; the first one that names nothing is refused. */
export function applyOverrides(text: string, overrides: readonly Override[]): Applied {
  const document = parseDocument(text);
  for (const [index, override] of overrides.entries()) {
    const resolved = resolvePath(document, override.path);
    if (!resolved.ok) return { ok: false, index, message: resolved.message };
    document.setIn(resolved.documentPath, override.value);
  }
  return { ok: true, text: document.toString({ lineWidth: 0 }) };
}

/** A value as `--set` writes it: YAML flow (`250ms`, `4`, `[1s, 2s]`). */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return /^[\w.%/:+-]+$/.test(value) && !/^[\d.]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

export type ParsedSet = { ok: true; path: string; values: unknown[] } | { ok: false; message: string };

/**
 * `--set path=v1,v2`: the path and its values, each read as YAML (`4` a number, `5%` a string).
 * `single` (run --set) takes the whole right side as one value, commas included.
 */
export function parseSet(text: string, single: boolean): ParsedSet {
  const equals = text.indexOf('=');
  if (equals <= 0) return { ok: false, message: `--set '${text}': write path=value${single ? '' : ' or path=v1,v2,…'}` };
  const path = text.slice(0, equals).trim();
  const right = text.slice(equals + 1);
  if (splitPath(path) === null) return { ok: false, message: `--set '${text}': '${path}' is not a dotted path` };
  const pieces = single || /^\s*\[/.test(right) ? [right] : right.split(',');
  const values: unknown[] = [];
  for (const piece of pieces) {
    if (piece.trim() === '') return { ok: false, message: `--set '${text}': an empty value` };
    try {
      values.push(parseYaml(piece));
    } catch (error) {
      return { ok: false, message: `--set '${text}': '${piece}' is not a value (${(error as Error).message.split('\n')[0]})` };
    }
  }
  return { ok: true, path, values };
}
