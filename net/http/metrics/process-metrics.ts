/**
 * The process_* metrics every Prometheus client exports (etcd's come from client_golang's process
 * collector), with the same names and meanings. CPU is the whole process, worker threads included
 * (getrusage), which is what an operator comparing cairn with etcd needs.
 */
import { readdirSync } from 'node:fs';
import type { MetricRegistry } from './registry.js';

const START_TIME_SECONDS = Date.now() / 1000 - process.uptime();

function openFds(): number {
  try {
    // Reading the directory opens one descriptor of its own, which is not the process's.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return Number.NaN; // no procfs: Prometheus' way of saying "unknown"
  }
}

export function registerProcessMetrics(registry: MetricRegistry): void {
  registry.counterFunc('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  });
  registry.gaugeFunc('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
  registry.gaugeFunc('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => START_TIME_SECONDS);
  registry.gaugeFunc('process_open_fds', 'Number of open file descriptors.', openFds);
}
