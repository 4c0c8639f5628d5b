import { createHash } from 'node:crypto';
import type { PropertyRanges } from './split-pattern.js';

/**
 * A BPE vocabulary in a form that loads with one read and is used in place: every token's bytes in
 * one blob, and an open-addressing hash table of entry indexes in typed arrays. Loading the same
 * vocabulary as a JS module (gpt-tokenizer's 2.4 MB o200k array) costs 150-380 ms and tens of MB of
 * heap in every process that counts; this costs one read of ~5 MB.
 *
 * File layout (little-endian; every array starts on a 4-byte boundary):
 *
 *   0   8   magic `HRBPETAB`
 *   8   4   format version
 *   12  4   byte length of the JSON header that follows the fixed header
 *   16  4   entries: distinct token byte strings
 *   20  4   log2 of the slot count
 *   24  4   blob length
 *   28  4   0
 *   32  32  sha256 of everything from byte 64 to the end
 *   64      JSON header {encoding, source, pattern, flags, propertyRanges}, padded with spaces to 4 bytes
 *           ranks    Uint32Array(entries)     rank of each entry
 *           offsets  Uint32Array(entries + 1) where each entry's bytes start in the blob
 *           slots    Int32Array(2^bits)       entry index + 1 at the slot its hash probes to; 0 = empty
 *           blob     the entries' bytes
 */
const MAGIC = 'HRBPETAB';
/** Bump when the layout or the hash changes: older files are then rebuilt. */
export const TABLE_FORMAT_VERSION = 2;
const FIXED_HEADER = 64;

export type EncodingName = 'o200k_base' | 'cl100k_base';

/** What a table was built from: checked on load, so a table never outlives the tokenizer it copies. */
export interface TableHeader {
  encoding: EncodingName;
  /** `gpt-tokenizer@<version>`: the installed package the table was derived from. */
  source: string;
  /** The pre-tokenisation regex, as the source tokenizer defines it. */
  pattern: string;
  flags: string;
  /** The members of the pattern's Unicode property classes, to restrict it by (`split-pattern.ts`). */
  propertyRanges: PropertyRanges | null;
}

export interface BpeTable {
  header: TableHeader;
  ranks: Uint32Array;
  offsets: Uint32Array;
  slots: Int32Array;
  blob: Uint8Array;
  mask: number;
}

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over bytes, then a final avalanche so the low bits (the slot index) depend on every byte. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME);
  return finishHash(h);
}

export function finishHash(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  return x ^ (x >>> 13);
}

/** The rank of `bytes[start, end)`, or -1 when it is no token. */
export function lookup(table: BpeTable, bytes: Uint8Array, start: number, end: number, hash: number): number {
  const { slots, offsets, blob, mask } = table;
  const length = end - start;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const entry = (slots[slot] as number) - 1;
    if (entry < 0) return -1;
    const from = offsets[entry] as number;
    if ((offsets[entry + 1] as number) - from !== length) continue;
    let i = 0;
    while (i < length && blob[from + i] === bytes[start + i]) i++;
    if (i === length) return table.ranks[entry] as number;
  }
}

