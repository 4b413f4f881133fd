// `enetsim proxy --control 127.0.0.1:0`: a small HTTP API to change the proxy's network while it runs
// (link, partition, heal, hold, release) and read its summary, for test scripts in any language.
import * as http from 'node:http';

import type { NetworkChangeSource, ProxyDirection, ProxySummary } from '../../native/proxy.js';
import type { ProxyDirectionState, ProxyLinkSetting, ProxyNetworkChange } from '../../native/proxy-network.js';
import type { ChangeOutcome } from '../../native/proxy-timeline.js';
import { loadLinkFlag } from '../../scenario/load.js';
import { formatProblem } from '../../scenario/source.js';
import { parseUnit } from '../../scenario/units.js';

/** Largest request body read; a larger one gets 413. */
export const CONTROL_BODY_BYTES_MAX = 64 * 1024;

/** What the control API needs from the proxy. */
export interface ControlledProxy {
  changeNetwork(change: ProxyNetworkChange, source: NetworkChangeSource): ChangeOutcome;
  networkState(): Record<ProxyDirection, ProxyDirectionState>;
  summary(): ProxySummary;
}

/** A change the API made, for the command to print. */
export interface ControlChange {
  atMs: number;
  change: ProxyNetworkChange;
  label: string;
}

type Reply = { status: number; body: unknown };

const ROUTES = {
  'GET /': 'this list',
  'GET /summary': 'the session summary so far (as --json prints it at the end)',
  'GET /network': "each direction's link now, and whether it is partitioned or held",
  'POST /link': "body: a link as --link takes it ('latency: 200ms, loss: 5%'), both directions; ?ramp=2s to ramp",
  'POST /link/up': 'the same, client→server only',
  'POST /link/down': 'the same, server→client only',
  'POST /partition': 'cut both directions (?direction=up or down: one way)',
  'POST /heal': 'undo a partition (?direction=up or down: one way)',
  'POST /hold': 'keep datagrams, losing none (?direction=up or down: one way)',
  'POST /release': 'end a hold: what it kept enters the link in order (?direction=...)',
} as const;

function directionsOf(query: URLSearchParams): { ok: true; directions: ProxyDirection[]; name: string } | { ok: false; message: string } {
  const direction = query.get('direction');
  if (direction === null || direction === 'both') return { ok: true, directions: ['up', 'down'], name: 'client<->server' };
  if (direction === 'up') return { ok: true, directions: ['up'], name: 'client->server' };
  if (direction === 'down') return { ok: true, directions: ['down'], name: 'server->client' };
  return { ok: false, message: `direction must be up (client→server), down (server→client) or both, got '${direction}'` };
}

/** Turns one request into a change, or a 400 message. */
function changeOf(method: string, path: string, query: URLSearchParams, body: string): { ok: true; change: ProxyNetworkChange; label: string } | { ok: false; status: number; message: string } {
  const link = /^\/link(?:\/(up|down))?$/.exec(path);
  if (link !== null) {
    if (method !== 'POST') return { ok: false, status: 405, message: `${path} takes POST with a link in the body` };
    const target = (link[1] ?? 'both') as 'up' | 'down' | 'both';
    const flag = target === 'both' ? 'link' : `link/${target}`;
    if (body.trim() === '') return { ok: false, status: 400, message: `${flag}: the body is empty: send a link as --link takes it, e.g. 'latency: 200ms, loss: 5%'` };
    const loaded = loadLinkFlag(flag, body.trim());
    if (!loaded.ok) return { ok: false, status: 400, message: loaded.problems.map(formatProblem).join('\n') };
    let rampMs = 0;
    const ramp = query.get('ramp');
    if (ramp !== null) {
      const parsed = parseUnit('duration', ramp);
      if (!parsed.ok) return { ok: false, status: 400, message: `ramp: ${parsed.message}` };
      rampMs = parsed.value;
    }
    const settings: ProxyLinkSetting[] = [{ target, config: loaded.config }];
    const name = target === 'both' ? 'client<->server' : target === 'up' ? 'client->server' : 'server->client';
    // The label is printed as one line: a body written over several lines is joined with spaces.
    return { ok: true, change: { kind: 'link', settings, rampMs }, label: `link ${name} ${body.trim().replace(/\s+/g, ' ')}${rampMs > 0 ? ` (ramp ${rampMs}ms)` : ''}` };
  }
  const simple = /^\/(partition|heal|hold|release)$/.exec(path);
  if (simple !== null) {
    if (method !== 'POST') return { ok: false, status: 405, message: `${path} takes POST` };
    const kind = simple[1] as 'partition' | 'heal' | 'hold' | 'release';
    const directions = directionsOf(query);
    if (!directions.ok) return { ok: false, status: 400, message: directions.message };
    return { ok: true, change: { kind, directions: directions.directions }, label: `${kind} ${directions.name}` };
  }
  return { ok: false, status: 404, message: `no such endpoint: ${method} ${path} (GET / lists them)` };
}

