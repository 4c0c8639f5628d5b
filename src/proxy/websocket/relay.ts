import type { IncomingMessage, Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { LedgerEntry } from '../../ledger/entry.js';
import { UPSTREAM_UNREACHABLE } from '../../ledger/savings.js';
import { guessAgent } from '../agent.js';
import { type BodyOutcome, notSent } from '../body-job.js';
import { browserRefusal } from '../browser-guard.js';
import { completeEntry, ledgerEntry } from '../ledger-entry.js';
import { upstreamUrl } from '../options.js';
import { openaiProvider } from '../providers/openai.js';
import type { Provider } from '../providers/provider.js';
import { createUsageReader, type Usage } from '../usage.js';
import {
  forbidUpgrade,
  isWebSocketUpgrade,
  refuseUpgrade,
  relayedHeaders,
  sendableCloseCode,
  serveWithoutUpgrade,
  socketUrl,
} from './upgrade.js';

/** What the relay needs of the proxy: where to go, how to compress a request body, where calls are counted. */
export interface SocketRelayDeps {
  /** The OpenAI upstream (http or https); the socket opens on the same host and path as ws or wss. */
  readonly upstream: URL;
  /** The proxy's body compression: a request body's bytes in, the bytes to send upstream and what was done out. */
  readonly compress: (raw: Uint8Array, provider: Provider) => Promise<BodyOutcome>;
  /** The proxy's ledger path: once per `response.create`, after its response ended. */
  readonly complete: (entry: LedgerEntry) => void;
  /** Receives a promise that settles when a call has been counted, so stopping waits for it. */
  readonly track: (done: Promise<void>) => void;
  readonly session: string;
  /** Agent name for the ledger; default: guessed from the user agent. */
  readonly agent: string | undefined;
  /** Faults, one line each, without content or secrets. */
  readonly log: ((line: string) => void) | undefined;
}

export interface SocketRelay {
  /** Closes every relayed socket (1001, going away) and stops accepting upgrades. */
  close(): void;
}

/** The Responses API path; other upgrade paths are relayed untouched and not counted. */
const RESPONSES_PATH = '/v1/responses';
/** Events that end one response on a Responses socket. */
const FINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete', 'error']);
/** How long the upstream may take to accept the upgrade before the client is told to use HTTP. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;

/** A `response.create` frame waiting for the events that end its response. */
interface PendingCall {
  readonly ts: string;
  readonly arrived: number;
  readonly outcome: BodyOutcome;
  readonly settled: () => void;
}

/**
 * Speaks Codex's Responses WebSocket transport: each `GET /v1/responses` upgrade is relayed to the
 * upstream; `response.create` frames get their `input` compressed as an HTTP body would, every other frame
 * passes through unchanged both ways, and each response's usage (from its final event) goes to the ledger.
 * When the upstream refuses the upgrade, the client gets 426 and uses HTTP instead.
 */
export function attachSocketRelay(server: Server, deps: SocketRelayDeps): SocketRelay {
  // One client-side server for the handshakes: the subprotocol and headers are the upstream's answer.
  const accepted = new WeakMap<IncomingMessage, { protocol: string; headers: Record<string, string> }>();
  const clients = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => accepted.get(req)?.protocol || false,
  });
  clients.on('headers', (lines, req) => {
    for (const [name, value] of Object.entries(accepted.get(req)?.headers ?? {}))
      lines.push(`${name}: ${value}`);
  });
  const open = new Set<WebSocket>();
  /** Upstream sockets still waiting for the upstream's answer to the handshake. */
  const handshakes = new Set<WebSocket>();

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!isWebSocketUpgrade(req)) {
      serveWithoutUpgrade(server, req, socket);
      return;
    }
    // Any page can open a WebSocket to 127.0.0.1 (no CORS preflight); only agents may use the relay.
    const refusal = browserRefusal(req.headers);
    if (refusal) {
      forbidUpgrade(socket, `headroom: ${refusal}`);
      return;
    }
    const path = req.url ?? '/';
    const offered = header(req.headers['sec-websocket-protocol'])
      ?.split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    let upstream: WebSocket;
    try {
      // A target that is not a path (absolute-form, `*`) names no endpoint of the upstream.
      if (!path.startsWith('/')) throw new Error('not a path');
      upstream = new WebSocket(socketUrl(upstreamUrl(deps.upstream, path)), offered ?? [], {
        headers: relayedHeaders(req.headers) as Record<string, string>,
        perMessageDeflate: false,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        followRedirects: false,
      });
    } catch {
      // Also a subprotocol list ws will not offer (duplicates, bad characters): thrown here, it would
      // have taken the whole process down from the `upgrade` event.
      refuseUpgrade(socket, 'headroom cannot relay this upgrade (its target or subprotocols); use HTTP');
      return;
    }
    handshakes.add(upstream);
    let decided = false;
    // Stays attached for the socket's life: a late error is dropped here, never thrown at the process.
    const refuse = (why: string): void => {
      handshakes.delete(upstream);
      if (decided) return;
      decided = true;
      deps.log?.(`websocket upgrade refused upstream (${why}); the client falls back to HTTP`);
      upstream.terminate();
      refuseUpgrade(socket, `the upstream refused the WebSocket upgrade (${why}); use HTTP`);
    };
    upstream.once('unexpected-response', (_request, response) => refuse(`HTTP ${response.statusCode}`));
    upstream.on('error', (error) => refuse((error as NodeJS.ErrnoException).code ?? 'error'));
    // The client may give up while the upstream is still answering.
    socket.once('close', () => {
      handshakes.delete(upstream);
      if (!decided) {
        decided = true;
        upstream.terminate();
      }
    });
    upstream.once('upgrade', (response) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(relayedHeaders(response.headers))) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      accepted.set(req, { protocol: upstream.protocol, headers });
    });
    upstream.once('open', () => {
      handshakes.delete(upstream);
      if (decided) return;
      decided = true;
      let relayed = false;
      clients.handleUpgrade(req, socket, head, (client) => {
        relayed = true;
        relay(req, client, upstream);
      });
      // The client's socket was already gone: ws dropped it without a callback.
      if (!relayed) upstream.terminate();
    });
  }

  function relay(req: IncomingMessage, client: WebSocket, upstream: WebSocket): void {
    open.add(client);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const counted = path === RESPONSES_PATH;
    const agent = deps.agent ?? guessAgent(header(req.headers['user-agent']));
    const pending: PendingCall[] = [];
    /** The status calls still open get once either side has closed (499: the client left; 502: the upstream). */
    let endedWith: number | undefined;

    const finish = (
      call: PendingCall,
      status: number,
      usage: Usage | undefined,
      outcome: BodyOutcome = call.outcome,
    ): void => {
      const entry = ledgerEntry(
        {
          ts: call.ts,
          session: deps.session,
          agent,
          provider: 'openai',
          path,
          status,
          latencyMs: performance.now() - call.arrived,
          usage,
        },
        outcome,
      );
      completeEntry(entry, outcome.counting, call.settled, deps.complete);
    };

    /** A call a graceful stop waits for until the returned function is called (once it is counted). */
    const tracked = (): (() => void) => {
      let settled!: () => void;
      deps.track(
        new Promise<void>((resolve) => {
          settled = resolve;
        }),
      );
      return settled;
    };

    // Client frames go upstream in the order they came, each after the compression of those before it.
    let queue = Promise.resolve();
    client.on('message', (data: RawData, isBinary: boolean) => {
      const arrived = performance.now();
      const ts = new Date().toISOString();
      const raw = toBuffer(data);
      queue = queue.then(async () => {
        if (!counted || isBinary || !isResponseCreate(raw)) {
          send(upstream, raw, isBinary);
          return;
        }
        // The body compressor turns its own faults into passthroughs; anything else sends the frame as it came.
        const outcome = await deps.compress(raw, openaiProvider).catch(() => undefined);
        if (endedWith !== undefined) {
          // The socket closed while this frame was compressed: it never went out, nothing was billed.
          const reason = endedWith === 499 ? 'cancelled' : UPSTREAM_UNREACHABLE;
          if (outcome !== undefined) {
            const call = { ts, arrived, outcome, settled: tracked() };
            finish(call, endedWith, undefined, notSent(outcome, reason));
          }
          return;
        }
        if (outcome === undefined) {
          send(upstream, raw, false);
          return;
        }
        pending.push({ ts, arrived, outcome, settled: tracked() });
        send(upstream, Buffer.from(outcome.body), false);
      });
    });

    upstream.on('message', (data: RawData, isBinary: boolean) => {
      const raw = toBuffer(data);
      send(client, raw, isBinary);
      if (!counted || isBinary || pending.length === 0) return;
      const event = finalEvent(raw);
      if (event === undefined) return;
      const call = pending.shift()!;
      const reader = createUsageReader('application/json', undefined);
      reader.push(raw);
      reader.finish().then(
        (usage) => finish(call, event.status, usage),
        () => finish(call, event.status, undefined),
      );
    });

    // Each side's close or failure ends the other; calls still open are counted as cut short.
    const end = (status: number): void => {
      if (endedWith !== undefined) return;
      endedWith = status;
      open.delete(client);
      for (const call of pending.splice(0)) finish(call, status, undefined);
    };
    client.on('close', (code, reason) => {
      end(499);
      if (upstream.readyState === WebSocket.OPEN) upstream.close(sendableCloseCode(code), reason);
      else upstream.terminate();
    });
    upstream.on('close', (code, reason) => {
      end(502);
      if (client.readyState === WebSocket.OPEN) client.close(sendableCloseCode(code), reason);
      else client.terminate();
    });
    client.on('error', () => upstream.terminate());
    upstream.on('error', () => client.terminate());
  }

  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const upstream of handshakes) upstream.terminate();
      for (const client of open) client.close(1001, 'headroom proxy stopping');
      clients.close();
    },
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function send(socket: WebSocket, data: Buffer, binary: boolean): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(data, { binary });
}

/** A text frame whose JSON `type` is `response.create` (the cheap test first: most frames are not). */
function isResponseCreate(raw: Buffer): boolean {
  if (!raw.includes('"response.create"')) return false;
  return typeOf(raw) === 'response.create';
}

/** The status a final event gives its call: 200 for a response that ended, the error's own for an error. */
function finalEvent(raw: Buffer): { status: number } | undefined {
  if (![...FINAL_EVENTS].some((name) => raw.includes(`"${name}"`))) return undefined;
  const type = typeOf(raw);
  if (type === undefined || !FINAL_EVENTS.has(type)) return undefined;
  if (type !== 'error') return { status: 200 };
  const parsed = parse(raw) as { status?: unknown; error?: { status?: unknown } } | undefined;
  const status = parsed?.status ?? parsed?.error?.status;
  return { status: typeof status === 'number' && status >= 400 && status < 600 ? status : 500 };
}

function parse(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function typeOf(raw: Buffer): string | undefined {
  const value = parse(raw);
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}
