/**
 * One in-process member with the JSON gateway, served both ways the server serves HTTP: by uWS on
 * a port of its own (`app.port`) and by node's http on a client listener (`listener.port`), as the
 * client URL does (no gRPC needed here).
 */
import { ClientListener } from '../../net/client-listener.js';
import { registerGateway } from '../../net/http/gateway-endpoint.js';
import { HttpApp } from '../../net/http/http-app.js';
import { etcdServerOf, TestCluster, type RunningMember } from '../node/cluster-harness.js';

export interface GatewayMember {
  cluster: TestCluster;
  running: RunningMember;
  app: HttpApp;
  listener: ClientListener;
  close(): Promise<void>;
}

export async function startGatewayMember(): Promise<GatewayMember> {
  const cluster = new TestCluster(1);
  const running = await cluster.start(1);
  await cluster.leader();
  const server = etcdServerOf(running);
  const app = await HttpApp.listen({ host: '127.0.0.1', port: 0, server });
  registerGateway(app, server);
  const listener = await ClientListener.listen('127.0.0.1', 0, { http2: (socket) => socket.destroy(), other: (socket) => app.nodeServer().serve(socket) });
  return {
    cluster, running, app, listener,
    close: async () => {
      listener.close();
      app.close();
      await cluster.close();
    },
  };
}
