import { providerNamed } from './providers/index.js';
import type { CompressTarget, ProviderName } from './providers/provider.js';

/** Bodies are UTF-8; anything else is not parsed (and goes out byte for byte). */
export const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The parsed parts of a model call's body that compression works on. */
export interface ParsedBody {
  readonly model: string;
  readonly target: CompressTarget;
  /** The whole body, for counting what goes out as it came (system prompt, tool definitions). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Why a body could not be parsed into a conversation at all. */
export type UnparsedReason = 'unparseable-body' | 'unknown-shape';

/** The model and conversation of a body's parsed top-level fields. */
export function parsedFrom(
  fields: Record<string, unknown>,
  provider: ProviderName,
  path: string,
): ParsedBody {
  const api = providerNamed(provider);
  const named = typeof fields.model === 'string' && fields.model !== '' ? fields.model : api.modelOf?.(path);
  return { model: named || 'unknown', target: api.target(path, fields), fields };
}

/** Parses a body and finds its conversation; a reason instead when it cannot be compressed. */
export function parseBody(
  raw: Uint8Array,
  provider: ProviderName,
  path: string,
): ParsedBody | UnparsedReason {
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(raw));
  } catch {
    return 'unparseable-body';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'unknown-shape';
  return parsedFrom(body as Record<string, unknown>, provider, path);
}
