import type { IncomingMessage, Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { LedgerEntry } from '../../ledger/entry.js';
import { UPSTREAM_UNREACHABLE } from '../../ledger/savings.js';
import { guessAgent } from '../agent.js';
import { type BodyOutcome, notSent } from '../body-job.js';
import { browserRefusal } from '../browser-guard.js';
import type { StreamOutcome, UpstreamTimeouts } from '../forward.js';
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
  /** `idleMs`: how long the upstream may stay silent while it owes a response (as over HTTP). */
  readonly timeouts: Pick<UpstreamTimeouts, 'idleMs'>;
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
/** Events that end one response on a Responses socket; each carries its response (and so its id). */
const FINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);
/** Quoted names one of which a frame the relay reads must hold: most frames are deltas and hold none. */
const READ_MARKS = ['"response.created"', '"error"', ...[...FINAL_EVENTS].map((name) => `"${name}"`)];
/**
 * Bytes a side may hold unsent before the other side is no longer read (resumed once it is back under):
 * `ws` itself would buffer without bound for a peer that does not read.
 */
const BUFFER_LIMIT = 1024 * 1024;
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
 * A `response.create` sent upstream whose response has not ended. `call` is undefined for a frame sent
 * uncounted (its compression threw): it still holds its place, so later responses find their own frames.
 */
interface OpenResponse {
  readonly call: PendingCall | undefined;
  /** From its `response.created` event; the final event names the same id. */
  id?: string;
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
    /** Responses owed, in the order their frames went out (the provider creates them in that order). */
    const owed: OpenResponse[] = [];
    /** The status calls still open get once either side has closed (499: the client left; 502: the upstream). */
    let endedWith: number | undefined;

