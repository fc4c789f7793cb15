/**
 * A log that writes at most `linesMax` lines per window, so a flood of refused connections cannot
 * fill the disk or drown every other line. The lines it holds back are counted and the count rides
 * on the next line it writes.
 */

/** Refused peer connections logged per window, and the window. */
export const REFUSAL_LOG_LINES_MAX = 10;
export const REFUSAL_LOG_WINDOW_MS = 10_000;

export class RateLimitedLog {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly linesMax = REFUSAL_LOG_LINES_MAX,
    private readonly windowMs = REFUSAL_LOG_WINDOW_MS,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Writes `line`, or counts it when this window's lines are used up. */
  log(line: string): void {
    const now = this.nowMs();
    if (now - this.windowStartMs >= this.windowMs) {
      this.windowStartMs = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.linesMax) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    const held = this.suppressed > 0 ? ` (${this.suppressed} similar lines not logged)` : '';
    this.suppressed = 0;
    this.write(line + held);
  }
}
