// The proxy process of `npm run bench:proxy` (bench/proxy-load.ts spawns it with an IPC channel): one
// UdpProxy, nothing else, so that its CPU and memory are the proxy's (plus Node's own event loop and
// garbage collector, which a proxy process pays too). Messages from the parent:
//   {type:'mark'}  → replies {type:'mark', cpu, memory, summary counters} at that moment
//   {type:'stop'}  → replies {type:'stopped', summary} and exits
import { parseArgs } from 'node:util';

import { proxyLinks } from '../src/cli/commands/proxy.js';
import { UdpProxy, type ProxySummary } from '../src/native/proxy.js';

export interface ProxyMark {
  type: 'mark';
  /** process.cpuUsage() (user + system, µs) before and after taking the summary, whose sorting is not forwarding work. */
  cpuBeforeMicros: number;
  cpuAfterMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Peak RSS of the process so far (getrusage maxRSS). */
  peakRssBytes: number;
  datagramsIn: number;
  datagramsOut: number;
  clientsMapped: number;
}

export interface ProxyStopped {
  type: 'stopped';
  summary: Omit<ProxySummary, 'connections'>;
}

export interface ProxyReady {
  type: 'ready';
  port: number;
}

const { values } = parseArgs({ options: { to: { type: 'string' }, link: { type: 'string' }, 'max-clients': { type: 'string', default: '128' } } });
const links = proxyLinks({ link: values.link ?? null, linkUp: null, linkDown: null, preset: null });
if (!links.ok) throw new Error(links.message);
const proxy = await UdpProxy.open({
  listen: { port: 0 },
  target: { address: '127.0.0.1', port: Number(values.to) },
  linkUp: links.value.up,
  linkDown: links.value.down,
  seed: 1,
  maxClients: Number(values['max-clients']),
});

function send(message: ProxyReady | ProxyMark | ProxyStopped): void {
  process.send!(message);
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'mark') {
    const before = process.cpuUsage();
    const memory = process.memoryUsage();
    const summary = proxy.summary();
    const after = process.cpuUsage();
    send({
      type: 'mark',
      cpuBeforeMicros: before.user + before.system,
      cpuAfterMicros: after.user + after.system,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      datagramsIn: summary.directions.up.datagramsIn + summary.directions.down.datagramsIn,
      datagramsOut: summary.directions.up.datagramsOut + summary.directions.down.datagramsOut,
      clientsMapped: proxy.clientsMapped,
    });
  } else if (message.type === 'stop') {
    const { connections: _connections, ...summary } = proxy.summary();
    void proxy.close().then(() => {
      send({ type: 'stopped', summary });
      process.disconnect();
    });
  }
});

send({ type: 'ready', port: proxy.localAddress.port });
