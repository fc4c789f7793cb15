/**
 * What etcd's etcd_mvcc_{put,range,delete,txn}_total count, counted the way etcd's metricsTxnWrite
 * counts them: each Put, each DeleteRange (a lease revoke's deletes included) and each Range (a
 * txn's compares included: etcd reads each compared key with a Range) is one; a transaction that
 * did more than one of them is also a txn. Plain numbers on the apply worker's thread; the worker
 * publishes them to shared memory once per batch.
 */

/** The ops one write or read transaction did. */
export interface OpTally {
  ranges: number;
  puts: number;
  deletes: number;
}

export function newOpTally(): OpTally {
  return { ranges: 0, puts: 0, deletes: 0 };
}

/** The store's totals since it opened. */
export class OpCounts {
  ranges = 0;
  puts = 0;
  deletes = 0;
  txns = 0;

  /** Adds what one transaction did (etcd's metricsTxnWrite.End). */
  add(tally: OpTally): void {
    if (tally.ranges + tally.puts + tally.deletes > 1) this.txns++;
    this.ranges += tally.ranges;
    this.puts += tally.puts;
    this.deletes += tally.deletes;
  }
}
