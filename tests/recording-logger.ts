/** A Logger (engine/logger.ts) for tests: it keeps the messages it is given, at every level. */
import type { Logger } from '../engine/logger.js';

export function recordingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const logger: Logger = {
    debug: (msg) => messages.push(msg), info: (msg) => messages.push(msg), warn: (msg) => messages.push(msg),
    error: (msg) => messages.push(msg), enabled: () => true, named: () => logger,
  };
  return { logger, messages };
}
