// docs/scenarios.md documents the whole scenario format: every key of the JSON Schema (walked
// recursively from scenarioJsonSchema(): property names, and the enum and const values such as the
// loss models), every action and expectation, every unit suffix, preset and reporter appears there
// as inline code, and every scenario file or doc it points to exists. And every command in the
// fenced code blocks of README.md and docs/*.md runs and exits as documented (or is listed as not
// run, with the reason).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPORTER_NAMES } from '../../src/cli/reporters/index.js';
import { LINK_PRESETS } from '../../src/scenario/presets.js';
import { ACTION_NAMES, EXPECTATION_NAMES, scenarioJsonSchema } from '../../src/scenario/schema.js';
import { unitPattern, type UnitKind } from '../../src/scenario/units.js';
import { FakeIo, runWith } from './support-io.js';
import { SCENARIO_FILES_MAX, WALK_DEPTH_MAX, WALK_ENTRIES_MAX } from '../../src/cli/commands/files.js';
import { SCENARIO_FILE_BYTES_MAX } from '../../src/cli/commands/run.js';
import { BUDGET_LIMITS_DEFAULT, formatBytes } from '../../src/scenario/budget.js';
import { LEDGER_PACKETS_MAX } from '../../src/sim/ledger.js';
import { HELD_DATAGRAMS_MAX } from '../../src/sim/network.js';
import { EVENT_BUDGET_DEFAULT } from '../../src/sim/scheduler.js';
import { TRACE_EVENTS_MAX } from '../../src/trace/trace.js';

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
    for (const option of ['--seed N', '--seeds N', '--reporter R', '--out FILE', '--trace FILE', '--quiet', '--explain', '--budget-scale N']) expect(spans).toContain(option);
    for (const code of ['0', '1', '2']) expect(spans).toContain(code);
    expect(DOC).toContain('# yaml-language-server: $schema=');
  });

  it('docs: the limits, the fixed-seed key and serve\'s slot lock-out (with its knob) are documented', () => {
    expect(DOC).toContain('### Limits');
    const spaced = (count: number): string => count.toLocaleString('en').replace(/,/g, ' ');
    const bounds = [EVENT_BUDGET_DEFAULT, TRACE_EVENTS_MAX, LEDGER_PACKETS_MAX, HELD_DATAGRAMS_MAX, SCENARIO_FILES_MAX, WALK_ENTRIES_MAX, WALK_DEPTH_MAX].map(spaced);
    for (const value of [...bounds, `1 MiB (${spaced(SCENARIO_FILE_BYTES_MAX)} bytes)`, formatBytes(BUDGET_LIMITS_DEFAULT.queuedBytesMax), formatBytes(BUDGET_LIMITS_DEFAULT.memoryBytesMax)]) {
      expect(DOC).toContain(`| ${value} |`);
    }
    expect(spans).toContain('fixed_seed');
    expect(DOC).toMatch(/CONNECT flood against `serve`[\s\S]*`--peer-timeout-ms N`/);
  });

  it('docs: every scenario file and document it points to exists', () => {
    const referenced = new Set([...DOC.matchAll(/scenarios\/[\w.-]+\.yaml/g)].map((match) => match[0]));
    expect(referenced.size).toBeGreaterThan(3);
    for (const file of referenced) expect(existsSync(join(REPO_ROOT, file)), file).toBe(true);
    for (const match of DOC.matchAll(/\]\(([\w.-]+\.md)(#[\w-]+)?\)/g)) expect(existsSync(join(REPO_ROOT, 'docs', match[1]!)), match[1]).toBe(true);
  });
});

// ---- the docs' commands work ---------------------------------------------------------------------

/** A command found in a fenced code block of a document. */
interface DocumentedCommand {
  file: string;
  line: number;
  /** The command as written, without its trailing `# comment`. */
  command: string;
  /** The exit code the docs give it: `# exit N` in its comment, else 0. */
  exitCode: number;
}

const COMMAND_PREFIX = /^(npx enetsim|enetsim|node dist\/cli\/main\.js|npm (run|test|ci))( |$)/;

/** Code blocks that hold commands; `text` blocks hold output ("enetsim: 1 problem..."). */
const SHELL_BLOCK = /^```(sh|bash|shell|console)?$/;

/** Every enetsim / node dist/cli/main.js / npm command in the shell code blocks of `markdown`. */
function documentedCommands(file: string, markdown: string): DocumentedCommand[] {
  const commands: DocumentedCommand[] = [];
  let fence: 'none' | 'shell' | 'other' = 'none';
  markdown.split('\n').forEach((text, index) => {
    if (text.startsWith('```')) {
      fence = fence !== 'none' ? 'none' : SHELL_BLOCK.test(text.trim()) ? 'shell' : 'other';
      return;
    }
    if (fence !== 'shell') return;
    const [command = '', comment = ''] = text.split(/\s+#\s/, 2);
    for (const part of command.split(' && ')) {
      if (!COMMAND_PREFIX.test(part.trim())) continue;
      const exitCode = Number(/\bexit (\d)\b/.exec(comment)?.[1] ?? 0);
      commands.push({ file, line: index + 1, command: part.trim(), exitCode });
    }
  });
  return commands;
}

