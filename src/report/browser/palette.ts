// Colours: Okabe and Ito's colour-blind-safe palette for series and fates, a fixed colour per
// Godot peer state, and the pass/fail pair (with a ✓/✗ beside every use, never colour alone).

/** Okabe–Ito, without its yellow (too light on white). */
export const SERIES_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export const PASS_COLOUR = '#1a7f37';
export const FAIL_COLOUR = '#cf222e';

/** A host's arrows in the sequence diagram: the palette without vermillion, kept for drops. */
const HOST_COLOURS = ['#0072B2', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export function hostColour(index: number): string {
  return HOST_COLOURS[index % HOST_COLOURS.length]!;
}

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length]!;
}

/** Delivered in blue; each drop rule in its own warm or distinct colour. */
const FATE_COLOURS: Record<string, string> = {
  delivered: '#0072B2',
  loss: '#D55E00',
  queueFull: '#E69F00',
  partition: '#CC79A7',
  mtu: '#009E73',
  hostDown: '#000000',
  corrupted: '#56B4E9',
};
const FATE_FALLBACK = ['#882255', '#44AA99', '#999933', '#AA4499', '#666666'];

export function fateColour(fate: string, index: number): string {
  return FATE_COLOURS[fate] ?? FATE_FALLBACK[index % FATE_FALLBACK.length]!;
}

/** Godot's ENetPacketPeer states, from not there (grey) through the handshake (blues) to connected (green) and leaving (oranges, red). */
const STATE_COLOURS: Record<string, string> = {
  STATE_DISCONNECTED: '#d0d7de',
  STATE_CONNECTING: '#9ecae1',
  STATE_ACKNOWLEDGING_CONNECT: '#6baed6',
  STATE_CONNECTION_PENDING: '#4292c6',
  STATE_CONNECTION_SUCCEEDED: '#2171b5',
  STATE_CONNECTED: '#74c476',
  STATE_DISCONNECT_LATER: '#fdd0a2',
  STATE_DISCONNECTING: '#fdae6b',
  STATE_ACKNOWLEDGING_DISCONNECT: '#fd8d3c',
  STATE_ZOMBIE: '#de2d26',
};

export function stateColour(state: string): string {
  return STATE_COLOURS[state] ?? '#bdbdbd';
}

/** Dark text on light state colours, white on the dark ones. */
export function stateTextColour(state: string): string {
  return ['STATE_CONNECTION_SUCCEEDED', 'STATE_CONNECTION_PENDING', 'STATE_ZOMBIE'].includes(state) ? '#ffffff' : '#1f2328';
}

/** Shading of the timeline's periods, light enough to draw series over; no green or red, which mean pass and fail. */
const SPAN_COLOURS: Record<string, string> = {
  partition: 'rgba(204,121,167,0.16)',
  hold: 'rgba(86,180,233,0.16)',
  lagSpike: 'rgba(230,159,0,0.18)',
  ramp: 'rgba(148,103,189,0.12)',
  congestion: 'rgba(166,118,29,0.13)',
  pause: 'rgba(120,120,120,0.16)',
  crash: 'rgba(0,0,0,0.16)',
};
const SPAN_EDGE_COLOURS: Record<string, string> = {
  partition: '#CC79A7',
  hold: '#56B4E9',
  lagSpike: '#E69F00',
  ramp: '#9467bd',
  congestion: '#a6761d',
  pause: '#777777',
  crash: '#000000',
};

export function spanFill(kind: string): string {
  return SPAN_COLOURS[kind] ?? 'rgba(120,120,120,0.14)';
}

export function spanEdge(kind: string): string {
  return SPAN_EDGE_COLOURS[kind] ?? '#777777';
}

/** A colour with an alpha, from #rrggbb. */
export function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255},${(value >> 8) & 255},${value & 255},${alpha})`;
}
