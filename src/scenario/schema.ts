// The scenario format's single source of truth: a zod schema. It validates scenarios, converts
// values with units into numbers in base units (ms, bytes, bit/s, percent), and generates the JSON
// Schema that editors use (`enetsim schema`). docs/scenarios.md documents every key (a test checks
// that each key of this schema appears there).
import { z } from 'zod';
import { PROTOCOL_PROFILES } from '../enet/constants.js';
import { PEER_STATISTIC_NAMES } from '../trace/trace.js';
import { LINK_DRAW_MODES, type LinkDrawMode } from '../sim/weather.js';
import { parseUnit, unitPattern, UNIT_DESCRIPTIONS, type UnitKind } from './units.js';

/** A value with a unit, converted to its base unit (see units.ts). */
function unit(kind: UnitKind, description?: string) {
  return z
    .union([z.string(), z.number()])
    .transform((raw, context) => {
      const parsed = parseUnit(kind, raw);
      if (!parsed.ok) {
        context.addIssue({ code: 'custom', message: parsed.message });
        return z.NEVER;
      }
      return parsed.value;
    })
    .meta({ unit: kind, description: description ?? UNIT_DESCRIPTIONS[kind] });
}

const duration = (description?: string) => unit('duration', description);
const percent = (description?: string) => unit('percent', description);
const size = (description?: string) => unit('size', description);
const bitrate = (description?: string) => unit('bitrate', description);

/**
 * A queue limit: a size (`16KB`, bytes) or a duration (`200ms`, the longest a datagram may wait before its
 * own serialization starts), told apart by the unit.
 */
function queueLimit(description: string) {
  return z
    .union([z.string(), z.number()])
    .transform((raw, context): { bytes: number } | { ms: number } => {
      const asSize = parseUnit('size', raw);
      if (asSize.ok) return { bytes: asSize.value };
      const asDuration = parseUnit('duration', raw);
      if (asDuration.ok) return { ms: asDuration.value };
      const suffix = typeof raw === 'string' ? /([A-Za-z/%]+)\s*$/.exec(raw)?.[1] : undefined;
      const isDuration = suffix !== undefined && ['us', 'ms', 's', 'min', 'h'].includes(suffix);
      const message = typeof raw === 'number'
        ? `${raw} needs a unit: write "${raw}B" for bytes or "${raw}ms" for a time (${UNIT_DESCRIPTIONS.size}; or ${UNIT_DESCRIPTIONS.duration})`
        : isDuration ? asDuration.message : `${asSize.message} (or ${UNIT_DESCRIPTIONS.duration})`;
      context.addIssue({ code: 'custom', message });
      return z.NEVER;
    })
    .meta({ queueLimit: true, description });
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const hostName = z.string().regex(NAME, 'a host name: letters, digits, _ and -, starting with a letter or _');
/** "a->b": host a's peer for host b. */
export const peerRef = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*->[A-Za-z_][A-Za-z0-9_-]*$/, 'a peer: "host->remote", e.g. client->server (the client\'s peer for the server)');
/** "a->b" (one direction), "a<->b" (both) or "default". */
export const linkRef = z
  .string()
  .regex(/^(default|[A-Za-z_][A-Za-z0-9_-]*(->|<->)[A-Za-z_][A-Za-z0-9_-]*)$/, 'a link: "default", "a->b" (one direction) or "a<->b" (both)');

export const PEER_STATES = [
  'STATE_DISCONNECTED',
  'STATE_CONNECTING',
  'STATE_ACKNOWLEDGING_CONNECT',
  'STATE_CONNECTION_PENDING',
  'STATE_CONNECTION_SUCCEEDED',
  'STATE_CONNECTED',
  'STATE_DISCONNECT_LATER',
  'STATE_DISCONNECTING',
  'STATE_ACKNOWLEDGING_DISCONNECT',
  'STATE_ZOMBIE',
] as const;
export const peerState = z.enum(PEER_STATES);

/** Godot's PeerStatistic names, index-aligned with the values the simulator samples. */
export const STATISTICS = PEER_STATISTIC_NAMES;
export const statistic = z.enum(STATISTICS);

