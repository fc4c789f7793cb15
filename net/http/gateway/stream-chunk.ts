/**
 * grpc-gateway's framing of a streaming call's answer (POST /v3/watch, /v3/lease/keepalive): each
 * response is the chunk `{"result":<message>}` followed by the delimiter "\n". A failed stream ends
 * with an error chunk instead (gateway-errors.ts, streamErrorChunk).
 */

/** grpc-gateway's delimiter after each streamed message. */
export const STREAM_DELIMITER = '\n';

/** One streamed response's line, from the message's JSON. */
export function resultChunk(message: string): string {
  return `{"result":${message}}${STREAM_DELIMITER}`;
}