    const finish = (
      call: PendingCall,
      status: number,
      usage: Usage | undefined,
      outcome: BodyOutcome = call.outcome,
      stream?: StreamOutcome,
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
          stream,
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

    // A silent upstream is cut only while it owes a response and is being read: a socket with nothing in
    // flight is idle by design, and time the client takes to read is not the provider's silence.
    let idle: NodeJS.Timeout | undefined;
    let upstreamHeld = false;
    /** (Re)starts the idle clock while a response is owed and the upstream is read; stops it otherwise. */
    const watchIdle = (): void => {
      if (owed.length === 0 || upstreamHeld || endedWith !== undefined) {
        clearTimeout(idle);
        idle = undefined;
      } else if (idle) idle.refresh();
      else idle = setTimeout(silent, deps.timeouts.idleMs);
    };
    const silent = (): void => {
      const seconds = deps.timeouts.idleMs / 1000;
      deps.log?.(`websocket upstream silent for ${seconds} s with a response owed; both sides closed`);
      end(504, 'broken');
      idle = undefined;
      if (client.readyState === WebSocket.OPEN)
        client.close(1011, `headroom: the upstream was silent for ${seconds} s`);
      upstream.terminate();
    };

    const toUpstream = sender(client, upstream);
    const toClient = sender(upstream, client, (held) => {
      upstreamHeld = held;
      watchIdle();
    });

    // Client frames go upstream in the order they came, each after the compression of those before it.
    let queue = Promise.resolve();
    client.on('message', (data: RawData, isBinary: boolean) => {
      const arrived = performance.now();
      const ts = new Date().toISOString();
      const raw = toBuffer(data);
      queue = queue.then(async () => {
        if (!counted || isBinary || !isResponseCreate(raw)) {
          toUpstream(raw, isBinary);
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
        owed.push({ call: outcome && { ts, arrived, outcome, settled: tracked() } });
        toUpstream(outcome === undefined ? raw : Buffer.from(outcome.body), false);
        watchIdle();
      });
    });

    upstream.on('message', (data: RawData, isBinary: boolean) => {
      const raw = toBuffer(data);
      toClient(raw, isBinary);
      if (!counted || isBinary || owed.length === 0) return;
      watchIdle();
      const event = responseEvent(raw);
      if (event === undefined) return;
      const ended = endedBy(owed, event);
      if (ended === undefined) return;
      owed.splice(owed.indexOf(ended), 1);
      watchIdle();
      const call = ended.call;
      if (call === undefined) return;
      const status = failedStatus(event);
      // An error before `response.created`: the provider refused the frame, no response ran, nothing was billed.
      const outcome =
        event.type === 'error' && ended.id === undefined ? notSent(call.outcome, 'refused') : call.outcome;
      const reader = createUsageReader('application/json', undefined);
      reader.push(raw);
      reader.finish().then(
        (usage) => finish(call, status, usage, outcome),
        () => finish(call, status, undefined, outcome),
      );
    });

    // Each side's close or failure ends the other; calls still open are counted as cut short.
    const end = (status: number, stream: StreamOutcome): void => {
      if (endedWith !== undefined) return;
      endedWith = status;
      clearTimeout(idle);
      open.delete(client);
      for (const { call } of owed.splice(0)) if (call) finish(call, status, undefined, call.outcome, stream);
    };
    client.on('close', (code, reason) => {
      end(499, 'cancelled');
      if (upstream.readyState === WebSocket.OPEN) upstream.close(sendableCloseCode(code), reason);
      else if (upstream.readyState !== WebSocket.CLOSING) upstream.terminate();
    });
    upstream.on('close', (code, reason) => {
      end(502, 'broken');
      if (client.readyState === WebSocket.OPEN) client.close(sendableCloseCode(code), reason);
      else if (client.readyState !== WebSocket.CLOSING) client.terminate();
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

/**
 * Sends each frame from `from` on to `to` unchanged and in order; while `to` holds more than
 * BUFFER_LIMIT bytes unsent, `from` is not read (its peer is held back by TCP), until `to` has written
 * enough. `held` hears each change.
 */
function sender(
  from: WebSocket,
  to: WebSocket,
  held?: (held: boolean) => void,
): (data: Buffer, binary: boolean) => void {
  let holding = false;
  const written = (): void => {
    if (!holding || to.bufferedAmount > BUFFER_LIMIT) return;
    holding = false;
    from.resume();
    held?.(false);
  };
  return (data, binary) => {
    if (to.readyState !== WebSocket.OPEN) return;
    to.send(data, { binary }, written);
    if (holding || to.bufferedAmount <= BUFFER_LIMIT) return;
    holding = true;
    from.pause();
    held?.(true);
  };
}

/** A text frame whose JSON `type` is `response.create` (the cheap test first: most frames are not). */
function isResponseCreate(raw: Buffer): boolean {
  if (!raw.includes('"response.create"')) return false;
  return typeOf(raw) === 'response.create';
}

/** What the relay reads of an upstream event: its type, the response it names, and any status it gives. */
interface ResponseEvent {
  readonly type: string;
  readonly id: string | undefined;
  readonly status: unknown;
  readonly failed: boolean;
}

/** `response.created`, a final event or `error`, read (the cheap test first: most frames are deltas). */
function responseEvent(raw: Buffer): ResponseEvent | undefined {
  if (!READ_MARKS.some((mark) => raw.includes(mark))) return undefined;
  const value = parse(raw) as
    | {
        type?: unknown;
        status?: unknown;
        error?: { status?: unknown };
        response?: { id?: unknown; status?: unknown; error?: unknown };
      }
    | undefined;
  const type = value?.type;
  if (typeof type !== 'string') return undefined;
  if (type !== 'response.created' && type !== 'error' && !FINAL_EVENTS.has(type)) return undefined;
  const id = value?.response?.id;
  return {
    type,
    id: typeof id === 'string' ? id : undefined,
    status: value?.status ?? value?.error?.status,
    failed: type === 'error' || type === 'response.failed',
  };
}

/**
 * The open response an event ends, or undefined (it ends none; `response.created` names one instead).
 * Responses are created in the order their frames went out, so `response.created` names the oldest one
 * not yet created; a final event carries its response's id. An `error` carries no id: it answers the
 * oldest frame not yet created (the provider refused it), else it ends the response being streamed.
 */
function endedBy(owed: OpenResponse[], event: ResponseEvent): OpenResponse | undefined {
  const uncreated = owed.find((r) => r.id === undefined);
  if (event.type === 'response.created') {
    if (uncreated && event.id !== undefined) uncreated.id = event.id;
    return undefined;
  }
  if (event.type === 'error') return uncreated ?? owed.at(-1);
  return owed.find((r) => r.id !== undefined && r.id === event.id) ?? uncreated;
}

/**
 * The status a final event gives its call: 200 for a response that ran to its end (`incomplete` too: it
 * was billed), the event's own HTTP status for a failure that has one, else 500 (the provider failed it).
 */
function failedStatus(event: ResponseEvent): number {
  if (!event.failed) return 200;
  const status = event.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
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
