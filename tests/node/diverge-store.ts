/**
 * Makes a stopped member's MVCC store diverge from its peers' the way a disk or a bug would: it
 * rewrites stored revisions behind the store's back, straight in the LMDB `kv` table, so the
 * member's revisions, applied index and key index stay as they were and only the data differs.
 */
import { open } from 'lmdb';

/**
 * Replaces `from` with `to` (the same length, so the stored KeyValue stays well formed) in every
 * row of the `kv` table at `kvPath` that holds it; returns how many rows changed. The member that
 * owns the store must be stopped.
 */
export async function divergeStore(kvPath: string, from: string, to: string): Promise<number> {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('the replacement must keep the length');
  const root = open<Buffer, Buffer>({ path: kvPath, keyEncoding: 'binary', encoding: 'binary', compression: false, cache: false });
  const kv = root.openDB<Buffer, Buffer>({ name: 'kv', keyEncoding: 'binary', encoding: 'binary', compression: false, cache: false });
  const needle = Buffer.from(from);
  let changed = 0;
  try {
    await root.transaction(() => {
      for (const { key, value } of kv.getRange({})) {
        const at = value.indexOf(needle);
        if (at < 0) continue;
        const tampered = Buffer.from(value);
        tampered.write(to, at);
        kv.putSync(Buffer.from(key), tampered);
        changed++;
      }
    });
  } finally {
    await root.close();
  }
  return changed;
}
