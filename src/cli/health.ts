import http from 'node:http';
import type { FleetHealth } from '../fleet/fleet.js';

export const DEFAULT_PORT = 8787;

/** What `GET /health` of a headroom proxy says about itself. */
export interface ProxyHealth {
  readonly status: string;
  readonly service: string;
  readonly version?: string;
  readonly pid?: number;
  /** Unique to one proxy's run (a random UUID); older versions send none. */
  readonly instance?: string;
  readonly optimize?: boolean;
  readonly upstreams?: unknown;
  /** Present when the proxy is part of a fleet (`--redis`): its Redis connection, never the password. */
  readonly fleet?: FleetHealth;
}

/** A /health answer is a few hundred bytes; more is not a headroom proxy. */
const MAX_HEALTH_BYTES = 64 * 1024;

/** The proxy's /health answer, or undefined when nothing (or not headroom) answers in time. */
export async function probeHealth(baseUrl: string, timeoutMs = 1_500): Promise<ProxyHealth | undefined> {
  const answer = await readHealth(baseUrl, timeoutMs);
  return answer === 'timeout' ? undefined : answer;
}

/**
 * `GET /health` at `baseUrl`: a headroom proxy's answer; undefined when something else (or nothing)
 * answers; 'timeout' when nothing has answered in time (a busy proxy, which may still be one). Asked with
 * node:http rather than fetch: loading fetch cost `headroom stats` ~90 ms per run while proxies ran.
 */
export function readHealth(baseUrl: string, timeoutMs: number): Promise<ProxyHealth | 'timeout' | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (value: ProxyHealth | 'timeout' | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const request = http.get(`${baseUrl}/health`, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_HEALTH_BYTES) request.destroy();
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        done(status >= 200 && status < 300 ? asHealth(Buffer.concat(chunks).toString('utf8')) : undefined);
      });
    });
    timer = setTimeout(() => {
      done('timeout');
      request.destroy();
    }, timeoutMs);
    request.on('error', () => done(undefined));
    request.on('close', () => done(undefined));
  });
}

function asHealth(text: string): ProxyHealth | undefined {
  let body: Partial<ProxyHealth> | null;
  try {
    body = JSON.parse(text) as Partial<ProxyHealth> | null;
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object' || body.service !== 'headroom' || body.status !== 'ok') {
    return undefined;
  }
  return body as ProxyHealth;
}
