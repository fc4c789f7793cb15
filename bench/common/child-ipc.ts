/**
 * Both sides of a client child process (a watcher process, a keep-alive process). The parent forks
 * it with an IPC channel, waits for one message type, and makes sure it is gone at the end (by its
 * PID, after a grace period); the child serves the parent's messages and tells it results. Every
 * child reports a failure as {type: 'failed', message}.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** How long a child may linger after it was told to finish before it is killed. */
const EXIT_GRACE_MS = 3000;

export interface ChildMessage {
  type: string;
}

export function forkChild(file: string): ChildProcess {
  return fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * The next message of `type` from `child`; `onOther` sees every other message meanwhile. Rejects
 * when the child fails, exits first, or `timeoutMs` passes.
 */
export function nextMessage<M extends ChildMessage, T extends M['type']>(child: ChildProcess, type: T, timeoutMs: number,
  onOther?: (message: M) => void): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`child ${child.pid}: no '${type}' within ${timeoutMs} ms`)); }, timeoutMs);
    const onMessage = (message: M): void => {
      if (message.type === 'failed') {
        cleanup();
        reject(new Error(`child ${child.pid}: ${(message as unknown as { message: string }).message}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message as Extract<M, { type: T }>);
      } else {
        onOther?.(message);
      }
    };
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`child ${child.pid} exited (${code}) before '${type}'`)); };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Disconnects the child (it exits on disconnect) and kills it by PID if it has not exited after the grace period. */
export function releaseChild(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
  child.once('exit', () => clearTimeout(timer));
}

/** The child's side: sends one message to the parent, then runs `then` once it has gone. */
export function tellParent(message: ChildMessage, then?: () => void): void {
  process.send!(message, undefined, undefined, () => then?.());
}

/**
 * The child's side: runs `handle` for each message from the parent, one failure reported as
 * {type: 'failed', message} before the child disconnects; `close` runs when the parent goes.
 */
export function serveParent<P>(handle: (message: P) => Promise<void> | void, close: () => void): void {
  process.on('disconnect', () => {
    close();
    process.exit(0);
  });
  process.on('message', (message: P) => {
    void (async () => {
      try {
        await handle(message);
      } catch (error) {
        tellParent({ type: 'failed', message: error instanceof Error ? error.message : String(error) } as ChildMessage, () => process.disconnect());
      }
    })();
  });
}
