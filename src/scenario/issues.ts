// Turns zod's validation issues into problems a person can act on: located at the offending key or
// value, in words, with "did you mean" for unknown keys and enum values.
import type { z } from 'zod';
import type { InputProblem } from './problem.js';
import type { PathKey, ScenarioSource } from './source.js';
import { didYouMean } from './units.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** The keys a strict object at `path` of `schema` allows (walking optional, array, record, union, pipe). */
export function allowedKeysAt(schema: AnySchema, path: readonly PathKey[]): string[] {
  const schemas = schemasAt(schema, path);
  const keys = new Set<string>();
  for (const candidate of schemas) {
    const def = candidate._zod.def as { type: string; shape?: Record<string, unknown> };
    if (def.type === 'object' && def.shape !== undefined) for (const key of Object.keys(def.shape)) keys.add(key);
  }
  return [...keys];
}

function unwrap(schema: AnySchema): AnySchema[] {
  const def = schema._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema; options?: AnySchema[] };
  if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') return unwrap(def.innerType!);
  if (def.type === 'pipe') return unwrap(def.in!);
  if (def.type === 'union') return def.options!.flatMap(unwrap);
  return [schema];
}

function schemasAt(schema: AnySchema, path: readonly PathKey[]): AnySchema[] {
  let current = unwrap(schema);
  for (const key of path) {
    const next: AnySchema[] = [];
    for (const candidate of current) {
      const def = candidate._zod.def as { type: string; shape?: Record<string, AnySchema>; element?: AnySchema; valueType?: AnySchema; items?: AnySchema[] };
      if (def.type === 'object' && typeof key === 'string' && def.shape?.[key] !== undefined) next.push(...unwrap(def.shape[key]));
      if (def.type === 'array' && typeof key === 'number') next.push(...unwrap(def.element!));
      if (def.type === 'tuple' && typeof key === 'number' && def.items?.[key] !== undefined) next.push(...unwrap(def.items[key]));
      if (def.type === 'record' && typeof key === 'string') next.push(...unwrap(def.valueType!));
    }
    current = next;
  }
  return current;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? `"${value}"` : String(value);
}

function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PathKey, unknown>)[key];
  }
  return current;
}

/** The problems for one zod issue (several for an unknown-keys issue). */
export function problemsOfIssue(issue: Issue, source: ScenarioSource, schema: AnySchema, data: unknown): InputProblem[] {
  const path = issue.path as PathKey[];
  const where = path.length === 0 ? 'the scenario' : `'${path.join('.')}'`;
  if (path.length > 0 && valueAt(data, path) === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return [source.problemAt(path.slice(0, -1), `missing required key '${String(path[path.length - 1])}'`)];
  }
  switch (issue.code) {
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      return issue.issues.map((inner) => source.problemAt(path, `'${key}' is not ${inner.message}`, 'key'));
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(schema, path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        const hint = guess !== null ? ` (did you mean '${guess}'?)` : allowed.length > 0 ? ` (expected one of: ${allowed.join(', ')})` : '';
        return source.problemAt([...path, key], `unknown key '${key}'${hint}`, 'key');
      });
    }
    case 'invalid_type': {
      const value = valueAt(data, path);
      if (value === undefined) {
        return [source.problemAt(path.slice(0, -1), `missing required key '${String(path[path.length - 1])}'`)];
      }
      return [source.problemAt(path, `${where} must be ${article(issue.expected)}, not ${describe(value)}`)];
    }
    case 'invalid_value': {
      const value = valueAt(data, path);
      const options = issue.values.map(String);
      const guess = typeof value === 'string' ? didYouMean(value, options) : null;
      const hint = guess !== null ? ` (did you mean '${guess}'?)` : ` (expected one of: ${options.join(', ')})`;
      return [source.problemAt(path, `${describe(value)} is not a valid value for ${where}${hint}`)];
    }
    case 'invalid_union':
      return unionProblems(issue, path, source, schema, data);
    case 'too_small':
    case 'too_big': {
      const value = valueAt(data, path);
      const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      if (issue.code === 'too_small' && value === '') return [source.problemAt(path, `${where} must not be empty`)];
      const relation = issue.code === 'too_small' ? (Array.isArray(value) ? `have at least ${limit} item${limit === '1' ? '' : 's'}` : `be at least ${limit}`) : `be at most ${limit}`;
      return [source.problemAt(path, `${where} must ${relation}, got ${describe(Array.isArray(value) ? value.length : value)}`)];
    }
    case 'invalid_format':
      return [source.problemAt(path, `${describe(valueAt(data, path))} is not valid for ${where}: ${issue.message}`)];
    default:
      return [source.problemAt(path, `${where}: ${issue.message}`)];
  }
}

const TYPE_WORDS: Record<string, string> = { array: 'list', tuple: 'list', object: 'mapping', record: 'mapping', map: 'mapping', int: 'whole number' };
function article(type: string): string {
  const word = TYPE_WORDS[type] ?? type;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/**
 * A value matched none of a union's options. When one option matched the value's shape (say, the
 * mapping form of `jitter`), its issues are the useful ones; otherwise list what is accepted.
 */
function unionProblems(issue: Extract<Issue, { code: 'invalid_union' }>, path: PathKey[], source: ScenarioSource, schema: AnySchema, data: unknown): InputProblem[] {
  const value = valueAt(data, path);
  if ('discriminator' in issue && issue.discriminator !== undefined) {
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    const guess = typeof value === 'string' ? didYouMean(value, options) : null;
    const hint = guess !== null ? ` (did you mean '${guess}'?)` : ` (expected one of: ${options.join(', ')})`;
    return [source.problemAt(path, `${describe(value)} is not a known ${String(issue.discriminator)}${hint}`)];
  }
  const branches = issue.errors.filter((branch) => !branch.every(isTypeMismatch));
  if (branches.length > 0) {
    const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((inner) => problemsOfIssue({ ...inner, path: [...path, ...inner.path] } as Issue, source, schema, data));
  }
  return [source.problemAt(path, `${where(path)} cannot be ${describe(value)}`)];
}

/** An issue that only says "this option takes another type" (possibly through a nested union). */
function isTypeMismatch(issue: Issue): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === 'invalid_type') return true;
  return issue.code === 'invalid_union' && !('discriminator' in issue && issue.discriminator !== undefined) && issue.errors.every((branch) => branch.every(isTypeMismatch));
}

function where(path: readonly PathKey[]): string {
  return path.length === 0 ? 'the scenario' : `'${path.join('.')}'`;
}
