/**
 * etcd's Lease service over gRPC: a thin adapter of LeaseServer. LeaseKeepAlive is a bidi stream:
 * requests are served concurrently and answered in order; a stream with more than
 * KEEPALIVES_PENDING_MAX unanswered requests fails with "too many requests" rather than queue
 * without bound.
 */
import type * as grpc from '@grpc/grpc-js';
import { ErrTooManyRequests } from '../../engine/errors.js';
import type { LeaseServer } from '../../engine/lease/lease-server.js';
import { int64 } from './int64.js';
import { grpcStatusOf, unary } from './unary.js';

/** Keep-alives one stream may have waiting for an answer. */
export const KEEPALIVES_PENDING_MAX = 1024;

type Int64 = string | number;

export function leaseService(lease: LeaseServer): grpc.UntypedServiceImplementation {
  return {
    LeaseGrant: unary((r: { TTL: Int64; ID: Int64 }) => lease.grant({ TTL: int64(r.TTL, 'TTL'), ID: int64(r.ID, 'ID') })),
    LeaseRevoke: unary((r: { ID: Int64 }) => lease.revoke({ ID: int64(r.ID, 'ID') })),
    LeaseTimeToLive: unary((r: { ID: Int64; keys: boolean }) => lease.timeToLive({ ID: int64(r.ID, 'ID'), keys: r.keys })),
    LeaseLeases: unary(() => lease.leases()),
    LeaseKeepAlive: (call: grpc.ServerDuplexStream<{ ID: Int64 }, unknown>) => {
      let chain: Promise<void> = Promise.resolve();
      let pending = 0;
      let failed = false;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        const status = grpcStatusOf(error);
        call.destroy(Object.assign(new Error(status.details), status));
      };
      call.on('data', (request: { ID: Int64 }) => {
        if (failed) return;
        if (++pending > KEEPALIVES_PENDING_MAX) return fail(ErrTooManyRequests);
        // Every keep-alive starts at once (they share the leader's wait for its apply); the
        // answers go out in request order, as etcd's one-at-a-time loop sends them.
        const answer = Promise.resolve().then(() => lease.keepAlive(int64(request.ID, 'ID')));
        answer.catch(() => {});
        chain = chain.then(async () => {
          if (failed) return;
          try {
            const response = await answer;
            if (!failed && !call.destroyed) call.write(response);
          } catch (error) {
            fail(error);
          } finally {
            pending--;
          }
        });
      });
      call.on('end', () => { void chain.then(() => { if (!failed) call.end(); }); });
      call.on('error', () => { failed = true; });
    },
  };
}
