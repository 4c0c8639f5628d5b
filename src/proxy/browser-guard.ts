import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';

/**
 * A web page the user visits can make their browser send requests to 127.0.0.1, and with DNS rebinding
 * read the answers too. The proxy's local routes hold the user's originals and savings, and its model
 * routes forward whatever they get, so both refuse what only a browser would send.
 */

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** `Host` values that name this proxy itself: a loopback name (or the address it was bound to) and its port. */
function ownHosts(port: number, boundHost: string): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  if (boundHost !== '0.0.0.0' && boundHost !== '::')
    names.add(boundHost.includes(':') ? `[${boundHost}]` : boundHost);
  return new Set([...names].map((name) => `${name}:${port}`));
}

/**
 * Why a request for a local route (`/health`, `/stats`, `/metrics`, `/v1/headroom/*`, `/dashboard`) is
 * refused, or undefined when it may be answered: Host must be this proxy's own loopback address and port
 * (a rebound DNS name is not), an Origin or Referer, if sent, must be that same address, and a browser must say the
 * request comes from this proxy's own pages or from the user (`Sec-Fetch-Site` `same-origin` or `none`):
 * another loopback port is the same *site*, and its pages may embed what they cannot fetch.
 */
export function localRouteRefusal(
  headers: IncomingHttpHeaders,
  port: number,
  boundHost: string,
): string | undefined {
  const host = (headers.host ?? '').toLowerCase();
  if (!ownHosts(port, boundHost).has(host))
    return `Host ${JSON.stringify(host)} is not this proxy's loopback address`;
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
    return `Origin ${JSON.stringify(origin)} is not this proxy`;
  }
  // Browsers without Sec-Fetch-* headers still say which page a request came from.
  const referer = headers.referer;
  if (referer !== undefined && !referer.toLowerCase().startsWith(`http://${host}/`))
    return `requests from other pages (Referer ${JSON.stringify(referer)}) are refused`;
  const site = headers['sec-fetch-site']?.toLowerCase();
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `requests from other pages (Sec-Fetch-Site ${JSON.stringify(site)}) are refused`;
  return undefined;
}

/** The node request, so local routes can check which socket a request came in on. */
export type LocalEnv = { Bindings: Partial<{ incoming: IncomingMessage; outgoing: ServerResponse }> };

/**
 * Hono middleware refusing, with a one-line 403, what `localRouteRefusal` refuses. (`app.request()`
 * in-process has no socket and no network to guard.)
 */
export function guardLocalRoutes(boundHost: string): MiddlewareHandler<LocalEnv> {
  return async (c, next) => {
    const incoming = c.env?.incoming;
    const refusal = incoming
      ? localRouteRefusal(incoming.headers, incoming.socket.localPort ?? 0, boundHost)
      : undefined;
    if (refusal) return c.text(`headroom: ${refusal}\n`, 403);
    await next();
  };
}

function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && LOOPBACK_NAMES.includes(url.hostname);
}

/**
 * Why a forwarded request is refused as browser-originated, or undefined. Agents and SDKs send no Origin
 * and no `sec-fetch-site`; a page on another site sends both.
 */
export function browserRefusal(headers: IncomingHttpHeaders): string | undefined {
  const origin = headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return `requests from web pages (Origin ${JSON.stringify(origin)}) are refused`;
  }
  if ((headers['sec-fetch-site'] ?? '').toLowerCase() === 'cross-site') {
    return 'cross-site browser requests are refused';
  }
  return undefined;
}

/**
 * A model call must say it is JSON. A browser can send `text/plain` (or no type) across sites without a
 * preflight; no agent or SDK does.
 */
export function isJsonContentType(value: string | undefined): boolean {
  const type = (value ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}
