// The proxy process of `npm run bench:proxy` (bench/proxy-load.ts forks it with an IPC channel): one
// UdpProxy from the built dist/ (plain Node, no TypeScript loader, as a user runs it), nothing else, so
// that its CPU and memory are the proxy's plus Node's own event loop and garbage collector, which a
// proxy process pays too. Messages from the parent (shapes: ProxyMark and ProxyStopped in proxy-load.ts):
//   {type:'mark'}  → replies {type:'mark', CPU before and after taking the summary, memory, counters}
//   {type:'stop'}  → replies {type:'stopped', summary without connections}, closes and disconnects
import { parseArgs } from 'node:util';

import { proxyLinks } from '../dist/cli/commands/proxy.js';
import { UdpProxy } from '../dist/native/proxy.js';

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

process.on('message', (message) => {
  if (message.type === 'mark') {
    // The summary sorts the accuracy samples: not forwarding work, so its CPU is left out of the window.
    const before = process.cpuUsage();
    const memory = process.memoryUsage();
    const summary = proxy.summary();
    const after = process.cpuUsage();
    process.send({
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
      process.send({ type: 'stopped', summary });
      process.disconnect();
    });
  }
});

process.send({ type: 'ready', port: proxy.localAddress.port });
