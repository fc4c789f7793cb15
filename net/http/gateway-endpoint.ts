/**
 * etcd's JSON gateway (/v3/... and /v3beta/...) on the member's HTTP routes (http-app.ts): each route decodes its
 * body with the gateway codec, calls the EtcdServer every transport uses, and encodes the answer
 * as etcd's gateway does. POST /v3/watch (gateway-watch.ts) and POST
 * /v3/lease/keepalive (gateway-keepalive.ts) stream. Paths under the gateway prefixes that no
 * route serves, wrong methods and CORS preflights get the gateway's own replies, not the app's
 * generic ones.
 */
import type { RangeRequest } from '../../engine/mvcc/rpc.js';
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import { errorReply as gatewayErrorReply, type GatewayReply } from './gateway/gateway-errors.js';
import { GATEWAY_PREFIXES, GATEWAY_ROUTES, GATEWAY_STREAMS, resolveGatewayRequest, type GatewayRoute } from './gateway/routes.js';
import { rangeResponseAround } from './gateway/kv-encode.js';
import { serveKeepAlive } from './gateway-keepalive.js';
import { serveWatch } from './gateway-watch.js';
import type { HttpApp, HttpReply } from './http-app.js';

/** The CORS headers etcd's gateway sends with every answer. */
const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'Access-Control-Allow-Headers': 'accept, content-type, authorization',
};

/** The headers of a unary call's answer: CORS and the gRPC call's header metadata. */
const GATEWAY_HEADERS: Readonly<Record<string, string>> = {
  ...CORS_HEADERS,
  'Grpc-Metadata-Content-Type': 'application/grpc',
};

function toHttpReply(reply: GatewayReply): HttpReply {
  return { status: reply.status, contentType: reply.contentType ?? '', body: reply.body, headers: GATEWAY_HEADERS };
}

function ok(body: string): HttpReply {
  return { status: 200, contentType: 'application/json', body, headers: GATEWAY_HEADERS };
}

/** Serves one decoded route. Errors become etcd's gateway error bodies. */
async function serve(route: GatewayRoute, body: Uint8Array, server: EtcdServer): Promise<HttpReply> {
  try {
    switch (route.method) {
      case 'Range': return await rangeReply(server, route.decode(body));
      case 'Put': return ok(route.encode(await server.put(route.decode(body))));
      case 'DeleteRange': return ok(route.encode(await server.deleteRange(route.decode(body))));
      case 'Txn': return ok(route.encode(await server.txn(route.decode(body))));
      case 'Compact': return ok(route.encode(await server.compact(route.decode(body))));
      case 'Status':
        route.decode(body);
        return ok(route.encode(server.status()));
      case 'MemberList':
        route.decode(body);
        return ok(route.encode(server.memberList()));
      case 'MemberAdd': return ok(route.encode(await server.memberAdd(route.decode(body))));
      case 'MemberRemove': return ok(route.encode(await server.memberRemove(route.decode(body))));
      case 'MemberUpdate': return ok(route.encode(await server.memberUpdate(route.decode(body))));
      case 'MemberPromote': return ok(route.encode(await server.memberPromote(route.decode(body))));
      case 'Hash':
        route.decode(body);
        return server.hash();
      case 'Alarm': return ok(route.encode(await server.alarm(route.decode(body))));
      case 'LeaseGrant': return ok(route.encode(await server.leaseGrant(route.decode(body))));
      case 'LeaseRevoke': return ok(route.encode(await server.leaseRevoke(route.decode(body))));
      case 'LeaseTimeToLive': return ok(route.encode(await server.leaseTimeToLive(route.decode(body))));
      case 'LeaseLeases':
        route.decode(body);
        return ok(route.encode(await server.leaseLeases()));
    }
  } catch (error) {
    return toHttpReply(gatewayErrorReply(error));
  }
}

/**
 * A Range as the apply worker writes its kvs in JSON, page by page: one body when they fit a page
 * (nearly always), else sent chunked, each page read as the client takes the one before, so a
 * full-keyspace range costs this thread a copy of each page and no JSON of its own.
 */
async function rangeReply(server: EtcdServer, request: RangeRequest): Promise<HttpReply> {
  const { header, pages } = await server.rangeInPages(request, 'json');
  const { more, count, kvs, page, last } = pages.head;
  const { head, tail } = rangeResponseAround(header, more, count, kvs);
  if (!last) return { status: 200, contentType: 'application/json', body: { head, pages, tail }, headers: GATEWAY_HEADERS };
  return ok(`${head}${Buffer.from(page.buffer, page.byteOffset, page.byteLength).toString('latin1')}${tail}`);
}

/** Adds the gateway's routes, its two streams (and its 404/405/preflight answers) to the app. */
export function registerGateway(app: HttpApp, server: EtcdServer): void {
  for (const [path, route] of GATEWAY_ROUTES) app.post(path, (body) => serve(route, body, server));
  const streamOptions = { maxRequestBytes: app.maxRequestBytes, corsHeaders: CORS_HEADERS, server };
  for (const [path, stream] of GATEWAY_STREAMS) {
    app.stream(path, stream === 'Watch'
      ? (exchange) => serveWatch(exchange, streamOptions)
      : (exchange) => serveKeepAlive(exchange, streamOptions));
  }
  for (const prefix of GATEWAY_PREFIXES) {
    app.fallback(prefix, (method, url) => {
      const resolved = resolveGatewayRequest(method, url);
      const reply = 'reply' in resolved ? resolved.reply : { status: 405, contentType: 'text/plain; charset=utf-8', body: 'Method Not Allowed\n' };
      return toHttpReply(reply);
    });
  }
}
