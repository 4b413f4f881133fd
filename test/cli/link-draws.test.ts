// The scenario key `link_draws`: its forms, its default, its errors at file:line:col, and what --explain prints for it.
import { describe, expect, it } from 'vitest';
import { describeScenario } from '../../src/cli/commands/explain.js';
import { loadScenario } from '../../src/scenario/load.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS } from '../../src/sim/weather.js';

function scenarioText(linkDraws: string): string {
  return `name: draws
duration: 2s
${linkDraws}
hosts:
  a: {}
  b: {}
links:
  default: { latency: 10ms, loss: 20% }
timeline:
  - at: 0s
    connect: { from: a, to: b }
`;
}

function problemsOf(linkDraws: string): string[] {
  const loaded = loadScenario('draws.yaml', scenarioText(linkDraws));
  if (loaded.ok) return [];
  return loaded.problems.map((problem) => `${problem.position?.line}:${problem.position?.column} ${problem.message}`);
}

describe('scenario key link_draws', () => {
  it('link_draws: absent is per-datagram; a mode name or { mode, slot } sets it', () => {
    const cases: [string, unknown][] = [
      ['', PER_DATAGRAM_DRAWS],
      ['link_draws: per-datagram', PER_DATAGRAM_DRAWS],
      ['link_draws: time-keyed', TIME_KEYED_DRAWS],
      ['link_draws: { mode: time-keyed }', TIME_KEYED_DRAWS],
      ['link_draws: { mode: time-keyed, slot: 5ms }', { mode: 'time-keyed', slotMs: 5 }],
      ['link_draws: { mode: time-keyed, slot: 1s }', { mode: 'time-keyed', slotMs: 1000 }],
    ];
    for (const [text, expected] of cases) {
      const loaded = loadScenario('draws.yaml', scenarioText(text));
      if (!loaded.ok) throw new Error(`${text}: ${JSON.stringify(loaded.problems)}`);
      expect(loaded.scenario.linkDraws, text).toEqual(expected);
    }
  });

  it('link_draws: a misspelt mode, a fractional or too long slot, and a slot for per-datagram draws are errors at their line', () => {
    expect(problemsOf('link_draws: time-keyd')[0]).toMatch(/^3:13 /);
    expect(problemsOf('link_draws: { mode: time-keyed, slot: 2.5ms }').join('\n')).toMatch(/^3:\d+ .*whole number of ms/);
    expect(problemsOf('link_draws: { mode: time-keyed, slot: 2min }').join('\n')).toMatch(/whole number of ms from 1ms/);
    expect(problemsOf('link_draws: { mode: per-datagram, slot: 5ms }').join('\n')).toMatch(/^3:\d+ .*time-keyed draws only/);
    expect(problemsOf('link_draws: { mode: time-keyed, slots: 5ms }').join('\n')).toMatch(/slots/);
  });

  it('link_draws: --explain names the mode in force', () => {
    const perDatagram = loadScenario('draws.yaml', scenarioText(''));
    const keyed = loadScenario('draws.yaml', scenarioText('link_draws: { mode: time-keyed, slot: 20ms }'));
    if (!perDatagram.ok || !keyed.ok) throw new Error('scenario invalid');
    expect(describeScenario(perDatagram.scenario)).toContain('\n  link draws per-datagram (fates drawn in send order)\n');
    expect(describeScenario(keyed.scenario)).toContain('\n  link draws time-keyed (fates keyed by send time, loss chains step every 20ms)\n');
  });

  it('link_draws: the scenario key and the compile override both reach the simulation (the traces differ from per-datagram)', () => {
    const hashOf = (text: string, override?: typeof TIME_KEYED_DRAWS) => {
      const loaded = loadScenario('draws.yaml', scenarioText(text));
      if (!loaded.ok) throw new Error('scenario invalid');
      const { sim } = compileScenario(loaded.scenario, { seed: 2, ...(override !== undefined ? { linkDraws: override } : {}) });
      sim.run(loaded.scenario.durationMs);
      return sim.trace.hash();
    };
    const perDatagram = hashOf('');
    const keyed = hashOf('link_draws: time-keyed');
    expect(keyed).not.toBe(perDatagram);
    expect(hashOf('', TIME_KEYED_DRAWS)).toBe(keyed);
    expect(hashOf('link_draws: time-keyed', PER_DATAGRAM_DRAWS)).toBe(perDatagram);
  });
});
