/** Sizes shared by the crash test and its child: small segments so rounds roll over and release often. */
export const CRASH_SEGMENT_BYTES = 128 * 1024;
export const CRASH_RING_BYTES = 256 * 1024;
/** Steps one child writes at most, which bounds the log (and the test's time) if a kill comes late. */
export const CRASH_STEPS_MAX = 3000;
