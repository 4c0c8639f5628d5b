import { type IncomingHttpHeaders, type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Handshake headers the two ends of each hop negotiate for themselves (key, accept, version, extensions,
 * subprotocol), headers that describe one connection, and `host`: none of them is passed across.
 */
const HOP_HEADERS = new Set([
  'connection',
  'upgrade',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'host',
  'content-length',
  'sec-websocket-key',
  'sec-websocket-accept',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** The headers that cross the proxy in either direction: credentials and the agent's own headers pass untouched. */
export function relayedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_HEADERS.has(name) || name.startsWith('proxy-')) continue;
    out[name] = value;
  }
  return out;
}

/** The upstream's address for a socket: its http(s) base with the path the client asked for, as ws(s). */
export function socketUrl(upstream: URL): URL {
  const url = new URL(upstream);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * Serves a request that asked for some other upgrade (curl's `--http2` sends `Upgrade: h2c`) as the plain
 * HTTP/1.1 request it also is, as the server would without an upgrade listener. Node hands such requests
 * over without parsing a body, so only body-less ones can be served; the rest get 426.
 */
export function serveWithoutUpgrade(server: Server, req: IncomingMessage, socket: Duplex): void {
  const length = Number(req.headers['content-length'] ?? 0);
  if (req.headers['transfer-encoding'] !== undefined || length > 0) {
    refuseUpgrade(socket, 'headroom does not upgrade this connection; send the request without `Upgrade`');
    return;
  }
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  req.push(null);
  server.emit('request', req, res);
}

/**
 * Answers an upgrade with 426 and closes the socket. Codex takes 426 as "use HTTP" and falls back to
 * `POST /v1/responses` at once, where other statuses cost it seconds of retries (design note §10).
 */
export function refuseUpgrade(socket: Duplex, why: string): void {
  answerUpgrade(socket, '426 Upgrade Required', why, 'upgrade_required');
}

/** Answers an upgrade a web page asked for with 403 (see browser-guard.ts) and closes the socket. */
export function forbidUpgrade(socket: Duplex, why: string): void {
  answerUpgrade(socket, '403 Forbidden', why, 'forbidden');
}

function answerUpgrade(socket: Duplex, status: string, why: string, type: string): void {
  const body = JSON.stringify({ error: { message: why, type } });
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Close codes a peer may send (RFC 6455 §7.4): the reserved ones are mapped to what they stand for. */
export function sendableCloseCode(code: number): number {
  if (code === 1005) return 1000;
  if (code === 1006 || code === 1015) return 1011;
  if ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
    return code;
  return 1011;
}
