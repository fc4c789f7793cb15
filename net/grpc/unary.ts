/**
 * Adapts a promise-returning handler to a grpc-js unary handler, turning thrown EtcdErrors into
 * gRPC statuses with etcd's code and message (clientv3 recognises errors by that message).
 */
import * as grpc from '@grpc/grpc-js';
import { EtcdError, GrpcCode } from '../../engine/errors.js';

/** The status a failure travels as: etcd's own, or Unknown with the error's message. */
export function grpcStatusOf(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof EtcdError) return { code: error.code as number as grpc.status, details: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: GrpcCode.UNKNOWN as number as grpc.status, details: message };
}

export function unary<Request, Response>(handle: (request: Request) => Promise<Response> | Response):
  grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    let pending: Promise<Response>;
    try {
      pending = Promise.resolve(handle(call.request));
    } catch (error) {
      callback(grpcStatusOf(error));
      return;
    }
    pending.then((response) => callback(null, response), (error: unknown) => callback(grpcStatusOf(error)));
  };
}
