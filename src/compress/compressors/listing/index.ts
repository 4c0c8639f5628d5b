import { formatCount } from '../../signals.js';
import type { Compressor, CompressorContext, LinePlan } from '../../types.js';
import {
  bump,
  countKept,
  countOf,
  focusMask,
  lineScore,
  MIN_LINES,
  matchLines,
  omitsEnough,
  topCounts,
  transformLabel,
} from '../line-tools.js';
import { namedFirst } from '../named-first.js';
import { type Entry, looksLikeListing, parseListing } from './parse.js';

const HEAD_ENTRIES = 5;
const TAIL_ENTRIES = 3;
/** The biggest files of an `ls -l` or `du` listing are usually what the question is about. */
const LARGEST_ENTRIES = 3;
/** A query term found in more of the entries than this (`src`) singles none of them out. */
const MAX_TERM_SHARE = 0.5;

function isEntry(entry: Entry): boolean {
  return entry.kind === 'path' || entry.kind === 'row' || entry.kind === 'tree' || entry.kind === 'du';
}

/** The directory every entry sits in or below (`./src` when all paths start there). */
function sharedDir(entries: readonly Entry[]): string {
  let shared: string | undefined;
  for (const e of entries) {
    if (!isEntry(e)) continue;
    shared = shared === undefined ? e.dir : commonDir(shared, e.dir);
    if (shared === '') return '';
  }
  return shared ?? '';
}

/**
 * Fills what the budget leaves with one entry per place, level by level, so every part of the tree
 * shows up before any shows twice: `src` and `test` before `src/components`, and one `.tsx` before a
 * second. A place is the entry's directory below the shared one, then its type. It stops at the first
 * level with more places than room.
 */
function spread(entries: readonly Entry[], keep: boolean[], room: number): void {
  const skip = sharedDir(entries).length;
  const places = entries.map((e) => (isEntry(e) ? `${e.dir.slice(skip).replace(/^\//, '')}/${e.type}` : ''));
  // Where each place’s key ends at the current level; every pass goes one level deeper.
  const cut = new Int32Array(entries.length).fill(-1);
  let left = room;
  while (left > 0) {
    const covered = new Set<string>();
    const firsts = new Map<string, number>();
    let deeper = false;
    for (let i = 0; i < places.length; i++) {
      const place = places[i]!;
      if (place === '') continue;
      const next = place.indexOf('/', cut[i]! + 1);
      cut[i] = next === -1 ? place.length : next;
      if (next !== -1) deeper = true;
      const key = place.slice(0, cut[i]);
      if (keep[i]) covered.add(key);
      else if (!firsts.has(key)) firsts.set(key, i);
    }
    const open: number[] = [];
    for (const [key, i] of firsts) if (!covered.has(key)) open.push(i);
    // A level with more places than room (180 component folders) would spend the budget on one
    // subtree's crumbs; the notes describe those places better.
    if (open.length > left) break;
    for (const i of open) keep[i] = true;
    left -= open.length;
    if (!deeper) break;
  }
}

/** Keeps the `tree` lines above a kept line, so its place in the drawing stays readable. */
function keepTreeAncestors(entries: readonly Entry[], keep: boolean[]): void {
  for (let i = entries.length - 1; i >= 0; i--) {
    if (!keep[i]) continue;
    let p = entries[i]!.parent;
    while (p >= 0 && !keep[p]) {
      keep[p] = true;
      p = entries[p]!.parent;
    }
  }
}

/**
 * Keeps each `ls -R` header whose directory still shows an entry, and the `total` line of a directory
 * that does; a `total` or `tree` summary after the entries always stays.
 */
function keepHeaders(entries: readonly Entry[], keep: boolean[]): void {
  let header = -1;
  let total = -1;
  let seenEntry = false;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.kind === 'header') {
      header = i;
      total = -1;
      seenEntry = false;
    } else if (e.kind === 'total') {
      if (seenEntry) keep[i] = true;
      else total = i;
    } else if (keep[i] && isEntry(e)) {
      if (header >= 0) keep[header] = true;
      if (total >= 0) keep[total] = true;
    }
    if (isEntry(e)) seenEntry = true;
  }
}

/** Keeps a blank line that sets off a kept line (the gap before an `ls -R` header). */
function keepSeparators(lines: readonly string[], keep: boolean[]): void {
  for (let i = 0; i + 1 < lines.length; i++) if (keep[i + 1] && lines[i]!.trim() === '') keep[i] = true;
}

