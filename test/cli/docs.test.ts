// docs/scenarios.md documents the whole scenario format: every key of the JSON Schema (walked
// recursively from scenarioJsonSchema(): property names, and the enum and const values such as the
// loss models), every action and expectation, every unit suffix, preset and reporter appears there
// as inline code, and every scenario file or doc it points to exists.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPORTER_NAMES } from '../../src/cli/report/index.js';
import { LINK_PRESETS } from '../../src/cli/scenario/presets.js';
import { ACTION_NAMES, EXPECTATION_NAMES, scenarioJsonSchema } from '../../src/cli/scenario/schema.js';
import { unitPattern, type UnitKind } from '../../src/cli/scenario/units.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC_PATH = join(REPO_ROOT, 'docs', 'scenarios.md');
const DOC = readFileSync(DOC_PATH, 'utf8');

/** The text outside fenced code blocks. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** Every inline code span (`...`) outside fenced code blocks, trimmed. */
function inlineCode(markdown: string): Set<string> {
  const spans = new Set<string>();
  for (const match of prose(markdown).matchAll(/`([^`\n]+)`/g)) spans.add(match[1]!.trim());
  return spans;
}

interface SchemaWords {
  /** Property names of every object in the schema. */
  keys: Set<string>;
  /** String values of every `enum` and `const` (loss models, distributions, flags, states...). */
  values: Set<string>;
}

/** Walks a JSON Schema recursively and collects its property names and enum/const values. */
function schemaWords(schema: unknown, words: SchemaWords = { keys: new Set(), values: new Set() }): SchemaWords {
  if (Array.isArray(schema)) {
    for (const item of schema) schemaWords(item, words);
    return words;
  }
  if (schema === null || typeof schema !== 'object') return words;
  const node = schema as Record<string, unknown>;
  const properties = node['properties'];
  if (properties !== null && typeof properties === 'object') {
    for (const key of Object.keys(properties)) words.keys.add(key);
  }
  if (typeof node['const'] === 'string') words.values.add(node['const']);
  if (Array.isArray(node['enum'])) for (const value of node['enum']) if (typeof value === 'string') words.values.add(value);
  for (const [key, value] of Object.entries(node)) {
    // `properties` is a map of names to schemas: walk the schemas, not the names.
    if (key === 'properties' && value !== null && typeof value === 'object') schemaWords(Object.values(value), words);
    else schemaWords(value, words);
  }
  return words;
}

/** The suffixes a unit accepts, read back from the pattern editors get (`^(number) ?(ms|s|...)$`). */
function suffixesOf(kind: UnitKind): string[] {
  const alternation = /\(([^()]*)\)\$$/.exec(unitPattern(kind))![1]!;
  return alternation.split('|').map((suffix) => suffix.replace(/\\(.)/g, '$1'));
}

function missingFrom(spans: Set<string>, words: Iterable<string>): string[] {
  return [...words].filter((word) => !spans.has(word)).sort();
}

describe('docs/scenarios.md', () => {
  const spans = inlineCode(DOC);
  const words = schemaWords(scenarioJsonSchema());

  it('docs: the schema walk finds the keys it should (the walk itself works)', () => {
    for (const key of ['duration', 'hosts', 'on_receive', 'queue_datagrams', 'enter_burst', 'loss_in_bad', 'p13', 'percentile', 'aggregate']) {
      expect(words.keys).toContain(key);
    }
    for (const value of ['bernoulli', 'gilbert-elliott', 'netem4', 'every', 'pareto', 'unsequenced', 'STATE_ZOMBIE', 'exactly_once_in_order']) {
      expect(words.values).toContain(value);
    }
    expect(words.keys.size).toBeGreaterThan(100);
  });

  it('docs: every key of the schema appears as inline code', () => {
    expect(missingFrom(spans, words.keys)).toEqual([]);
  });

  it('docs: every enum and const value of the schema (loss models, distributions, flags, states, statistics...) appears as inline code', () => {
    expect(missingFrom(spans, words.values)).toEqual([]);
  });

  it('docs: every action and every expectation kind appears as inline code', () => {
    expect(ACTION_NAMES.length).toBeGreaterThan(20);
    expect(missingFrom(spans, ACTION_NAMES)).toEqual([]);
    expect(missingFrom(spans, EXPECTATION_NAMES)).toEqual([]);
  });

  it('docs: every accepted unit suffix appears as inline code', () => {
    const kinds: UnitKind[] = ['duration', 'size', 'bitrate', 'percent', 'frequency', 'packetRate'];
    const suffixes = kinds.flatMap(suffixesOf);
    expect(suffixes).toContain('Mbit/s');
    expect(missingFrom(spans, suffixes)).toEqual([]);
  });

  it('docs: every link preset and every reporter appears as inline code', () => {
    expect(missingFrom(spans, LINK_PRESETS.map((preset) => preset.name))).toEqual([]);
    expect(missingFrom(spans, REPORTER_NAMES)).toEqual([]);
  });

  it('docs: the run options, exit codes and editor modeline are documented', () => {
    for (const option of ['--seed N', '--seeds N', '--reporter R', '--out FILE', '--trace FILE', '--quiet', '--explain']) expect(spans).toContain(option);
    for (const code of ['0', '1', '2']) expect(spans).toContain(code);
    expect(DOC).toContain('# yaml-language-server: $schema=');
  });

  it('docs: every scenario file and document it points to exists', () => {
    const referenced = new Set([...DOC.matchAll(/scenarios\/[\w.-]+\.yaml/g)].map((match) => match[0]));
    expect(referenced.size).toBeGreaterThan(3);
    for (const file of referenced) expect(existsSync(join(REPO_ROOT, file)), file).toBe(true);
    for (const match of DOC.matchAll(/\]\(([\w.-]+\.md)(#[\w-]+)?\)/g)) expect(existsSync(join(REPO_ROOT, 'docs', match[1]!)), match[1]).toBe(true);
  });
});
