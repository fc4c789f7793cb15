/**
 * The verbose trace of a run (`--verbose`): one line per event, in simulated-time order, enough to
 * follow a failing seed. A run without --verbose passes no tracer, and every call site uses
 * `trace?.(...)`, so the lines are not even formatted.
 */

/** Receives trace lines; undefined when tracing is off. */
export type Trace = ((line: string) => void) | undefined;
