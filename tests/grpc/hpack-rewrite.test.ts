/**
 * The HPACK decoder and the authority rewrite, against what a real encoder writes: node's HTTP/2
 * client (nghttp2) sends requests to a plain TCP server that keeps the bytes, and the header
 * blocks are decoded here. nghttp2 Huffman-codes most values and indexes repeated fields in its
 * dynamic table, so both paths are exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { acceptedAuthorityOf, isAcceptedAuthority } from '../../net/grpc/h2/authority.js';
import { rewriteHeaderBlock } from '../../net/grpc/h2/header-block-rewrite.js';
import { HpackDecoder } from '../../net/grpc/h2/hpack-decoder.js';
import { decodeHuffman, HuffmanDecodingError } from '../../net/grpc/h2/hpack-huffman.js';
import { FRAME_HEADERS, frameAt, joinHeaderBlock, type Frame } from '../../net/grpc/h2/h2-frames.js';

const PREFACE_BYTES = 24;

/** The header blocks nghttp2 writes for `requests`, sent in order on one connection. */
async function encodedBlocks(requests: http2.OutgoingHttpHeaders[]): Promise<Buffer[]> {
  let received = Buffer.alloc(0);
  const server = net.createServer((socket) => socket.on('data', (chunk: Buffer) => { received = Buffer.concat([received, chunk]); }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  for (const headers of requests) session.request(headers, { endStream: true }).on('error', () => {});
  const blocks: Buffer[] = [];
  const deadline = Date.now() + 5000;
  while (blocks.length < requests.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    blocks.length = 0;
    for (let offset = PREFACE_BYTES, frame = frameAt(received, offset); frame !== null; offset += frame.bytes.length, frame = frameAt(received, offset)) {
      if (frame.type === FRAME_HEADERS) blocks.push(joinHeaderBlock([frame as Frame]).fragment);
    }
  }
  session.destroy();
  server.close();
  assert.equal(blocks.length, requests.length, 'every request was written');
  return blocks;
}

function fieldsOf(decoder: HpackDecoder, block: Buffer): Record<string, string> {
  return Object.fromEntries(decoder.decode(block).map(({ name, value }) => [name, value]));
}

test('decodes nghttp2\'s blocks: static and dynamic indexes, Huffman-coded and plain values', async () => {
  const requests = [
    { ':method': 'POST', ':path': '/etcdserverpb.KV/Range', ':authority': 'http://127.0.0.1:2379', 'content-type': 'application/grpc', te: 'trailers', 'x-binary': '~|{}^\\\u00ff' },
    { ':method': 'POST', ':path': '/etcdserverpb.KV/Range', ':authority': 'http://127.0.0.1:2379', 'content-type': 'application/grpc', te: 'trailers', 'x-binary': '~|{}^\\\u00ff' },
    { ':method': 'GET', ':path': '/', ':authority': '127.0.0.1:2379', 'user-agent': 'grpc-go/1.26.0', 'x-long': 'z'.repeat(300) },
  ];
  const blocks = await encodedBlocks(requests);
  const decoder = new HpackDecoder();
  blocks.forEach((block, i) => {
    const fields = fieldsOf(decoder, block);
    for (const [name, value] of Object.entries(requests[i]!)) assert.equal(fields[name], value, `request ${i}: ${name}`);
  });
  assert.ok(blocks[1]!.length < blocks[0]!.length, 'the second request reuses the first one\'s table entries');
});

test('rewrites a URL :authority to its host:port, also where a later block names it by index', async () => {
  const request = { ':method': 'POST', ':path': '/etcdserverpb.Maintenance/Status', ':authority': 'http://127.0.0.1:2379', 'content-type': 'application/grpc' };
  const blocks = await encodedBlocks([request, request, { ...request, ':authority': 'localhost:2379' }]);
  const rewriter = new HpackDecoder();
  // What nghttp2's decoder on the server side would see: the rewritten blocks, decoded in order.
  const server = new HpackDecoder();
  const seen = blocks.map((block) => fieldsOf(server, rewriteHeaderBlock(rewriter, block)));
  assert.deepEqual(seen.map((fields) => fields[':authority']), ['127.0.0.1:2379', '127.0.0.1:2379', 'localhost:2379']);
  assert.deepEqual(seen.map((fields) => fields[':path']), Array(3).fill('/etcdserverpb.Maintenance/Status'));
});

test('a block with nothing to rewrite comes back as the same buffer', async () => {
  const [block] = await encodedBlocks([{ ':method': 'GET', ':path': '/', ':authority': '127.0.0.1:2379' }]);
  assert.equal(rewriteHeaderBlock(new HpackDecoder(), block!), block);
});

test('authorities: what nghttp2 takes, and what a URL becomes', () => {
  for (const accepted of ['127.0.0.1:2379', '[::1]:2379', 'etcd-0.etcd.svc:2379', 'user@host:1']) assert.ok(isAcceptedAuthority(accepted), accepted);
  for (const refused of ['http://127.0.0.1:2379', 'a b', 'host/path', 'host?q']) assert.ok(!isAcceptedAuthority(refused), refused);
  assert.equal(acceptedAuthorityOf('http://127.0.0.1:2379'), '127.0.0.1:2379');
  assert.equal(acceptedAuthorityOf('https://[::1]:2379/v3?x#y'), '[::1]:2379');
  assert.equal(acceptedAuthorityOf('unix:///tmp/etcd.sock'), null, 'no authority in the URL: left as it is');
  assert.equal(acceptedAuthorityOf('not a url'), null);
});

test('Huffman: RFC 7541 C.4.1\'s example decodes; bad padding and EOS are refused', () => {
  assert.equal(decodeHuffman(Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex')).toString(), 'www.example.com');
  assert.equal(decodeHuffman(Buffer.from('a8eb10649cbf', 'hex')).toString(), 'no-cache');
  assert.equal(decodeHuffman(Buffer.from('07', 'hex')).toString(), '0', '"0" is 00000, padded with ones');
  assert.throws(() => decodeHuffman(Buffer.from('00', 'hex')), HuffmanDecodingError, 'padded with zeros');
  assert.throws(() => decodeHuffman(Buffer.from('07ff', 'hex')), HuffmanDecodingError, 'padding of 8 bits or more');
  assert.throws(() => decodeHuffman(Buffer.from('ffffffff', 'hex')), HuffmanDecodingError, 'EOS');
});