/** Packet flags in Godot's words. `unreliable` is no flag at all (plain sequenced unreliable). */
export const flag = z.enum(['reliable', 'unsequenced', 'unreliable_fragment', 'unreliable']);

// ---- hosts -------------------------------------------------------------------------------------------

export const serviceSchema = z
  .strictObject({
    rate: unit('frequency', 'frames per second, e.g. 60Hz (frame k at phase + floor(k·1000/rate) ms)').optional(),
    every: duration('time between frames, e.g. 16ms').optional(),
    phase: duration('delay of the first frame').optional(),
    jitter: duration('each frame is late by a uniform 0..jitter').optional(),
    on_receive: z.boolean().meta({ description: 'also service as soon as a datagram arrives' }).optional(),
    max_events: z.number().int().min(1).max(100_000).meta({ description: 'service() calls per frame while events come (default 1000)' }).optional(),
  })
  .meta({ description: 'when the application calls service()' });

export const hostSchema = z
  .strictObject({
    peers: z.number().int().min(1).max(4095).meta({ description: 'peer slots (max_peers), default 32' }).optional(),
    channels: z.number().int().min(0).max(255).meta({ description: 'channel limit (max_channels), 0 = 255, default 0' }).optional(),
    bandwidth: z
      .strictObject({
        in: bitrate('downstream bandwidth ENet assumes (in_bandwidth); 0bit/s = unlimited').optional(),
        out: bitrate('upstream bandwidth ENet assumes (out_bandwidth); 0bit/s = unlimited').optional(),
      })
      .optional(),
    mtu: size('ENet host MTU (default 1392B for 1.3.18, 1400B for 1.3.17)').optional(),
    checksum: z.boolean().meta({ description: 'ENet CRC-32 checksums; both ends must agree' }).optional(),
    compress: z
      .enum(['none', 'range-coder', 'fastlz', 'zlib', 'zstd'])
      .meta({ description: "datagram compression as Godot's ENetConnection.compress: ENet's range coder, or Godot's FastLZ, zlib or Zstandard wrappers (libenet hosts: range-coder only); both ends must agree (default none)" })
      .optional(),
    protocol: z
      .enum(PROTOCOL_PROFILES)
      .meta({ description: 'which ENet to behave as: 1.3.18 (default), 1.3.17 (default with impl libenet), or the ENet of a Godot release: godot-4.0, godot-4.2, godot-pr118158 (docs/godot.md)' })
      .optional(),
    impl: z
      .enum(['typescript', 'libenet'])
      .meta({ description: "which implementation runs this host: enetsim's TypeScript ENet (default) or Debian's real libenet 1.3.17 through the C driver" })
      .optional(),
    port: z.number().int().min(1).max(65535).optional(),
    service: z
      .union([
        unit('frequency').transform((rate) => ({ rate })),
        duration().transform((every) => ({ every })),
        serviceSchema,
      ])
      .meta({ description: 'service cadence: "60Hz", "16ms", or an object' })
      .optional(),
  })
  .meta({ description: 'an ENet host and its game loop' });

// ---- links -------------------------------------------------------------------------------------------

const jitterObject = z.strictObject({
  amount: duration('scale of the extra one-way delay (uniform: ±amount; normal: σ; pareto/exponential: mean)'),
  distribution: z.enum(['uniform', 'normal', 'pareto', 'exponential']).optional(),
  correlation: percent('how much each delay resembles the previous one').optional(),
  reorder: z.boolean().meta({ description: 'let jitter reorder datagrams (netem); default false keeps order' }).optional(),
  percent: percent('share of datagrams that get jitter (default 100%)').optional(),
  max: duration('cap on the extra delay').optional(),
});

const lossObject = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('bernoulli'), rate: percent('loss probability per datagram') }),
  z.strictObject({
    model: z.literal('gilbert-elliott'),
    enter_burst: percent('good → bad per datagram (netem p)'),
    exit_burst: percent('bad → good per datagram (netem r); mean burst = 100% / exit_burst'),
    loss_in_good: percent('loss probability in the good state (default 0%)').optional(),
    loss_in_bad: percent('loss probability in the bad state (default 100%)').optional(),
  }),
  z.strictObject({
    model: z.literal('netem4'),
    p13: percent(),
    p31: percent().optional(),
    p32: percent().optional(),
    p23: percent().optional(),
    p14: percent().optional(),
  }),
  z.strictObject({ model: z.literal('every'), n: z.number().int().min(1), offset: z.number().int().min(0).optional() }),
]);

