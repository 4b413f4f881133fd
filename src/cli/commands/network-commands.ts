// serve, connect and proxy as `--help` lists them: their command strings and descriptions, apart from the
// commands themselves, so the command line can list them without loading the UDP and ENet code.
// Their flags are registered (registerNetworkCommands in connect.ts, registerProxyCommand in proxy.ts)
// only when one of them runs.

export const SERVE_COMMAND = 'serve';
export const SERVE_DESCRIPTION = 'run an ENet host on a real UDP socket and print its events (Ctrl-C disconnects peers and exits)';

export const CONNECT_COMMAND = 'connect <target>';
export const CONNECT_DESCRIPTION =
  'connect to an ENet server over UDP, send a packet, print what comes back (an ENet netcat); a Godot server needs --godot 3 or --godot 4';

export const PROXY_COMMAND = 'proxy';
export const PROXY_DESCRIPTION = 'forward UDP between real ENet clients and a server through the link model, in real time (Ctrl-C prints the summary)';
