/**
 * Node's runtime and the process, in place of etcd's go_* and client_golang's process_* metrics:
 * prom-client's default metrics (heap and heap spaces, GC durations by kind, event-loop delay of
 * the main thread, the Raft thread whose stalls delay heartbeats; process CPU, which counts the
 * worker threads too, RSS, open and max fds, start time). The process_* families etcd has carry
 * etcd's names, HELP texts and types.
 *
 * One registry for the whole process, made on first use and merged into each member's: these
 * figures are the process's, not a member's, and prom-client's collectors (an event-loop delay
 * monitor, a GC observer) cannot be stopped, so a registry per member would leave one more of
 * each running for every member a process (a test) starts. As with any prom-client service, the
 * event-loop delay figures cover the span since the last scrape (prom-client resets the sampler in
 * each collect()), of any member when a test runs several in one process.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let runtime: Registry | null = null;

/** The process's runtime metrics. */
export function runtimeRegistry(): Registry {
  if (runtime === null) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime });
  }
  return runtime;
}