export const linkSchema = z
  .strictObject({
    preset: z.string().meta({ description: 'start from a named preset (enetsim presets)' }).optional(),
    latency: duration('one-way base delay').optional(),
    jitter: z
      .union([duration().transform((amount) => ({ amount })), jitterObject])
      .meta({ description: 'extra one-way delay: "5ms" (uniform ±5ms) or an object' })
      .optional(),
    loss: z
      .union([percent().transform((rate) => ({ model: 'bernoulli' as const, rate })), lossObject])
      .meta({ description: 'loss: "1%" (independent) or a model object' })
      .optional(),
    duplicate: z
      .union([percent().transform((rate) => ({ rate })), z.strictObject({ rate: percent(), delay: duration('how much later the copy arrives').optional() })])
      .meta({ description: 'duplication: "1%" or { rate, delay }' })
      .optional(),
    corrupt: percent('share of datagrams with one bit flipped').optional(),
    reorder: z
      .union([percent().transform((rate) => ({ rate })), z.strictObject({ rate: percent(), gap: z.number().int().min(1).optional() })])
      .meta({ description: 'netem reorder: "25%" or { rate, gap }: these skip the delay' })
      .optional(),
    mtu: size('largest datagram the path carries; larger ones are dropped').optional(),
    bandwidth: bitrate('bottleneck rate; datagrams queue behind it').optional(),
    overhead: size('bytes added per datagram on the wire (default 28B: IPv4 + UDP)').optional(),
    queue: queueLimit('queue limit behind the bottleneck (tail drop): bytes (16KB) or time (200ms: the longest wait before serialization starts)').optional(),
    queue_datagrams: z.number().int().min(1).meta({ description: 'queue limit in datagrams (default 1000)' }).optional(),
  })
  .meta({ description: 'one direction of a link (or both, for "a<->b" and "default")' });

// ---- timeline ----------------------------------------------------------------------------------------

const sizeSpec = z.union([size().transform((bytes) => ({ min: bytes, max: bytes })), z.strictObject({ min: size(), max: size() })]);
const flags = z.array(flag).meta({ description: 'packet flags: reliable, unsequenced, unreliable_fragment, unreliable' });

// In a reaction (`on:`), the application's calls take their host and peer from the event: these keys
// are optional for those actions, and required (checked by the loader) at a fixed time.
const boundHost = hostName.meta({ description: 'a host (in a reaction: default the reacting host, or the event\'s peer for `to`)' }).optional();
const boundPeer = peerRef.meta({ description: '"host->peer" (in a reaction: default the reacting host\'s peer of the event)' }).optional();

