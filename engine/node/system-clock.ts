/** The real clock: node's timers and Date.now (the simulator has its own Clock). */
import type { Clock, TimerHandle } from './ports.js';

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout(fn, ms, weak = false) {
    const timer = setTimeout(fn, ms);
    if (weak) timer.unref();
    return timer;
  },
  setInterval(fn, ms, weak = false) {
    const timer = setInterval(fn, ms);
    if (weak) timer.unref();
    return timer;
  },
  clear(timer: TimerHandle) {
    clearTimeout(timer as NodeJS.Timeout);
  },
  soon(fn) {
    setImmediate(fn);
  },
};
