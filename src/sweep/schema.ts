// The sweep file format as a zod schema: what `enetsim sweep` reads, and what `enetsim schema --sweep` prints.
import { z } from 'zod';
import { EXPECTATIONS, trafficSchema } from '../scenario/schema.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** One override map: dotted paths into the scenario → values (a mapping value sets key by key). */
const overrides = z.record(z.string().min(1), z.unknown()).meta({ description: 'dotted paths into the scenario (hosts.X.field, links.default.field, links.\'a->b\'.field, duration, timeline.<id>.<action>.<field>) → values' });

/** A choice of named values, one per axis (or a subset of the axes, for baseline and exclude). */
const variantKey = z.record(z.string(), z.string()).meta({ description: 'axis → value name' });

const window = { after: EXPECTATIONS.state.shape.after, within: EXPECTATIONS.state.shape.within, between: EXPECTATIONS.state.shape.between };

/** The expectation vocabulary without bounds: each yields one number per run (or "never happened"). */
export const MEASURES = {
  stat: EXPECTATIONS.stat.omit({ above: true, below: true, equals: true, at_least: true, at_most: true }),
  state: z.strictObject({ peer: EXPECTATIONS.state.shape.peer, reaches: EXPECTATIONS.state.shape.reaches.unwrap(), ...window }),
  event: EXPECTATIONS.event.omit({ count: true, min: true, max: true }).extend({ value: z.enum(['time', 'count']).meta({ description: 'time of the first matching event (default) or their count' }).optional() }),
  timeout: EXPECTATIONS.timeout.extend({ value: z.enum(['time', 'count']).meta({ description: 'time of the timeout (default) or the count of timeouts' }).optional() }),
  converge: EXPECTATIONS.converge.omit({ within: true }),
  delivery: z.strictObject({
    from: EXPECTATIONS.delivery.shape.from,
    to: EXPECTATIONS.delivery.shape.to,
    channel: EXPECTATIONS.delivery.shape.channel,
    ratio: z.literal(true).meta({ description: 'the delivered fraction of the packets sent' }).optional(),
    latency: z.number().min(0).max(100).meta({ description: 'this percentile of one-way latency, e.g. 95' }).optional(),
  }),
  datagrams: z.strictObject({
    from: EXPECTATIONS.delivery.shape.from,
    to: EXPECTATIONS.delivery.shape.to,
    ...window,
    value: z.enum(['count', 'bytes']).meta({ description: 'how many datagrams left `from` for `to` in the window (default), or their bytes' }).optional(),
  }),
  traffic: trafficSchema,
} as const;
export type MeasureKind = keyof typeof MEASURES;
export const MEASURE_KINDS = Object.keys(MEASURES) as MeasureKind[];

export const measureSchema = z
  .strictObject({
    name: z.string().min(1).meta({ description: 'the measure\'s name in every output' }),
    better: z.enum(['higher', 'lower']).meta({ description: 'which direction is better, for the verdicts' }),
    ...Object.fromEntries(MEASURE_KINDS.map((kind) => [kind, MEASURES[kind].optional()])),
  })
  .meta({ description: 'one measure: a name, which direction is better, and exactly one kind' });

const bound = z.union([z.string(), z.number()]);
export const requireSchema = z
  .strictObject({
    measure: z.string().meta({ description: 'a measure name' }),
    variant: variantKey.meta({ description: 'the variant (axis → value name); every axis named' }),
    better_than_baseline: z.literal(true).meta({ description: 'the paired difference against the baseline is significantly better' }).optional(),
    not_worse_than_baseline: z.literal(true).meta({ description: 'the paired difference is not significantly worse' }).optional(),
    statistic: z.enum(['mean', 'median', 'min', 'max', 'p5', 'p95', 'ci_low', 'ci_high']).meta({ description: 'a statistic to bound (default mean)' }).optional(),
    above: bound.optional(),
    below: bound.optional(),
    at_least: bound.optional(),
    at_most: bound.optional(),
  })
  .meta({ description: 'a CI requirement: exit 1 when it does not hold' });

export const sweepSchema = z
  .strictObject({
    $schema: z.string().optional(),
    sweep: z.string().min(1).meta({ description: 'the question this sweep answers (its title)' }),
    scenario: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).meta({ description: 'a scenario file (relative to the sweep file) or a scenario inline' }),
    seeds: z.union([z.number().int().min(1).max(10_000), z.array(z.number().int().min(0).max(0xffffffff)).min(1).max(10_000)]).meta({ description: 'a count N (seeds 1..N) or a list of seeds; every variant runs every seed' }),
    vary: z.record(z.string().regex(NAME), z.record(z.string().min(1), overrides)).meta({ description: 'axes → named values → overrides; the variants are the product of the axes' }).optional(),
    exclude: z.array(variantKey).meta({ description: 'variants to leave out: each entry names some axes\' values' }).optional(),
    variants: z.array(variantKey).min(1).meta({ description: 'instead of the whole product: exactly these variants' }).optional(),
    measure: z.array(measureSchema).min(1).meta({ description: 'what to measure in every run' }),
    baseline: variantKey.meta({ description: 'the reference values of some axes: each variant is compared with the one that has these values and its own on the other axes' }).optional(),
    weather: z.enum(['per-datagram', 'time-keyed']).meta({ description: "how every run's links draw their randomness: time-keyed gives every variant the same network weather at the same ms (common random numbers, docs/sweeps.md); default: the scenario's own link_draws" }).optional(),
    require: z.array(requireSchema).meta({ description: 'CI requirements (exit 1 when one fails)' }).optional(),
  })
  .meta({ description: 'an enetsim sweep: a scenario, the settings to vary, the seeds, what to measure' });

export type SweepParsed = z.output<typeof sweepSchema>;

/** The JSON Schema (draft 2020-12) of the sweep format, for editors. */
export function sweepJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(sweepSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
