/**
 * A read the store's owner runs in bounded steps between its other work: `step` does one bounded
 * piece and says whether the read is done; `result` answers it then. Compaction must wait while a
 * stepped read that started below the scheduled compaction revision runs (its rows must stay).
 */
export interface SteppedRead<T> {
  readonly compactRev: number;
  step(): boolean;
  result(): T;
  /**
   * For a read answered in parts (a range in pages): true when the part `result` just gave is
   * not the last, so the read waits to be asked for the next one.
   */
  readonly resumable?: boolean;
}
