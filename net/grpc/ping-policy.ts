/**
 * gRPC-Go's keepalive enforcement, which etcd sets up from --grpc-keepalive-min-time and grpc-js
 * lacks: a client that pings more often than the minimum time (or, with no call open, at all within
 * two hours: etcd does not permit pings without streams) earns a strike; after more than two
 * strikes the server sends GOAWAY ENHANCE_YOUR_CALM "too_many_pings" and closes the connection,
 * as gRPC-Go does. A new call on the connection wipes the strikes (gRPC-Go wipes them whenever it
 * sends a frame; a new stream is the closest event Node reports).
 */
import { constants, type Http2Server, type ServerHttp2Session } from 'node:http2';

/** gRPC-Go's maxPingStrikes. */
const PING_STRIKES_MAX = 2;
/** gRPC-Go's floor for pings on a connection with no stream when PermitWithoutStream is off. */
const IDLE_PING_INTERVAL_MS = 2 * 60 * 60 * 1000;
const TOO_MANY_PINGS = Buffer.from('too_many_pings');

/** Polices the pings of every session `server` accepts from now on. */
export function enforcePingPolicy(server: Http2Server, minTimeMs: number): void {
  server.on('session', (session: ServerHttp2Session) => policeSession(session, minTimeMs));
}

function policeSession(session: ServerHttp2Session, minTimeMs: number): void {
  let lastPingMs = Number.NEGATIVE_INFINITY;
  let strikes = 0;
  let openStreams = 0;
  session.on('stream', (stream) => {
    openStreams++;
    strikes = 0;
    stream.once('close', () => { openStreams--; });
  });
  session.on('ping', () => {
    const nowMs = performance.now();
    const floorMs = openStreams > 0 ? minTimeMs : Math.max(minTimeMs, IDLE_PING_INTERVAL_MS);
    const tooSoon = nowMs - lastPingMs < floorMs;
    lastPingMs = nowMs;
    if (!tooSoon || ++strikes <= PING_STRIKES_MAX) return;
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, TOO_MANY_PINGS);
    session.close();
  });
}
