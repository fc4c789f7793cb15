/**
 * `watch ... -- <exec-command>`: the command runs once per event, after the response is printed,
 * with etcdctl's ETCD_WATCH_* variables added to the environment and the output going straight to
 * cairnctl's. A command that cannot start or does not succeed is reported with Go's os/exec texts
 * ("exit status 1", `exec: "x": executable file not found in $PATH`, "signal: killed").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { goQuote, goQuoteBytes } from './go-format.js';
import { eventTypeName, type ClientWatchResponse, type Event } from './messages.js';

/** Go's syscall.Signal names on Linux, as ProcessState prints them ("signal: killed"). */
const SIGNAL_NAMES: Record<string, string> = {
  SIGHUP: 'hangup', SIGINT: 'interrupt', SIGQUIT: 'quit', SIGILL: 'illegal instruction', SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted', SIGBUS: 'bus error', SIGFPE: 'floating point exception', SIGKILL: 'killed',
  SIGUSR1: 'user defined signal 1', SIGSEGV: 'segmentation fault', SIGUSR2: 'user defined signal 2', SIGPIPE: 'broken pipe',
  SIGALRM: 'alarm clock', SIGTERM: 'terminated', SIGSTKFLT: 'stack fault', SIGCHLD: 'child exited', SIGCONT: 'continued',
  SIGSTOP: 'stopped (signal)', SIGTSTP: 'stopped', SIGTTIN: 'stopped (tty input)', SIGTTOU: 'stopped (tty output)',
  SIGURG: 'urgent I/O condition', SIGXCPU: 'CPU time limit exceeded', SIGXFSZ: 'file size limit exceeded',
  SIGVTALRM: 'virtual timer expired', SIGPROF: 'profiling timer expired', SIGWINCH: 'window changed', SIGIO: 'I/O possible',
  SIGPWR: 'power failure', SIGSYS: 'bad system call',
};

/** Go's errno texts for the ways starting a program fails. */
const ERRNO_TEXTS: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', ENOEXEC: 'exec format error',
  ENOTDIR: 'not a directory', EISDIR: 'is a directory', E2BIG: 'argument list too long',
};

/** The commands running now: left running, not waited for, when cairnctl exits (as Go's os.Exit does). */
const running = new Set<ChildProcess>();

/**
 * Go's exec.LookPath on Unix (Go 1.19, which etcdctl 3.4.23 is built with): the first file named
 * `file` on $PATH that is not a directory and has an execute bit; one found through a relative
 * $PATH entry is refused. Returns the path, or Go's error text.
 */
function lookPath(file: string): { path: string } | { error: string } {
  for (const entry of (process.env['PATH'] ?? '').split(':')) {
    const path = join(entry === '' ? '.' : entry, file);
    let mode: number;
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) continue;
      mode = stat.mode;
    } catch {
      continue;
    }
    if ((mode & 0o111) === 0) continue;
    if (!isAbsolute(path)) return { error: `exec: ${goQuote(file)}: cannot run executable found relative to current directory` };
    return { path };
  }
  return { error: `exec: ${goQuote(file)}: executable file not found in $PATH` };
}

/** The variables etcdctl adds for one event, values in Go's %d and %q. */
function watchEnvironment(response: ClientWatchResponse, event: Event): Record<string, string> {
  return {
    ETCD_WATCH_REVISION: response.header.revision,
    ETCD_WATCH_EVENT_TYPE: goQuote(eventTypeName(event.type)),
    ETCD_WATCH_KEY: goQuoteBytes(event.kv?.key ?? Buffer.alloc(0)),
    ETCD_WATCH_VALUE: goQuoteBytes(event.kv?.value ?? Buffer.alloc(0)),
  };
}

/** How Go's cmd.Run() fails for a program that ran: "exit status N" or "signal: <name>". */
function exitText(code: number | null, signal: NodeJS.Signals | null): string | undefined {
  if (signal !== null) return `signal: ${SIGNAL_NAMES[signal] ?? signal}`;
  return code === 0 ? undefined : `exit status ${code}`;
}

/**
 * Runs `execArgs` for one event and waits for it. Resolves with Go's error text when the command
 * could not start or did not succeed, undefined when it succeeded.
 */
export function runWatchExec(execArgs: readonly string[], response: ClientWatchResponse, event: Event): Promise<string | undefined> {
  const [name, ...rest] = execArgs as [string, ...string[]];
  // Go looks a bare name up on $PATH; a name with a slash is started as it is.
  const found = name.includes('/') ? { path: name } : lookPath(name);
  if ('error' in found) return Promise.resolve(found.error);
  const path = found.path;
  return new Promise((resolve) => {
    const child = spawn(path, rest, {
      argv0: name, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...watchEnvironment(response, event) },
    });
    running.add(child);
    child.on('error', (error: NodeJS.ErrnoException) => {
      running.delete(child);
      resolve(`fork/exec ${path}: ${ERRNO_TEXTS[error.code ?? ''] ?? error.message}`);
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve(exitText(code, signal));
    });
  });
}

/** Lets cairnctl exit while commands still run (another watch's, when one command failed). */
export function abandonWatchExecs(): void {
  for (const child of running) child.unref();
  running.clear();
}

/** How etcdctl reports a failed command: `command ["a" "b"] error (<why>)`. */
export function execFailure(execArgs: readonly string[], why: string): string {
  return `command [${execArgs.map(goQuote).join(' ')}] error (${why})\n`;
}
