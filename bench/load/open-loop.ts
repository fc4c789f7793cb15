/**
 * The open-loop schedule: request i of a process with rate r is intended to leave at
 * start + i * 1000 / r ms, whatever happened to earlier requests. Latency is measured from that
 * intended time, not from when the request actually left: if the server stalls for a second, the
 * requests that should have gone out during the stall wait in the client, and their wait is part
 * of what a user would have seen. Measuring from the actual send would hide it (coordinated
 * omission: the client politely stops asking exactly while the server is slow).
 */

/** When request `index` (0-based) is intended to be sent. */
export function intendedSendMs(startMs: number, ratePerSecond: number, index: number): number {
  return startMs + (index * 1000) / ratePerSecond;
}

/** How many requests (indexes 0 .. n-1) are due at `nowMs`: those whose intended time is not after it. */
export function dueCount(startMs: number, ratePerSecond: number, nowMs: number): number {
  if (nowMs < startMs) return 0;
  return Math.floor(((nowMs - startMs) * ratePerSecond) / 1000) + 1;
}

/** The latency to record for a request intended at `intendedMs` and answered at `completedMs`. */
export function openLoopLatencyMs(intendedMs: number, completedMs: number): number {
  return completedMs - intendedMs;
}

/** How many requests are intended strictly before `timeMs`. */
export function indexesBefore(startMs: number, ratePerSecond: number, timeMs: number): number {
  if (timeMs <= startMs) return 0;
  return Math.ceil(((timeMs - startMs) * ratePerSecond) / 1000);
}
