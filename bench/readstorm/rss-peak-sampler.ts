/**
 * Reads one process's RSS from /proc every `intervalMs` and keeps the first reading and the
 * highest. The member sampler reads once a second, which can miss the top of a spike that a
 * single large range causes; VmHWM would not miss it, but it holds the peak of the whole process
 * life (the key load included), not of the window being measured.
 */
import { readProcUsage } from '../cluster/proc-stat.js';

export class RssPeakSampler {
  readonly firstBytes: number;
  private peak: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs: number) {
    this.firstBytes = this.read();
    this.peak = this.firstBytes;
    this.timer = setInterval(() => { this.peak = Math.max(this.peak, this.read()); }, intervalMs);
  }

  /** Stops sampling and returns the highest RSS seen, this last reading included. */
  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, this.read());
    return this.peak;
  }

  private read(): number {
    return readProcUsage(this.pid)?.rssBytes ?? 0;
  }
}
