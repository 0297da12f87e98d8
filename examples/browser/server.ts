// The browser demo's static server: `npm run demo:browser` (builds, then runs this file).
//
// It sends Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy, so the page is
// cross-origin isolated and has SharedArrayBuffer. It listens on 127.0.0.1 only and serves
// exactly the demo's files and the built package (dist/*.js), nothing else: path traversal
// (`/../`, `%2e%2e`, backslashes), absolute-form and protocol-relative targets, unknown methods,
// request bodies, oversized requests and foreign Host headers get a 4xx. test/server.test.ts tries all of these.
//
//   node --import tsx examples/browser/server.ts [--port 8137] [--no-isolation]
//
// --no-isolation leaves the two headers out, to see what the page explains without them.
import { realpathSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const MAX_TARGET_LENGTH = 1024;
const MAX_HEADER_BYTES = 8 * 1024;

const demoDir = fileURLToPath(new URL('./', import.meta.url));
const distDir = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The demo's own files: URL path → file in this folder. Nothing else of this folder is served. */
const DEMO_FILES: ReadonlyMap<string, string> = new Map([
  ['/', 'index.html'],
  ['/index.html', 'index.html'],
  ['/main.js', 'main.js'],
  ['/worker.js', 'worker.js'],
  ['/style.css', 'style.css'],
]);

/** The built package: /dist/ then lower-case path segments, ending in .js or .js.map. */
const DIST_PATH = /^\/dist\/((?:[a-z0-9][a-z0-9-]*\/)*[a-z0-9][a-z0-9-]*\.js(?:\.map)?)$/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface DemoServerOptions {
  /** The port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Send COOP/COEP so the page is cross-origin isolated; default true. */
  readonly isolate?: boolean;
}

export interface DemoServer {
  readonly server: Server;
  /** The page's URL, http://127.0.0.1:<port>/ */
  readonly url: string;
  close(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The file to serve for a request target, or a Refusal. Pure: no file system access. */
export function resolveTarget(target: string): { dir: string; file: string } {
  if (target.length > MAX_TARGET_LENGTH) throw new Refusal(414, 'request target too long');
  // Origin-form only: "/path?query". Not absolute-form (http://host/...), not "*", not "//host/...".
  if (!target.startsWith('/') || target.startsWith('//')) throw new Refusal(400, 'only origin-form request targets are served');
  const rawPath = target.split(/[?#]/, 1)[0]!;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new Refusal(400, 'malformed percent-encoding');
  }
  // Traversal and its disguises, raw or once decoded: dot segments, backslashes, NUL, a second
  // level of encoding ("%252e%252e" decodes to "%2e%2e"), empty segments.
  for (const candidate of [rawPath, path]) {
    if (/(^|\/)\.\.?(\/|$)/.test(candidate) || /[\\\0]/.test(candidate) || candidate.includes('//')) {
      throw new Refusal(400, 'path traversal refused');
    }
  }
  if (path.includes('%')) throw new Refusal(400, 'encoded characters refused');
  const demoFile = DEMO_FILES.get(path);
  if (demoFile !== undefined) return { dir: demoDir, file: demoFile };
  const dist = DIST_PATH.exec(path);
  if (dist !== null) return { dir: distDir, file: dist[1]! };
  throw new Refusal(404, 'not found');
}

async function respond(request: IncomingMessage, response: ServerResponse, isolate: boolean, port: number): Promise<void> {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  if (isolate) {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      throw new Refusal(405, 'method not allowed');
    }
    // Only this loopback address by name or number: a foreign Host is DNS rebinding, not a visitor.
    const host = request.headers.host;
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) throw new Refusal(421, 'unknown host');
    // A GET carries no body; one that announces a body is refused before it is read.
    if (request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) !== 0) {
      throw new Refusal(413, 'request bodies are refused');
    }
    const { dir, file } = resolveTarget(request.url ?? '');
    // Defence in depth: the real file must lie inside its folder (no symbolic link out of it).
    let real: string;
    try {
      real = await realpath(dir + file);
    } catch {
      throw new Refusal(404, 'not found');
    }
    if (!real.startsWith(realpathSync(dir) + sep)) throw new Refusal(404, 'not found');
    const body = await readFile(real);
    const extension = /\.[a-z]+$/.exec(file)?.[0] ?? '';
    response.writeHead(200, { 'Content-Type': CONTENT_TYPES[extension] ?? 'application/octet-stream', 'Content-Length': body.length });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    const status = error instanceof Refusal ? error.status : 500;
    const message = error instanceof Refusal ? error.message : 'internal error';
    const body = `${status} ${message}\n`;
    // Never keep a connection whose request was refused: its unread body would be the next request.
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    response.end(request.method === 'HEAD' ? undefined : body);
  }
}

function refuseOnSocket(socket: Duplex, status: number): void {
  const body = `${status} ${status === 405 ? 'method not allowed' : 'protocol upgrades are refused'}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Starts the demo server on 127.0.0.1. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const isolate = options.isolate ?? true;
  // Headers beyond MAX_HEADER_BYTES: Node answers 431 itself.
  let port = 0;
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 30_000, headersTimeout: 10_000 }, (request, response) => {
    void respond(request, response, isolate, port);
  });
  // CONNECT and Upgrade requests never reach the handler above: refuse them on the socket.
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => refuseOnSocket(socket, 405));
  server.on('upgrade', (_request: IncomingMessage, socket: Duplex) => refuseOnSocket(socket, 400));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  ({ port } = server.address() as AddressInfo);
  return {
    server,
    url: `http://${HOST}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// ---- npm run demo:browser -----------------------------------------------------------------

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = portArg === -1 ? Number(process.env['PORT'] ?? 8137) : Number(args[portArg + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`bad port: ${String(port)}`);
    process.exit(2);
  }
  const isolate = !args.includes('--no-isolation');
  try {
    await realpath(`${distDir}index.js`);
  } catch {
    console.error('dist/index.js is missing: run `npm run build` first (npm run demo:browser does).');
    process.exit(1);
  }
  const { url } = await startDemoServer({ port, isolate });
  console.log(`waitgroups browser demo: ${url}`);
  console.log(
    isolate
      ? '(cross-origin isolated: COOP same-origin, COEP require-corp; listening on 127.0.0.1 only; Ctrl-C to stop)'
      : '(--no-isolation: without COOP/COEP, the page explains why it cannot share memory; Ctrl-C to stop)',
  );
}