/** The few largest entries (first seen wins a tie), in one pass. */
function largest(entries: readonly Entry[], positions: readonly number[]): number[] {
  const top: number[] = [];
  for (const i of positions) {
    const size = entries[i]!.size;
    if (size < 0) continue;
    let at = top.length;
    while (at > 0 && entries[top[at - 1]!]!.size < size) at -= 1;
    if (at < LARGEST_ENTRIES) {
      top.splice(at, 0, i);
      top.length = Math.min(top.length, LARGEST_ENTRIES);
    }
  }
  return top;
}

function commonDir(a: string, b: string): string {
  if (a === b || b.startsWith(`${a}/`)) return a;
  if (a.startsWith(`${b}/`)) return b;
  const as = a.split('/');
  const bs = b.split('/');
  let k = 0;
  while (k < as.length && k < bs.length && as[k] === bs[k]) k += 1;
  return as.slice(0, k).join('/');
}

function describer(entries: readonly Entry[]): (start: number, end: number) => string | undefined {
  return function describeOmitted(start: number, end: number): string | undefined {
    let count = 0;
    let dir: string | undefined;
    const types = new Map<string, number>();
    for (let i = start; i < end; i++) {
      const e = entries[i]!;
      if (!isEntry(e)) continue;
      count += 1;
      dir = dir === undefined ? e.dir : commonDir(dir, e.dir);
      bump(types, e.type);
    }
    if (count === 0) return undefined;
    const under = dir && dir !== '.' ? ` under ${dir}/` : '';
    return `${countOf(count, 'entry', 'entries')}${under} (${topCounts(types, 3)})`;
  };
}

/** `5,000 entries in 212 directories; .ts 3,100, .tsx 800, …` */
function summarize(entries: readonly Entry[]): string {
  const dirs = new Set<string>();
  const types = new Map<string, number>();
  let count = 0;
  for (const e of entries) {
    if (!isEntry(e)) continue;
    count += 1;
    dirs.add(e.dir);
    bump(types, e.type);
  }
  return `listing: ${formatCount(count)} entries in ${countOf(dirs.size, 'directory', 'directories')}; ${topCounts(types, 6)}`;
}

/**
 * Keeps a bounded set of whole listing lines: the first and last few, every error, every entry the
 * question names, and a spread across directories; omitted runs are described by place and type.
 */
function planListing(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  if (lines.length < MIN_LINES) return undefined;
  const entries = parseListing(lines);
  const keep: boolean[] = new Array(lines.length).fill(false);
  const matches = matchLines(lines, ctx.query);
  const focused = focusMask(matches, MAX_TERM_SHARE);
  const positions: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.kind === 'error' || e.kind === 'other') keep[i] = true;
    if (!isEntry(e)) continue;
    positions.push(i);
    if (lineScore(matches, i, focused) > 0) keep[i] = true;
  }
  if (positions.length <= ctx.budgets.maxRows) return undefined;
  // Entities too common to be focus terms (`2024` in a dated tree) still get a few entries each.
  const named = namedFirst(
    lines,
    ctx.query,
    Math.floor(ctx.budgets.maxRows / 2),
    (i) => keep[i]! || !isEntry(entries[i]!),
  );
  for (const i of named) keep[i] = true;
  for (const i of positions.slice(0, HEAD_ENTRIES)) keep[i] = true;
  for (const i of positions.slice(-TAIL_ENTRIES)) keep[i] = true;
  for (const i of largest(entries, positions)) keep[i] = true;
  const room = ctx.budgets.maxRows - countKept(keep);
  if (room > 0) spread(entries, keep, room);
  keepTreeAncestors(entries, keep);
  keepHeaders(entries, keep);
  keepSeparators(lines, keep);
  if (!omitsEnough(keep)) return undefined;
  const kept = countKept(keep);
  return {
    keep,
    describe: describer(entries),
    summary: [summarize(entries)],
    transform: transformLabel('listing', 'lines', lines.length, kept),
  };
}

/** `find`, `ls -R`, `ls -la`, `tree`, `git ls-files` and `du` output. */
export const listingCompressor: Compressor = {
  kind: 'listing',
  detect: (text) => looksLikeListing(text),
  lines: planListing,
};
