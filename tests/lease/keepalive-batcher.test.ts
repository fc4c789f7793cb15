/**
 * KeepAliveBatcher: keep-alives of one window renew as one batch, each caller answered with its
 * own slice in order; a failure reaches every caller of the batch; a full batch renews at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEEPALIVE_BATCH_MAX, KeepAliveBatcher } from '../../engine/lease/keepalive-batcher.js';

function recorder(fail = false) {
  const batches: number[][] = [];
  const renewMany = async (ids: number[]) => {
    batches.push([...ids]);
    if (fail) throw new Error('no leader');
    return { ttls: ids.map((id) => id * 2), header: `h${batches.length}` };
  };
  return { batches, renewMany };
}

test('calls within one window are one batch; each gets its own answers, in order', async () => {
  const { batches, renewMany } = recorder();
  const batcher = new KeepAliveBatcher(renewMany, 10);
  const [a, b, c] = await Promise.all([batcher.renew([1, 2]), batcher.keepAlive(3), batcher.renew([4, 5, 6])]);
  assert.deepEqual(batches, [[1, 2, 3, 4, 5, 6]]);
  assert.deepEqual(a, { ttls: [2, 4], header: 'h1' });
  assert.deepEqual(b, { ID: 3, TTL: 6, header: 'h1' });
  assert.deepEqual(c, { ttls: [8, 10, 12], header: 'h1' });
  assert.deepEqual(await batcher.keepAlive(7), { ID: 7, TTL: 14, header: 'h2' }, 'a later call opens the next batch');
});

test('a failed batch fails every caller in it', async () => {
  const { renewMany } = recorder(true);
  const batcher = new KeepAliveBatcher(renewMany, 5);
  const results = await Promise.allSettled([batcher.renew([1]), batcher.keepAlive(2)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
});

test(`a batch of ${KEEPALIVE_BATCH_MAX} renews at once, without waiting out the window`, async () => {
  const { batches, renewMany } = recorder();
  const batcher = new KeepAliveBatcher(renewMany, 60_000);
  const ids = Array.from({ length: KEEPALIVE_BATCH_MAX }, (_, i) => i);
  const answer = await batcher.renew(ids);
  assert.equal(answer.ttls.length, KEEPALIVE_BATCH_MAX);
  assert.equal(batches.length, 1);
});
