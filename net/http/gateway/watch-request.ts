import type { WatchCreateRequest } from '../../../engine/watch/watch-types.js';

/** One WatchRequest: which member of its request_union is set. */
export type WatchRequestUnion =
  | { kind: 'create'; request: WatchCreateRequest }
  | { kind: 'cancel'; watchId: number }
  | { kind: 'progress' }
  | { kind: 'none' };
