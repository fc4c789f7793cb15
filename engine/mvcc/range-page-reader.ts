/**
 * The main thread's side of a range read in pages (range-pages.ts): the head the worker answered
 * first, then the pages after it, each asked for when the one before is taken, one ahead, so the
 * next page is on its way while the last goes out to the client but no more than two are held.
 * A reader whose client goes away is closed, which drops the read in the worker.
 */
import type { RangeHead, RangePage } from './range-pages.js';

/** Asks the worker for the read's next page, or to drop the read. */
export type PageRequest = (kind: 'page' | 'cancel') => Promise<RangePage | boolean>;

export class RangePageReader {
  /** The head's page until taken, then the request for the next page, if any is left. */
  private ahead: Promise<RangePage> | undefined;
  private finished: boolean;

  constructor(readonly head: RangeHead, private readonly ask: PageRequest, private readonly release: () => void) {
    this.ahead = Promise.resolve({ page: head.page, last: head.last });
    this.finished = false;
    if (head.last) this.finish();
  }

  /** The pages in order, the head's first; undefined after the last. */
  async next(): Promise<Uint8Array | undefined> {
    const ahead = this.ahead;
    if (ahead === undefined) return undefined;
    this.ahead = undefined;
    let answer: RangePage;
    try {
      answer = await ahead;
    } catch (error) {
      // The read failed in the worker, which dropped it.
      this.finish();
      throw error;
    }
    const { page, last } = answer;
    if (last) this.finish();
    else if (!this.finished) this.askNext();
    return page;
  }

  /** Drops the read if pages are left (its client went away); idempotent. */
  close(): void {
    if (this.finished) return;
    this.finish();
    this.ahead = undefined;
    void this.ask('cancel').catch(() => {});
  }

  private askNext(): void {
    const next = this.ask('page') as Promise<RangePage>;
    // Heard by the next `next`; a reader closed meanwhile never asks, so the rejection is handled here.
    next.catch(() => {});
    this.ahead = next;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
  }
}