/** Serialises a vocabulary given as (bytes, rank) pairs with distinct bytes. */
export function encodeTable(header: TableHeader, entries: readonly [Uint8Array, number][]): Buffer {
  const count = entries.length;
  let bits = 1;
  while (1 << bits < count * 2) bits++; // load factor ≤ 0.5 keeps probes short
  const mask = (1 << bits) - 1;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const jsonLength = Math.ceil(json.length / 4) * 4;
  const blobLength = entries.reduce((sum, [bytes]) => sum + bytes.length, 0);
  const arraysAt = FIXED_HEADER + jsonLength;
  const size = arraysAt + 4 * count + 4 * (count + 1) + 4 * (mask + 1) + blobLength;
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(TABLE_FORMAT_VERSION, 8);
  out.writeUInt32LE(jsonLength, 12);
  out.writeUInt32LE(count, 16);
  out.writeUInt32LE(bits, 20);
  out.writeUInt32LE(blobLength, 24);
  out.fill(0x20, FIXED_HEADER, arraysAt);
  json.copy(out, FIXED_HEADER);
  const table = viewArrays(out, header, count, bits, blobLength);
  let offset = 0;
  entries.forEach(([bytes, rank], entry) => {
    table.ranks[entry] = rank;
    table.offsets[entry] = offset;
    table.blob.set(bytes, offset);
    offset += bytes.length;
    let slot = hashBytes(bytes, 0, bytes.length) & mask;
    while (table.slots[slot] !== 0) slot = (slot + 1) & mask;
    table.slots[slot] = entry + 1;
  });
  table.offsets[count] = offset;
  digest(out).copy(out, 32);
  return out;
}

const digest = (file: Uint8Array) => createHash('sha256').update(file.subarray(FIXED_HEADER)).digest();

/** Typed arrays are host-endian; the file is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Reads a table file in place, or says why it cannot be used (truncated, corrupt, another format or
 * another source): the caller then rebuilds it, so a bad file costs time, never a wrong count. The
 * sha256 over the body is skipped for a file whose bytes are vouched for otherwise (`bpe-load.ts`).
 */
export function decodeTable(
  file: Uint8Array,
  expected: Pick<TableHeader, 'encoding' | 'source'>,
  { checksum }: { checksum: boolean } = { checksum: true },
): BpeTable | string {
  if (!LITTLE_ENDIAN) return 'this host is big-endian';
  if (file.length < FIXED_HEADER) return 'shorter than its header';
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.length);
  if (bytes.toString('latin1', 0, 8) !== MAGIC) return 'not a headroom BPE table';
  const version = bytes.readUInt32LE(8);
  if (version !== TABLE_FORMAT_VERSION) return `format ${version}, expected ${TABLE_FORMAT_VERSION}`;
  const jsonLength = bytes.readUInt32LE(12);
  const count = bytes.readUInt32LE(16);
  const bits = bytes.readUInt32LE(20);
  const blobLength = bytes.readUInt32LE(24);
  if (bits > 30 || jsonLength % 4 !== 0) return 'header out of range';
  const size = FIXED_HEADER + jsonLength + 4 * count + 4 * (count + 1) + 4 * 2 ** bits + blobLength;
  if (bytes.length !== size) return `${bytes.length} bytes, expected ${size}`;
  if (checksum && !digest(bytes).equals(bytes.subarray(32, FIXED_HEADER))) return 'checksum mismatch';
  let header: TableHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', FIXED_HEADER, FIXED_HEADER + jsonLength)) as TableHeader;
  } catch {
    return 'unreadable header';
  }
  if (header.encoding !== expected.encoding) return `holds ${header.encoding}, expected ${expected.encoding}`;
  if (header.source !== expected.source) return `built from ${header.source}, installed ${expected.source}`;
  // Typed arrays need 4-byte alignment; a buffer from a pool may start anywhere.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(Uint8Array.prototype.slice.call(bytes));
  return viewArrays(aligned, header, count, bits, blobLength);
}

function viewArrays(
  file: Buffer,
  header: TableHeader,
  count: number,
  bits: number,
  blobLength: number,
): BpeTable {
  const { buffer, byteOffset } = file;
  let at = byteOffset + FIXED_HEADER + file.readUInt32LE(12);
  const ranks = new Uint32Array(buffer, at, count);
  at += 4 * count;
  const offsets = new Uint32Array(buffer, at, count + 1);
  at += 4 * (count + 1);
  const slots = new Int32Array(buffer, at, 2 ** bits);
  at += 4 * 2 ** bits;
  const blob = new Uint8Array(buffer, at, blobLength);
  return { header, ranks, offsets, slots, blob, mask: 2 ** bits - 1 };
}