/** Shell words: whitespace-separated, '…' and "…" quoting (all the docs use). */
function shellWords(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

/**
 * Commands the docs show that this test does not run, each with the reason. Everything else runs
 * and must exit with its documented code.
 */
const NOT_RUN: { pattern: RegExp; reason: string }[] = [
  { pattern: /^npm ci$/, reason: 'installs the dependencies: CI does it before any test runs' },
  { pattern: /^npm run build$/, reason: 'builds dist/: `npm test` does it before vitest runs' },
  { pattern: /^npm test$/, reason: 'the whole suite, which this test is part of' },
  { pattern: /^npm run bench\b/, reason: 'example, not run in CI: minutes of measurement (`npm run bench -- --smoke` is run by test/bench/smoke.test.ts)' },
  { pattern: /<[^>]+>/, reason: 'a synopsis with placeholders, not a command' },
  { pattern: / --pcap \S+\.pcapng$/, reason: 'writes a capture into the working directory; test/report/pcap.test.ts and dissector.test.ts run `run --pcap`' },
];

/** Commands run with a smaller count than documented, since the command itself allows any count. */
function shortened(words: string[]): string[] {
  const seedsIndex = words.indexOf('--seeds');
  if (words[0] === 'conformance' && seedsIndex >= 0) return [...words.slice(0, seedsIndex + 1), '2', ...words.slice(seedsIndex + 2), '--jobs', '1'];
  return words;
}

/** The enetsim arguments of a documented command, or null when it is not an enetsim command. */
function enetsimArguments(command: string): string[] | null {
  const words = shellWords(command.replace(/\s+>\s*\S+$/, ''));
  if (words[0] === 'npx' && words[1] === 'enetsim') return words.slice(2);
  if (words[0] === 'enetsim') return words.slice(1);
  if (words[0] === 'node' && words[1] === 'dist/cli/main.js') return words.slice(2);
  if (words[0] === 'npm' && words[1] === 'run' && words[2] === 'conformance') return ['conformance', ...words.slice(words[3] === '--' ? 4 : 3)];
  return null;
}

const DOCUMENTS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const COMMANDS = DOCUMENTS.flatMap((file) => documentedCommands(file, readFileSync(join(REPO_ROOT, file), 'utf8')));

describe("the docs' commands work", () => {
  it('docs commands: the extraction finds the commands of README.md and docs/*.md', () => {
    const texts = COMMANDS.map((found) => found.command);
    expect(texts).toContain("npx enetsim run 'scenarios/**/*.yaml' --seeds 20");
    expect(texts).toContain('node dist/cli/main.js run scenarios/handshake.yaml');
    expect(texts).toContain('npm run conformance -- --seeds 10000');
    expect(COMMANDS.length).toBeGreaterThan(10);
  });

  it('docs commands: every command is either run below or not run for a stated reason', () => {
    for (const found of COMMANDS) {
      const skipped = NOT_RUN.some(({ pattern }) => pattern.test(found.command));
      expect(skipped || enetsimArguments(found.command) !== null, `${found.file}:${found.line} ${found.command}`).toBe(true);
    }
  });

  const runnable = COMMANDS.filter((found) => !NOT_RUN.some(({ pattern }) => pattern.test(found.command)));
  for (const found of runnable) {
    const argv = shortened(enetsimArguments(found.command)!);
    const spawned = argv[0] === 'conformance';
    it(`docs commands: ${found.file}:${found.line} \`${found.command}\` exits ${found.exitCode}${spawned ? ` (spawned as ${argv.join(' ')})` : ''}`, { timeout: 180_000 }, async () => {
      if (spawned) {
        // conformance runs worker threads from dist/, so it runs as the built binary, the way npm run does.
        const child = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/cli/main.js'), ...argv], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 170_000 });
        expect(child.status, `${child.stdout}${child.stderr}`).toBe(found.exitCode);
        return;
      }
      const io = new FakeIo({ cwd: REPO_ROOT });
      try {
        const run = await runWith(io, argv);
        expect(run.code, `${run.out.slice(-2000)}${run.err.slice(-2000)}`).toBe(found.exitCode);
      } finally {
        io.dispose();
      }
    });
  }
});
