import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBindableAddress, parseUrl, parseUrlList, type ListenAddress } from '../../bin/flags/urls.js';

test('a URL becomes protocol, host and port; IPv6 brackets are dropped', () => {
  assert.deepEqual(parseUrl('http://127.0.0.1:2379'), { protocol: 'http', host: '127.0.0.1', port: 2379, url: 'http://127.0.0.1:2379' });
  assert.deepEqual(parseUrl(' https://[::1]:2380 '), { protocol: 'https', host: '::1', port: 2380, url: 'https://[::1]:2380' });
  assert.deepEqual(parseUrl('HTTP://user@h:1'), { protocol: 'http', host: 'h', port: 1, url: 'HTTP://user@h:1' });
  assert.equal(parseUrl('http://127.0.0.1:2379/'), 'URL must not contain a path: http://127.0.0.1:2379/', 'etcd refuses even a bare /');
});

test('a list is checked item by item and reports the first bad one', () => {
  assert.equal((parseUrlList('http://a:1,http://b:2') as unknown[]).length, 2);
  assert.equal(parseUrlList('http://a:1,http://b'), 'URL address does not have the form "host:port": http://b');
  assert.equal(parseUrlList('http:opaque'), 'URL address does not have the form "host:port": http:opaque');
  assert.equal(typeof parseUrlList('http://a:1?q=1#frag'), 'object', 'a query or fragment is no path');
});

test('listen URLs must bind to an IP, localhost, or a unix socket', () => {
  const bindable = (url: string): boolean => {
    const address = parseUrl(url);
    assert.equal(typeof address, 'object', url);
    return isBindableAddress(address as ListenAddress);
  };
  assert.equal(bindable('http://127.0.0.1:1'), true);
  assert.equal(bindable('http://[::]:1'), true);
  assert.equal(bindable('http://localhost:1'), true);
  assert.equal(bindable('unix://sock:1'), true);
  assert.equal(bindable('http://example.com:1'), false);
  assert.equal(bindable('http://:1'), false);
});
