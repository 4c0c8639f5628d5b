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
}

/** The proxy's /health answer, or undefined when nothing (or not headroom) answers in time. */
export async function probeHealth(baseUrl: string, timeoutMs = 1_500): Promise<ProxyHealth | undefined> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as Partial<ProxyHealth> | null;
    if (body === null || typeof body !== 'object' || body.service !== 'headroom' || body.status !== 'ok') {
      return undefined;
    }
    return body as ProxyHealth;
  } catch {
    return undefined;
  }
}
