import { compressMessages } from '../compress/compress.js';
import type { CompressOptions } from '../compress/options.js';
import { resolveOptions } from '../compress/resolve-options.js';
import { describeValue, HeadroomError } from '../errors.js';
import { positiveIntOption } from './common.js';
import type { RetrievalSource } from './retrieval-tool.js';

/** Options of a `SharedContext`: how to compress, and how much it may hold. */
export interface SharedContextOptions extends Omit<CompressOptions, 'model'> {
  /** Model whose tokenizer counts tokens. Default `gpt-4o`. */
  readonly model?: string;
  /** Most entries held; the least recently used go first. Default 1,000. */
  readonly maxEntries?: number;
  /** Most characters held, originals and compressed forms together. Default 32 Mi. */
  readonly maxChars?: number;
}

export interface PutOptions {
  /** Who stored it, for `stats().byAgent`. */
  readonly agent?: string;
  /** The question the content should answer; items and lines matching it are kept. */
  readonly query?: string;
}

export interface GetOptions {
  /** Return the original instead of the compressed form. */
  readonly full?: boolean;
}

/** What `put` did with one piece of content. */
export interface SharedEntryInfo {
  readonly key: string;
  readonly agent: string | undefined;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  /** Present when something was dropped: the marker's hash, answerable by `retrieve(hash)`. */
  readonly hash: string | undefined;
}

export interface AgentStats {
  readonly puts: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly tokensSaved: number;
}

export interface SharedContextStats extends AgentStats {
  /** Entries held now, and their size in characters. */
  readonly entries: number;
  readonly chars: number;
  /** Entries dropped to stay within `maxEntries`/`maxChars`. */
  readonly evictions: number;
  readonly byAgent: Readonly<Record<string, AgentStats>>;
}

interface Entry {
  readonly info: SharedEntryInfo;
  readonly original: string;
  readonly compressed: string;
}

interface Tally {
  puts: number;
  tokensBefore: number;
  tokensAfter: number;
}

const NO_AGENT = '(none)';

const sizeOf = (e: Entry) => e.original.length + (e.compressed === e.original ? 0 : e.compressed.length);
const summary = (t: Tally): AgentStats => ({ ...t, tokensSaved: t.tokensBefore - t.tokensAfter });

/**
 * Hands large context between agents of one program: `put` stores content compressed (the original
 * kept), `get` gives the compressed form to pass on, or the original with `{ full: true }`. Bounded by
 * entries and characters, least recently used out first. Pass it as a retrieval source to a wrapped
 * client (`withHeadroom(client, { retrieval: { sources: [context] } })`) and that client answers
 * `headroom_retrieve` calls for the markers in its content.
 *
 * @example
 * const context = new SharedContext();
 * await context.put('search-results', hugeJson, { agent: 'researcher' });
 * const brief = context.get('search-results'); // compressed, with a marker
 * const everything = context.get('search-results', { full: true });
 */
export class SharedContext implements RetrievalSource {
  readonly #entries = new Map<string, Entry>();
  /** The keys holding each compressed original: the same content put under two keys shares one hash. */
  readonly #byHash = new Map<string, Set<string>>();
  readonly #byAgent = new Map<string, Tally>();
  readonly #all: Tally = { puts: 0, tokensBefore: 0, tokensAfter: 0 };
  readonly #compressOptions: CompressOptions;
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;
  #evictions = 0;

  constructor(options: SharedContextOptions = {}) {
    const { maxEntries, maxChars, model = 'gpt-4o', ...rest } = options;
    this.#compressOptions = { ...rest, model };
    resolveOptions(this.#compressOptions);
    this.#maxEntries = positiveIntOption('maxEntries', maxEntries, 1000);
    this.#maxChars = positiveIntOption('maxChars', maxChars, 32 * 1024 * 1024);
  }

  /** Compresses and stores `content` under `key` (replacing what was there). */
  async put(key: string, content: string, options: PutOptions = {}): Promise<SharedEntryInfo> {
    if (typeof key !== 'string' || key.length === 0) {
      throw new HeadroomError(
        'INVALID_INPUT',
        `Expected \`key\` to be a non-empty string, got ${describeValue(key)}.`,
        {
          fix: 'Name each piece of shared context with a non-empty string key.',
        },
      );
    }
    if (typeof content !== 'string') {
      throw new HeadroomError(
        'INVALID_INPUT',
        `Expected \`content\` to be a string, got ${describeValue(content)}.`,
        {
          fix: 'Serialise the content first, e.g. JSON.stringify(value, null, 2).',
        },
      );
    }
    // A tool message is what the compressor knows best; the query, if any, is the question before it.
    const messages = [
      ...(options.query ? [{ role: 'user', content: options.query }] : []),
      { role: 'tool', tool_call_id: 'shared-context', content },
    ];
    const result = await compressMessages(messages, this.#compressOptions);
    const last = result.messages[result.messages.length - 1] as { content: string };
    const block = result.blocks[result.blocks.length - 1];
    const info: SharedEntryInfo = {
      key,
      agent: options.agent,
      tokensBefore: block?.tokensBefore ?? 0,
      tokensAfter: block?.tokensAfter ?? 0,
      hash: block?.hash,
    };
    this.delete(key);
    const entry: Entry = { info, original: content, compressed: last.content };
    this.#entries.set(key, entry);
    if (info.hash) {
      const keys = this.#byHash.get(info.hash) ?? new Set<string>();
      keys.add(key);
      this.#byHash.set(info.hash, keys);
    }
    this.#chars += sizeOf(entry);
    this.#tally(options.agent ?? NO_AGENT, info);
    this.#evict();
    return info;
  }

  /** The compressed form (or the original with `{ full: true }`), or undefined when not held. */
  get(key: string, options: GetOptions = {}): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return options.full ? entry.original : entry.compressed;
  }

  /** What `put` recorded for `key`, without counting as a use. */
  info(key: string): SharedEntryInfo | undefined {
    return this.#entries.get(key)?.info;
  }

  /** The original behind a marker's hash, for `headroom_retrieve` calls. */
  retrieve(hash: string): string | undefined {
    const [key] = this.#byHash.get(hash) ?? [];
    return key === undefined ? undefined : this.#entries.get(key)?.original;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    const keys = entry.info.hash === undefined ? undefined : this.#byHash.get(entry.info.hash);
    keys?.delete(key);
    if (keys?.size === 0) this.#byHash.delete(entry.info.hash!);
    this.#chars -= sizeOf(entry);
    return true;
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  get size(): number {
    return this.#entries.size;
  }

  stats(): SharedContextStats {
    return {
      ...summary(this.#all),
      entries: this.#entries.size,
      chars: this.#chars,
      evictions: this.#evictions,
      byAgent: Object.fromEntries([...this.#byAgent].map(([agent, t]) => [agent, summary(t)])),
    };
  }

  #tally(agent: string, info: SharedEntryInfo): void {
    let t = this.#byAgent.get(agent);
    if (!t) {
      t = { puts: 0, tokensBefore: 0, tokensAfter: 0 };
      this.#byAgent.set(agent, t);
    }
    for (const s of [t, this.#all]) {
      s.puts += 1;
      s.tokensBefore += info.tokensBefore;
      s.tokensAfter += info.tokensAfter;
    }
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries && this.#chars <= this.#maxChars) return;
      this.delete(key);
      this.#evictions += 1;
    }
  }
}