export const ACTIONS = {
  connect: z.strictObject({ from: boundHost, to: boundHost, channels: z.number().int().min(0).max(255).optional(), data: z.number().int().min(0).max(0xffffffff).optional() }),
  send: z.strictObject({
    from: boundHost,
    to: boundHost,
    channel: z.number().int().min(0).max(254).optional(),
    size: sizeSpec,
    flags: flags.optional(),
    count: z.number().int().min(1).max(1_000_000).optional(),
  }),
  stream: z.strictObject({
    from: boundHost,
    to: boundHost,
    channel: z.number().int().min(0).max(254).optional(),
    size: sizeSpec,
    rate: unit('packetRate'),
    flags: flags.optional(),
    for: duration('how long the stream runs (default: to the end)').optional(),
  }),
  bulk: z.strictObject({
    from: boundHost,
    to: boundHost,
    channel: z.number().int().min(0).max(254).optional(),
    total: size('bytes to transfer'),
    packet: size('bytes per packet'),
    flags: flags.optional(),
  }),
  broadcast: z.strictObject({ from: boundHost, channel: z.number().int().min(0).max(254).optional(), size: sizeSpec, flags: flags.optional() }),
  link: z.record(linkRef, linkSchema).meta({ description: 'change links: { "a->b": { knobs } }' }),
  partition: z.strictObject({ between: z.tuple([hostName, hostName]).optional(), from: hostName.optional(), to: hostName.optional() }),
  heal: z.strictObject({ between: z.tuple([hostName, hostName]).optional(), from: hostName.optional(), to: hostName.optional() }),
  hold: z.strictObject({ from: hostName, to: hostName }),
  release: z.strictObject({ from: hostName, to: hostName }),
  lag_spike: z.strictObject({ link: linkRef, extra: duration('added one-way delay'), for: duration('how long the spike lasts') }),
  pause: z.strictObject({ host: hostName }),
  resume: z.strictObject({ host: hostName }),
  crash: z.strictObject({ host: hostName }),
  restart: z.strictObject({ host: hostName }),
  throttle_configure: z.strictObject({
    peer: boundPeer,
    interval: duration(),
    acceleration: z.number().int().min(0).max(32),
    deceleration: z.number().int().min(0).max(32),
  }),
  set_timeout: z.strictObject({ peer: boundPeer, timeout: z.number().int().min(0), min: duration(), max: duration() }),
  ping_interval: z.strictObject({ peer: boundPeer, interval: duration() }),
  ping: z.strictObject({ peer: boundPeer }),
  peer_disconnect: z.strictObject({ peer: boundPeer, data: z.number().int().min(0).max(0xffffffff).optional() }),
  peer_disconnect_later: z.strictObject({ peer: boundPeer, data: z.number().int().min(0).max(0xffffffff).optional() }),
  peer_disconnect_now: z.strictObject({ peer: boundPeer, data: z.number().int().min(0).max(0xffffffff).optional() }),
  reset: z.strictObject({ peer: boundPeer }),
  bandwidth_limit: z.strictObject({ host: boundHost, in: bitrate().optional(), out: bitrate().optional() }),
  channel_limit: z.strictObject({ host: boundHost, limit: z.number().int().min(0).max(255) }),
} as const;
export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

/** The actions a reaction may run: the application's own calls, not the network's changes. */
export const REACTION_ACTION_NAMES = [
  'connect', 'send', 'stream', 'bulk', 'broadcast', 'throttle_configure', 'set_timeout', 'ping_interval', 'ping',
  'peer_disconnect', 'peer_disconnect_later', 'peer_disconnect_now', 'reset', 'bandwidth_limit', 'channel_limit',
] as const satisfies readonly ActionName[];

export const reactionTriggerSchema = z
  .strictObject({
    host: hostName.meta({ description: 'the host whose application sees the event' }),
    event: z.enum(['connect', 'disconnect', 'receive']).meta({ description: 'the ENet event: connect, disconnect or receive' }),
    peer: hostName.meta({ description: 'only events of the peer for this host (default: any peer)' }).optional(),
    channel: z.number().int().min(0).max(254).meta({ description: 'receive only: only packets on this channel' }).optional(),
    data: z.number().int().min(0).max(0xffffffff).meta({ description: 'connect/disconnect only: only events carrying this data' }).optional(),
    delay: duration('run the action this long after the event (default 0: inside the frame, right after the service call)').optional(),
    once: z.boolean().meta({ description: 'answer the first matching event only (default false: every one)' }).optional(),
  })
  .meta({ description: 'react to an ENet event instead of acting at a time' });

export const timelineEntrySchema = z
  .strictObject({
    at: duration('when, from the start of the run (with on: from when the reaction answers events, default 0s)').optional(),
    on: reactionTriggerSchema.optional(),
    id: z.string().regex(NAME).meta({ description: 'a name assertions can refer to (after: id)' }).optional(),
    ramp: duration('for link changes: move linearly to the new values over this time').optional(),
    ...Object.fromEntries(ACTION_NAMES.map((name) => [name, ACTIONS[name].optional()])),
  })
  .meta({ description: 'one timeline entry: `at` (or `on`, a reaction), optional `id`, and exactly one action' });

// ---- expectations ------------------------------------------------------------------------------------

const window = {
  after: z.string().regex(NAME).meta({ description: 'a timeline id: times count from that entry (default: the start)' }).optional(),
  within: duration('from the reference time').optional(),
  between: z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]).meta({ description: '[from, to] durations from the reference time' }).optional(),
};
const bound = {
  above: z.union([z.string(), z.number()]).optional(),
  below: z.union([z.string(), z.number()]).optional(),
  equals: z.union([z.string(), z.number()]).optional(),
  at_least: z.union([z.string(), z.number()]).optional(),
  at_most: z.union([z.string(), z.number()]).optional(),
};

