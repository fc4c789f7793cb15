/**
 * Errors as etcd 3.4's gateway answers them. A failed call is JSON with the HTTP status grpc-gateway
 * derives from the gRPC code, and the body {"error": message, "message": message, "code": code}
 * (keys in that order, no "details" when there are none). A body the gateway cannot decode
 * (malformed JSON, a wrong type, bad base64, an unknown enum name) is INVALID_ARGUMENT: 400, code 3,
 * with Go's decoder message. Routing failures are plain text, not JSON.
 */
import { STATUS_CODES } from 'node:http';
import { EtcdError, GrpcCode } from '../../../engine/errors.js';
import { Base64Error } from './go-base64.js';
import { GoJsonSyntaxError } from './go-json.js';
import { goJsonString } from '../../../engine/wire/go-json-string.js';
import { JsonpbError } from './json-codec.js';

/** A complete HTTP answer: status, content type (undefined: no Content-Type header) and body. */
export interface GatewayReply {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** The content type of every JSON answer (successes and errors). */
export const JSON_CONTENT_TYPE = 'application/json';
/** The content type of the plain-text routing answers (Go's http.Error). */
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** A path under /v3/ or /v3beta/ that names no call. */
export const NOT_FOUND_REPLY: GatewayReply = { status: 404, contentType: TEXT_CONTENT_TYPE, body: 'Not Found\n' };
/** A known call path with a method other than POST (GET, PUT, DELETE...). */
export const METHOD_NOT_ALLOWED_REPLY: GatewayReply = { status: 405, contentType: TEXT_CONTENT_TYPE, body: 'Method Not Allowed\n' };
/** A path outside the gateway's prefixes that nothing else serves (Go's http.NotFound). */
export const PAGE_NOT_FOUND_REPLY: GatewayReply = { status: 404, contentType: TEXT_CONTENT_TYPE, body: '404 page not found\n' };

const HTTP_STATUS_UNKNOWN = 500;
const HTTP_STATUS_BAD_REQUEST = 400;

/** The JSON error body for a gRPC code and message. */
export function errorBody(code: GrpcCode, message: string): string {
  const text = goJsonString(message);
  return `{"error":${text},"message":${text},"code":${code}}`;
}

/**
 * The reply for anything a gateway call threw: an EtcdError keeps its code and status; a decoding
 * error is INVALID_ARGUMENT; anything else is UNKNOWN (500), as a non-status error is in gRPC.
 */
export function errorReply(error: unknown): GatewayReply {
  if (error instanceof EtcdError) {
    return { status: error.httpStatus, contentType: JSON_CONTENT_TYPE, body: errorBody(error.code, error.message) };
  }
  if (error instanceof GoJsonSyntaxError || error instanceof Base64Error || error instanceof JsonpbError) {
    return { status: HTTP_STATUS_BAD_REQUEST, contentType: JSON_CONTENT_TYPE, body: errorBody(GrpcCode.INVALID_ARGUMENT, error.message) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: HTTP_STATUS_UNKNOWN, contentType: JSON_CONTENT_TYPE, body: errorBody(GrpcCode.UNKNOWN, message) };
}

/**
 * A streaming call (POST /v3/watch) whose first request cannot be decoded: grpc-gateway hands the
 * decoder's error to its HTTP error handler as it is, not as a gRPC status, so it is UNKNOWN
 * (500, code 2) where a unary call's is INVALID_ARGUMENT. Observed on etcd 3.4.23:
 * `{"error":"unexpected EOF","message":"unexpected EOF","code":2}`.
 */
export function streamRequestErrorReply(error: unknown): GatewayReply {
  const message = error instanceof Error ? error.message : String(error);
  return { status: HTTP_STATUS_UNKNOWN, contentType: JSON_CONTENT_TYPE, body: errorBody(GrpcCode.UNKNOWN, message) };
}

/**
 * grpc-gateway's error chunk when a stream fails (written in place of a result, with no delimiter
 * after it, and the response ends): internal.StreamError in field order, no "details" when empty.
 *   {"error":{"grpc_code":8,"http_code":429,"message":"...","http_status":"Too Many Requests"}}
 */
export function streamErrorChunk(error: EtcdError): string {
  const status = STATUS_CODES[error.httpStatus] ?? '';
  return `{"error":{"grpc_code":${error.code},"http_code":${error.httpStatus},"message":${goJsonString(error.message)},` +
    `"http_status":${goJsonString(status)}}}`;
}

/**
 * The server refuses a message over its receive limit (--max-request-bytes plus gRPC's 512 KiB
 * allowance), as grpc-go words it; the stream fails with RESOURCE_EXHAUSTED.
 */
export function messageTooLarge(bytes: number, bytesMax: number): EtcdError {
  return new EtcdError(GrpcCode.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${bytes} vs. ${bytesMax})`);
}