/** Answers one request (the body read already). */
export function answer(proxy: ControlledProxy, method: string, url: string, body: string, onChange: (change: ControlChange) => void): Reply {
  // The printed URL ends in '/', so scripts that append '/summary' send '//summary': a URL parser reads
  // '//x' as a host name, so the path is taken as written, with repeated slashes made one.
  const parsed = new URL(`http://control/${url.replace(/^\/+/, '')}`);
  const path = parsed.pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '') || '/';
  if (method === 'GET' && path === '/') return { status: 200, body: { endpoints: ROUTES } };
  if (path === '/summary' || path === '/network') {
    if (method !== 'GET') return { status: 405, body: { error: `${path} takes GET` } };
    return { status: 200, body: path === '/summary' ? proxy.summary() : proxy.networkState() };
  }
  const request = changeOf(method, path, parsed.searchParams, body);
  if (!request.ok) return { status: request.status, body: { error: request.message } };
  const outcome = proxy.changeNetwork(request.change, 'control');
  if (!outcome.ok) return { status: 400, body: { error: outcome.reason } };
  onChange({ atMs: outcome.atMs, change: request.change, label: request.label });
  return { status: 200, body: { atMs: outcome.atMs, applied: request.label, network: proxy.networkState() } };
}

/** The running control server. */
export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Why a request that a web page could have made is refused, or null. A page the user visits can send a
 * POST to any loopback port (a form or fetch needs no permission to send), and with DNS rebinding read
 * the answers too. Test scripts (curl, Python, GDScript's HTTPClient) send no `Origin` header and name
 * the address they were given, so a request with an `Origin`, or whose `Host` is another name, is not
 * theirs. With --control-allow-remote the Host check is off (the machine's other names are valid).
 */
export function browserRefusal(headers: http.IncomingHttpHeaders, boundHost: string, port: number, checkHost: boolean): string | null {
  if (headers.origin !== undefined) return `requests from a web page are refused (Origin: ${headers.origin}): a page you visit could change the proxy's network; use curl or your test script`;
  if (!checkHost) return null;
  const host = (headers.host ?? '').toLowerCase();
  const loopbackHosts = [...new Set([boundHost, '127.0.0.1', 'localhost', '[::1]'])].map((name) => `${name}:${port}`);
  if (!loopbackHosts.includes(host)) return `Host '${headers.host ?? ''}' is not this loopback API (${loopbackHosts.join(', ')}): refused, as a web page reaching it through DNS rebinding would look`;
  return null;
}

/** Listens on `address`:`port` (port 0: any free one) and answers until closed. */
export async function startControlServer(address: string, port: number, proxy: ControlledProxy, onChange: (change: ControlChange) => void): Promise<ControlServer> {
  const checkHost = address === '::1' || address.startsWith('127.');
  const boundHost = address.includes(':') ? `[${address}]` : address;
  let boundPort = port;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    let sizeBytes = 0;
    let refused = false;
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    const refusal = browserRefusal(request.headers, boundHost, boundPort, checkHost);
    if (refusal !== null) {
      refused = true;
      reply(403, { error: refusal });
      request.resume();
      return;
    }
    request.on('data', (chunk: Buffer) => {
      sizeBytes += chunk.length;
      if (sizeBytes > CONTROL_BODY_BYTES_MAX && !refused) {
        refused = true;
        reply(413, { error: `the body is larger than ${CONTROL_BODY_BYTES_MAX} bytes` });
        request.destroy();
      } else if (!refused) chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      const result = answer(proxy, request.method ?? 'GET', request.url ?? '/', Buffer.concat(chunks).toString('utf8'), onChange);
      reply(result.status, result.body);
    });
    request.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as { address: string; port: number };
  boundPort = bound.port;
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
