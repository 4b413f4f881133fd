// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by file, and
// inclusive ("total") time of the functions on the stack, so a profile can be read without
// DevTools; or a .heapprofile (from `node --heap-prof`): bytes allocated by function. Usage:
//   npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 30] [--filter src/] [--inclusive] [--lines FUNCTION]
//   npx tsx bench/profile-summary.ts PROFILE.heapprofile [--top 30]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Samples per source line (1-based) of this node's function. */
  positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  selfShare: number;
  totalMs: number;
  totalShare: number;
}

function frameName(frame: CallFrame): string {
  const file = frame.url === '' ? '' : path.relative(process.cwd(), frame.url.replace(/^file:\/\//, ''));
  const fn = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  return file === '' ? fn : `${fn} ${file}:${frame.lineNumber + 1}`;
}

/**
 * Self and inclusive time per function (inclusive counts a function once per sample, even when
 * recursive), estimated as samples × the median sampling interval.
 */
export function summarise(profile: CpuProfile): { rows: ProfileRow[]; byFile: ProfileRow[]; totalMs: number } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  const fileUs = new Map<string, number>();
  // Each sample weighs the median sampling interval rather than its own time delta: on a loaded
  // machine the thread is descheduled between some samples, and the next delta then holds seconds
  // of someone else's time, charged to whatever happened to run before it.
  const deltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const deltaUs = deltas[deltas.length >> 1] ?? 0;
  let sumUs = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    sumUs += deltaUs;
    const leaf = byId.get(profile.samples[index]!)!;
    const leafName = frameName(leaf.callFrame);
    selfUs.set(leafName, (selfUs.get(leafName) ?? 0) + deltaUs);
    const file = leaf.callFrame.url === '' ? `(${leaf.callFrame.functionName})` : path.relative(process.cwd(), leaf.callFrame.url.replace(/^file:\/\//, ''));
    fileUs.set(file, (fileUs.get(file) ?? 0) + deltaUs);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const name = frameName(byId.get(id)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      totalUs.set(name, (totalUs.get(name) ?? 0) + deltaUs);
    }
  }
  const toRows = (self: Map<string, number>): ProfileRow[] =>
    [...self.entries()]
      .map(([name, us]) => ({
        name,
        selfMs: us / 1000,
        selfShare: us / sumUs,
        totalMs: (totalUs.get(name) ?? us) / 1000,
        totalShare: (totalUs.get(name) ?? us) / sumUs,
      }))
      .sort((a, b) => b.selfMs - a.selfMs);
  const fileRows = [...fileUs.entries()]
    .map(([name, us]) => ({ name, selfMs: us / 1000, selfShare: us / sumUs, totalMs: us / 1000, totalShare: us / sumUs }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { rows: toRows(selfUs), byFile: fileRows, totalMs: sumUs / 1000 };
}

/** Samples per line of the functions whose name contains `name` (V8's positionTicks). */
export function lineTicks(profile: CpuProfile, name: string): Map<string, Map<number, number>> {
  const byFunction = new Map<string, Map<number, number>>();
  for (const node of profile.nodes) {
    if (!node.callFrame.functionName.includes(name) || node.positionTicks === undefined) continue;
    const key = frameName(node.callFrame);
    const lines = byFunction.get(key) ?? new Map<number, number>();
    for (const { line, ticks } of node.positionTicks) lines.set(line, (lines.get(line) ?? 0) + ticks);
    byFunction.set(key, lines);
  }
  return byFunction;
}

interface HeapProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapProfileNode[];
}

/**
 * Sampled allocation bytes from a .heapprofile, by function: `bytes` allocated in the function
 * itself (with what V8 inlined into it) and `inclusiveBytes` allocated while it was on the stack.
 */
export function summariseHeap(head: HeapProfileNode): { rows: { name: string; bytes: number; inclusiveBytes: number; share: number }[]; totalBytes: number } {
  const selfBytes = new Map<string, number>();
  const inclusiveBytes = new Map<string, number>();
  let totalBytes = 0;
  // Depth-first with the names on the current path, so recursion counts a function once.
  const visit = (node: HeapProfileNode, path: Set<string>): number => {
    const name = frameName(node.callFrame);
    const onPath = path.has(name);
    if (!onPath) path.add(name);
    let subtree = node.selfSize;
    if (node.selfSize > 0) selfBytes.set(name, (selfBytes.get(name) ?? 0) + node.selfSize);
    totalBytes += node.selfSize;
    for (const child of node.children) subtree += visit(child, path);
    if (!onPath) {
      inclusiveBytes.set(name, (inclusiveBytes.get(name) ?? 0) + subtree);
      path.delete(name);
    }
    return subtree;
  };
  visit(head, new Set());
  const rows = [...inclusiveBytes.entries()]
    .map(([name, inclusive]) => ({ name, bytes: selfBytes.get(name) ?? 0, inclusiveBytes: inclusive, share: (selfBytes.get(name) ?? 0) / totalBytes }))
    .sort((a, b) => b.bytes - a.bytes);
  return { rows, totalBytes };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '30' },
      filter: { type: 'string' },
      inclusive: { type: 'boolean', default: false },
      lines: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (file === undefined) {
    console.error('usage: tsx bench/profile-summary.ts PROFILE.cpuprofile [--top N] [--filter TEXT] [--inclusive] [--lines FUNCTION]');
    process.exit(2);
  }
  const top = Number(values.top);
  if (file.endsWith('.heapprofile')) {
    const heap = summariseHeap((JSON.parse(fs.readFileSync(file, 'utf8')) as { head: HeapProfileNode }).head);
    console.log(`heap profile ${file}: ${(heap.totalBytes / 2 ** 20).toFixed(1)} MiB sampled allocations`);
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1).padStart(8);
    console.log('\nallocated in the function (self)');
    for (const row of heap.rows.slice(0, top)) console.log(`${percent(row.share).padStart(6)} ${mib(row.bytes)} MiB  (incl ${percent(row.inclusiveBytes / heap.totalBytes).padStart(6)})  ${row.name}`);
    if (values.inclusive) {
      console.log('\nallocated while the function was on the stack (inclusive)');
      const byInclusive = [...heap.rows].sort((a, b) => b.inclusiveBytes - a.inclusiveBytes);
      for (const row of byInclusive.filter((r) => values.filter === undefined || r.name.includes(values.filter)).slice(0, top)) {
        console.log(`${percent(row.inclusiveBytes / heap.totalBytes).padStart(6)} ${mib(row.inclusiveBytes)} MiB  (self ${percent(row.share).padStart(6)})  ${row.name}`);
      }
    }
    return;
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const { rows, byFile, totalMs } = summarise(profile);
  const filter = values.filter;
  console.log(`profile ${file}: ${profile.samples.length} samples ≈ ${totalMs.toFixed(0)} ms of running (wall span ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms)`);
  console.log('\nself time by function');
  for (const row of rows.filter((r) => filter === undefined || r.name.includes(filter)).slice(0, top)) {
    console.log(`${percent(row.selfShare).padStart(6)} ${row.selfMs.toFixed(0).padStart(7)} ms  (incl ${percent(row.totalShare).padStart(6)})  ${row.name}`);
  }
  if (values.inclusive) {
    console.log('\ninclusive time by function');
    for (const row of [...rows].sort((a, b) => b.totalMs - a.totalMs).filter((r) => filter === undefined || r.name.includes(filter)).slice(0, top)) {
      console.log(`${percent(row.totalShare).padStart(6)} ${row.totalMs.toFixed(0).padStart(7)} ms  (self ${percent(row.selfShare).padStart(6)})  ${row.name}`);
    }
  }
  if (values.lines !== undefined) {
    for (const [fn, lines] of lineTicks(profile, values.lines)) {
      const total = [...lines.values()].reduce((sum, ticks) => sum + ticks, 0);
      console.log(`\nself samples by line in ${fn} (${total})`);
      for (const [line, ticks] of [...lines.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${String(ticks).padStart(7)}  line ${line}`);
    }
  }
  console.log('\nself time by file');
  for (const row of byFile.slice(0, 15)) console.log(`${percent(row.selfShare).padStart(6)} ${row.selfMs.toFixed(0).padStart(7)} ms  ${row.name}`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fs.realpathSync(new URL(import.meta.url).pathname)) main();