/** Drop reasons a traffic expectation can name (model.ts DROP_REASONS). */
const dropReason = z.enum(['loss', 'mtu', 'queueFull', 'partition', 'hostDown']);

/** The datagrams of one direction, measured (a `traffic` expectation without its bounds; also a sweep measure and a `relative` side). */
export const trafficSchema = z.strictObject({
  from: hostName,
  to: hostName,
  measure: z
    .enum(['datagrams', 'bytes', 'overhead', 'retransmissions', 'size'])
    .meta({ description: 'datagrams (count, default), bytes (UDP payload), overhead (wire bytes / application bytes), retransmissions (reliable commands sent again), size (a datagram size aggregate)' })
    .optional(),
  phase: z.enum(['sent', 'delivered', 'dropped']).meta({ description: 'which datagram events count (default sent)' }).optional(),
  reason: dropReason.meta({ description: 'with phase dropped: only drops for this reason' }).optional(),
  channel: z.number().int().min(0).max(255).meta({ description: 'retransmissions: only commands on this channel (255: connection commands such as PING)' }).optional(),
  aggregate: z.enum(['min', 'max', 'mean', 'p50', 'p90', 'p95', 'p99']).meta({ description: 'size: how datagram sizes are reduced (default max)' }).optional(),
  ...window,
});

const statMeasureSchema = z.strictObject({
  peer: peerRef,
  stat: statistic,
  at: duration().optional(),
  over: z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]).optional(),
  aggregate: z.enum(['min', 'max', 'mean', 'last', 'p50', 'p90', 'p95', 'p99']).optional(),
  after: window.after,
});

/** One side of a `relative` expectation: exactly one measured number. */
export const scalarSchema = z.strictObject({
  stat: statMeasureSchema.optional(),
  traffic: trafficSchema.optional(),
  delivery: z
    .strictObject({
      from: hostName,
      to: hostName,
      channel: z.number().int().min(0).max(254).optional(),
      ratio: z.literal(true).meta({ description: 'the delivered fraction of the packets sent' }).optional(),
      latency: z.number().min(0).max(100).meta({ description: 'this percentile of one-way latency, e.g. 95' }).optional(),
    })
    .optional(),
});

export const EXPECTATIONS = {
  state: z.strictObject({
    peer: peerRef,
    reaches: peerState.optional(),
    never: peerState.optional(),
    is: peerState.optional(),
    at: duration().optional(),
    ...window,
  }),
  sequence: z.strictObject({ peer: peerRef, states: z.array(peerState).min(1) }),
  event: z.strictObject({
    host: hostName,
    type: z.enum(['connect', 'disconnect', 'receive']),
    peer: hostName.meta({ description: 'the remote host' }).optional(),
    data: z.number().int().min(0).max(0xffffffff).optional(),
    channel: z.number().int().min(0).max(254).optional(),
    count: z.number().int().min(0).optional(),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
    ...window,
  }),
  timeout: z.strictObject({
    peer: peerRef,
    rule: z.enum(['limit', 'maximum', 'any']).meta({ description: 'which ENet rule: limit (backoff + timeout_min), maximum (timeout_max)' }).optional(),
    ...window,
  }),
  stat: statMeasureSchema.extend(bound),
  converge: z.strictObject({
    peer: peerRef,
    stat: statistic,
    to: z.union([z.string(), z.number()]).optional(),
    band: z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]).optional(),
    within: duration('time allowed to enter the band (default: until the end of the run)').optional(),
    hold: duration('time it must then stay in the band').optional(),
    after: window.after,
  }),
  delivery: z.strictObject({
    from: hostName,
    to: hostName,
    channel: z.number().int().min(0).max(254).optional(),
    reliable: z.enum(['exactly_once_in_order']).optional(),
    ratio: z.strictObject(bound).optional(),
    latency: z
      .strictObject({
        percentile: z.number().min(0).max(100).meta({ description: 'e.g. 95 for p95' }),
        below: duration().optional(),
        above: duration().optional(),
      })
      .optional(),
    duplicates: z.number().int().min(0).meta({ description: 'at most this many packets delivered more than once' }).optional(),
  }),
  traffic: trafficSchema.extend(bound),
  relative: z
    .strictObject({
      value: scalarSchema.meta({ description: 'the measured value: { stat: ... }, { traffic: ... } or { delivery: ... }, without bounds' }),
      than: scalarSchema.meta({ description: 'the value it is compared with, in the same unit' }),
      below: z.literal(true).meta({ description: 'value < than' }).optional(),
      above: z.literal(true).meta({ description: 'value > than' }).optional(),
      at_most: z.literal(true).meta({ description: 'value ≤ than' }).optional(),
      at_least: z.literal(true).meta({ description: 'value ≥ than' }).optional(),
      ratio: z.strictObject(bound).meta({ description: 'bounds on value / than' }).optional(),
      difference: z.strictObject(bound).meta({ description: "bounds on value − than, in the sides' unit" }).optional(),
    })
    .meta({ description: 'compares two measured values of the same run' }),
} as const;
export type ExpectationName = keyof typeof EXPECTATIONS;
export const EXPECTATION_NAMES = Object.keys(EXPECTATIONS) as ExpectationName[];

