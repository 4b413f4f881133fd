// Reference checks that work on the raw YAML data, so that a misspelt host or id is reported in the
// same run as schema problems (the user sees every problem at once, not one round at a time).
import type { InputProblem } from './problem.js';
import type { PathKey, ScenarioSource } from './source.js';
import { didYouMean } from './units.js';

export function unknownHostMessage(name: string, hosts: readonly string[]): string {
  const guess = didYouMean(name, hosts);
  return `unknown host '${name}'${guess !== null ? ` (did you mean '${guess}'?)` : hosts.length > 0 ? ` (hosts: ${hosts.join(', ')})` : ' (no hosts are defined)'}`;
}

export function unknownIdMessage(id: string, ids: readonly string[]): string {
  const guess = didYouMean(id, ids);
  return `unknown timeline id '${id}'${guess !== null ? ` (did you mean '${guess}'?)` : ids.length > 0 ? ` (ids: ${ids.join(', ')})` : ' (no timeline entry has an id)'}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class ReferenceChecker {
  readonly problems: InputProblem[] = [];
  constructor(
    private readonly source: ScenarioSource,
    private readonly hosts: readonly string[],
    private readonly ids: readonly string[],
  ) {}

  host(value: unknown, path: PathKey[], which: 'value' | 'key' = 'value'): void {
    if (typeof value === 'string' && /^[A-Za-z_][\w-]*$/.test(value) && !this.hosts.includes(value)) {
      this.problems.push(this.source.problemAt(path, unknownHostMessage(value, this.hosts), which));
    }
  }

  /** "a->b", "a<->b" or (for links) "default". */
  pair(value: unknown, path: PathKey[], which: 'value' | 'key' = 'value'): void {
    if (typeof value !== 'string' || value === 'default') return;
    const parts = value.split(/<->|->/);
    if (parts.length === 2) for (const part of parts) this.host(part, path, which);
  }

  id(value: unknown, path: PathKey[]): void {
    if (typeof value === 'string' && !this.ids.includes(value)) this.problems.push(this.source.problemAt(path, unknownIdMessage(value, this.ids)));
  }

  fields(spec: unknown, path: PathKey[]): void {
    if (!isRecord(spec)) return;
    for (const key of ['from', 'to', 'host']) if (key in spec) this.host(spec[key], [...path, key]);
    if ('peer' in spec) (typeof spec['peer'] === 'string' && spec['peer'].includes('->') ? this.pair(spec['peer'], [...path, 'peer']) : this.host(spec['peer'], [...path, 'peer']));
    if ('link' in spec && typeof spec['link'] === 'string') this.pair(spec['link'], [...path, 'link']);
    if (Array.isArray(spec['between'])) spec['between'].forEach((value, index) => this.host(value, [...path, 'between', index]));
    if ('after' in spec) this.id(spec['after'], [...path, 'after']);
  }
}

/** Unknown hosts, peers, links and ids anywhere in the raw scenario data. */
export function referenceProblems(data: Record<string, unknown>, source: ScenarioSource): InputProblem[] {
  const hosts = isRecord(data['hosts']) ? Object.keys(data['hosts']) : [];
  const timeline = Array.isArray(data['timeline']) ? data['timeline'] : [];
  const ids = timeline.flatMap((entry) => (isRecord(entry) && typeof entry['id'] === 'string' ? [entry['id']] : []));
  const checker = new ReferenceChecker(source, hosts, ids);
  if (isRecord(data['links'])) for (const key of Object.keys(data['links'])) checker.pair(key, ['links', key], 'key');
  timeline.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    for (const [action, spec] of Object.entries(entry)) {
      if (action === 'link' && isRecord(spec)) for (const key of Object.keys(spec)) checker.pair(key, ['timeline', index, 'link', key], 'key');
      else checker.fields(spec, ['timeline', index, action]);
    }
  });
  const expectations = Array.isArray(data['expect']) ? data['expect'] : [];
  expectations.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    for (const [kind, spec] of Object.entries(entry)) checker.fields(spec, ['expect', index, kind]);
  });
  return checker.problems;
}
