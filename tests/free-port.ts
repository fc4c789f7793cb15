/**
 * Test helper: a port nothing listens on right now on 127.0.0.1, for a server started later (a
 * member that must know its peers' ports up front).
 *
 * It is taken from below Linux's ephemeral range (32768-60999 by default), where bind(port 0)
 * and outgoing connections take their ports: a port read back from bind(0) could meanwhile become
 * the local port of some connection on a busy machine, and the server meant for it would then
 * fail to start with EADDRINUSE. Ports handed out are not handed out again by this process.
 */
import { createServer } from 'node:net';

const RANGE_LOW = 20_000;
const RANGE_HIGH = 32_767;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = RANGE_LOW + Math.floor(Math.random() * (RANGE_HIGH - RANGE_LOW + 1));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found in ${RANGE_LOW}-${RANGE_HIGH}`);
}