export const expectationSchema = z
  .strictObject({
    name: z.string().meta({ description: 'a label for reports' }).optional(),
    ...Object.fromEntries(EXPECTATION_NAMES.map((name) => [name, EXPECTATIONS[name].optional()])),
  })
  .meta({ description: 'one assertion: exactly one kind' });

export const durationSchema = duration('virtual time to simulate');

const linkDrawMode = z.enum(LINK_DRAW_MODES as [LinkDrawMode, ...LinkDrawMode[]]);
/** `link_draws`: how links draw fates: a mode, or a mode with the time-keyed slot. */
export const linkDrawsSchema = z
  .union([
    linkDrawMode,
    z.strictObject({
      mode: linkDrawMode,
      slot: duration('time-keyed only: one step of the loss chains and correlated jitter (default 10ms)').optional(),
    }),
  ])
  .meta({
    description:
      'per-datagram (default): fates drawn in send order; time-keyed: fates keyed by send time, so variants with different traffic meet the same network (docs/simulator.md, link draws)',
  });

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).meta({ description: 'what the scenario shows' }),
    description: z.string().optional(),
    seed: z.number().int().min(0).max(0xffffffff).meta({ description: 'master random seed (default 1)' }).optional(),
    fixed_seed: z.boolean().meta({ description: 'the expectations hold for `seed` alone: --seed and --seeds run this scenario with its own seed, once (default false)' }).optional(),
    duration: durationSchema,
    epoch: duration('ENet clock at the start (default 1000s); set near 4294967296ms to cross the 32-bit wrap').optional(),
    stats_interval: duration('statistics sampling period (default 100ms)').optional(),
    link_draws: linkDrawsSchema.optional(),
    hosts: z.record(hostName, hostSchema).meta({ description: 'the hosts, by name' }),
    links: z.record(linkRef, linkSchema).meta({ description: 'link settings: "default", "a->b", "a<->b"' }).optional(),
    timeline: z.array(timelineEntrySchema).optional(),
    expect: z.array(expectationSchema).optional(),
  })
  .meta({ description: 'an enetsim scenario' });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioParsed = z.output<typeof scenarioSchema>;

/** The JSON Schema (draft 2020-12) of the scenario format, for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioSchema, {
    io: 'input',
    override: (context) => {
      const meta = z.globalRegistry.get(context.zodSchema) as { unit?: UnitKind; queueLimit?: boolean } | undefined;
      if (meta?.queueLimit === true) {
        const json = context.jsonSchema as Record<string, unknown>;
        delete json['anyOf'];
        delete json['queueLimit'];
        json['type'] = 'string';
        json['pattern'] = `${unitPattern('size')}|${unitPattern('duration')}`;
      }
      if (meta?.unit !== undefined) {
        const json = context.jsonSchema as Record<string, unknown>;
        delete json['anyOf'];
        delete json['unit'];
        json['type'] = 'string';
        json['pattern'] = unitPattern(meta.unit);
      }
    },
  }) as Record<string, unknown>;
}
