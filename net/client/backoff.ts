/**
 * The client's back-off: between retries of a call, between full rounds of endpoints, and between
 * attempts to re-create a watch, doubling from BACKOFF_MS_BASE up to BACKOFF_MS_MAX.
 */
const BACKOFF_MS_BASE = 25;
const BACKOFF_MS_MAX = 1_000;

export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_MS_BASE * 2 ** Math.min(attempt, 16), BACKOFF_MS_MAX);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
