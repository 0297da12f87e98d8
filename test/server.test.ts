// The browser demo's static server (examples/browser/server.ts): the headers that make the page
// cross-origin isolated, loopback only, the demo's files and dist/*.js only, and a 4xx for
// everything else: traversal in its disguises, absolute targets, unknown methods, bodies,
// oversized requests, foreign hosts. Requests are written on raw sockets, since fetch() and
// URL would normalize the very paths under test.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { startDemoServer, type DemoServer } from '../examples/browser/server.ts';

const HANG_GUARD_MS = 10_000;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (request line and headers, without the final blank line) and `body` on a raw socket. */
function raw(port: number, head: string, body = '', host = '127.0.0.1'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`hang guard: no response to ${JSON.stringify(head.slice(0, 80))} after ${HANG_GUARD_MS} ms`));
    }, HANG_GUARD_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [headText = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(`${head}\r\n\r\n${body}`, 'latin1');
  });
}

function get(port: number, target: string, extra = ''): Promise<RawResponse> {
  return raw(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close${extra}`);
}

// What must never come back: the contents of files outside the demo and dist/.
const root = new URL('..', import.meta.url);
const secrets: [string, string][] = [
  ['package.json', readFileSync(new URL('package.json', root), 'utf8').slice(0, 200)],
  ['the server source', 'startDemoServer'],
  ['src/index.ts', readFileSync(new URL('src/index.ts', root), 'utf8').slice(0, 60)],
  ['/etc/passwd', 'root:x:0:0'],
  ['a declaration file', 'export declare'],
];

function assertRefused(response: RawResponse, expected: number | 'any 4xx', label: string): void {
  if (expected === 'any 4xx') {
    assert.ok(response.status >= 400 && response.status < 500, `${label}: a 4xx, got ${response.status}`);
  } else {
    assert.equal(response.status, expected, `${label}: status`);
  }
  for (const [name, secret] of secrets) {
    assert.ok(!response.body.includes(secret), `${label}: the body leaks ${name}`);
  }
}

describe('the browser demo server', () => {
  let demo: DemoServer;
  let port: number;

  before(async () => {
    demo = await startDemoServer();
    port = Number(new URL(demo.url).port);
  });

  after(async () => {
    await demo.close();
  });

  test('listens on 127.0.0.1 only', async () => {
    const address = demo.server.address();
    assert.ok(address !== null && typeof address === 'object', 'the server has an address');
    assert.equal(address.address, '127.0.0.1');
    assert.equal(demo.url, `http://127.0.0.1:${port}/`);
    // From another interface of this machine, if it has one, the port is closed.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((info) => info !== undefined && !info.internal && info.family === 'IPv4');
    if (external !== undefined) {
      await assert.rejects(raw(port, `GET / HTTP/1.1\r\nHost: ${external.address}:${port}\r\nConnection: close`, '', external.address), {
        code: 'ECONNREFUSED',
      });
    }
  });

  test('serves the page with COOP/COEP (cross-origin isolation) and safe headers', async () => {
    for (const target of ['/', '/index.html']) {
      const response = await get(port, target);
      assert.equal(response.status, 200, target);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.headers['cross-origin-opener-policy'], 'same-origin');
      assert.equal(response.headers['cross-origin-embedder-policy'], 'require-corp');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.match(response.headers['content-security-policy'] ?? '', /default-src 'self'/);
      assert.match(response.body, /waitgroups<\/code> in the browser/);
    }
  });

  test('serves the demo scripts and the built package (dist/*.js) with a JavaScript type', async () => {
    for (const target of ['/main.js', '/worker.js', '/dist/index.js', '/dist/shared-wait-group.js', '/dist/internal/shared-waiters.js']) {
      const response = await get(port, target);
      assert.equal(response.status, 200, target);
      assert.equal(response.headers['content-type'], 'text/javascript; charset=utf-8', target);
      assert.equal(response.headers['cross-origin-embedder-policy'], 'require-corp', target);
    }
    const css = await get(port, '/style.css');
    assert.equal(css.status, 200);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const head = await raw(port, `HEAD /dist/index.js HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close`);
    assert.equal(head.status, 200);
    assert.equal(head.body, '', 'HEAD sends no body');
  });

  test('without isolation (--no-isolation) the two headers are left out', async () => {
    const plain = await startDemoServer({ isolate: false });
    try {
      const plainPort = Number(new URL(plain.url).port);
      const response = await get(plainPort, '/');
      assert.equal(response.status, 200);
      assert.equal(response.headers['cross-origin-opener-policy'], undefined);
      assert.equal(response.headers['cross-origin-embedder-policy'], undefined);
    } finally {
      await plain.close();
    }
  });

  const traversals = [
    '/../package.json',
    '/dist/../package.json',
    '/dist/../../../../etc/passwd',
    '/dist/internal/../../src/index.ts',
    '/%2e%2e/package.json',
    '/dist/%2E%2E/package.json',
    '/dist/%2e%2e%2fpackage.json',
    '/dist/..%2fpackage.json',
    '/dist/..%2f..%2f..%2fetc%2fpasswd',
    '/dist/..%5cpackage.json',
    '/dist\\..\\package.json',
    '/%252e%252e/package.json',
    '/dist/%252e%252e%252fpackage.json',
    '/%c0%ae%c0%ae/package.json',
    '/dist/index.js%00.html',
    '/./index.html',
    '/dist/./index.js',
    '/..',
  ];
  for (const target of traversals) {
    test(`path traversal is refused with 400: GET ${target}`, async () => {
      assertRefused(await get(port, target), 400, target);
    });
  }

  for (const target of ['//etc/passwd', '//127.0.0.1/package.json', 'http://127.0.0.1/package.json', 'file:///etc/passwd', '*']) {
    test(`an absolute or non-origin request target is refused: GET ${target}`, async () => {
      assertRefused(await get(port, target), 400, target);
    });
  }

  for (const target of ['/etc/passwd', '/package.json', '/src/index.ts', '/server.ts', '/examples/browser/server.ts', '/dist/index.d.ts', '/dist/missing.js', '/DIST/index.js', '/test/server.test.ts']) {
    test(`a file outside the demo and dist/*.js is not served: GET ${target} is 404`, async () => {
      assertRefused(await get(port, target), 404, target);
    });
  }

  test('a symbolic link in dist/ that leads out of it is not followed', async () => {
    const link = new URL('dist/zz-server-test-link.js', root);
    rmSync(link, { force: true });
    symlinkSync(new URL('package.json', root), link);
    try {
      assertRefused(await get(port, '/dist/zz-server-test-link.js'), 404, 'the link');
    } finally {
      rmSync(link, { force: true });
    }
  });

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
    test(`an unknown method is refused with 405: ${method} /`, async () => {
      const response = await raw(port, `${method} / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 0\r\nConnection: close`);
      assertRefused(response, 405, method);
      assert.equal(response.headers['allow'], 'GET, HEAD');
    });
  }

  for (const method of [`CONNECT 127.0.0.1:22`, 'BREW /', 'GET\t/']) {
    test(`a method the server does not know at all is refused with a 4xx: ${JSON.stringify(method)}`, async () => {
      assertRefused(await raw(port, `${method} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close`), 'any 4xx', method);
    });
  }

  test('a protocol upgrade (WebSocket) is refused with 400', async () => {
    const response = await raw(
      port,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    );
    assertRefused(response, 400, 'Upgrade: websocket');
  });

  test('a request body is refused with 413, whatever its framing', async () => {
    const body = 'x'.repeat(64);
    assertRefused(
      await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${body.length}\r\nConnection: close`, body),
      413,
      'Content-Length',
    );
    assertRefused(
      await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\nConnection: close`, `40\r\n${body}\r\n0\r\n\r\n`),
      413,
      'chunked',
    );
    assertRefused(
      await raw(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000000\r\nConnection: close`, body),
      405,
      'a large POST',
    );
  });

  test('oversized requests are refused: a long target (414), large headers (431)', async () => {
    assertRefused(await get(port, `/dist/${'a'.repeat(2_000)}.js`), 414, 'a 2 kB target');
    assertRefused(await get(port, `/${'a'.repeat(20_000)}`), 'any 4xx', 'a 20 kB target');
    assertRefused(await get(port, '/', `\r\nX-Padding: ${'p'.repeat(16_000)}`), 431, '16 kB of headers');
    const many = Array.from({ length: 400 }, (_, i) => `\r\nX-Header-${i}: ${'v'.repeat(30)}`).join('');
    assertRefused(await get(port, '/', many), 431, '400 headers');
  });

  test('a foreign Host header (DNS rebinding) is refused; localhost is accepted', async () => {
    const foreign = await raw(port, `GET / HTTP/1.1\r\nHost: attacker.example\r\nConnection: close`);
    assertRefused(foreign, 421, 'Host: attacker.example');
    const missing = await raw(port, `GET / HTTP/1.0`);
    assertRefused(missing, 'any 4xx', 'no Host header');
    const local = await raw(port, `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close`);
    assert.equal(local.status, 200, 'Host: localhost:<port>');
  });

  test('the server still serves after all of the above', async () => {
    assert.equal((await get(port, '/dist/index.js')).status, 200);
  });
});
