import { COMPRESSOR_BY_KIND, COMPRESSORS } from './compressors/index.js';
import { LOCKFILE_NAMES } from './compressors/lockfile/index.js';
import type { BlockHint, Compressor, ContentKind } from './types.js';

const EXTENSION_KINDS: Readonly<Record<string, ContentKind>> = {
  json: 'json',
  jsonl: 'log',
  ndjson: 'log',
  log: 'log',
  out: 'log',
  csv: 'csv',
  tsv: 'csv',
  sql: 'sql',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  md: 'prose',
  markdown: 'prose',
  rst: 'prose',
  diff: 'diff',
  patch: 'diff',
};

const CODE_EXTENSIONS =
  /^(?:[cm]?[jt]sx?|py|pyi|go|rs|java|kt|kts|scala|swift|c|h|cc|cpp|cxx|hpp|hh|cs|rb|php|lua|sh|bash|zsh|fish|ps1|pl|pm|r|jl|dart|ex|exs|erl|hs|ml|mli|clj|vue|svelte|zig|nim|groovy|gradle|tf|proto)$/;

/** Commands whose output kind is known before reading it; the first match wins. */
const COMMAND_KINDS: ReadonlyArray<readonly [RegExp, ContentKind]> = [
  [/\bgit\s+(?:blame|annotate)\b/, 'blame'],
  [/\b(?:sqlite3\b[^|]*\.dump|pg_dump|mysqldump)\b/, 'sql'],
  [/\b(?:git\s+(?:diff|show|log\s[^|]*-p|format-patch|stash\s+show)|diff\s+-[a-zA-Z]*u)/, 'diff'],
  [/(?:^|[|;&\s])(?:grep|egrep|rg|ag|ack|git\s+grep)\s/, 'search'],
  [/(?:^|[|;&\s])(?:find|fd|ls|tree|du|git\s+ls-files)(?:\s|$)/, 'listing'],
  [/\b(?:curl|gh\s+api|jq|npm\s+(?:view|ls|info)\b[^|]*--json)\b/, 'json'],
  [
    /\b(?:npm|pnpm|yarn|bun|npx|tsc|vitest|jest|mocha|pytest|tox|cargo|go\s+(?:test|build|vet)|make|cmake|gradle|mvn|dotnet|docker|kubectl|journalctl|dmesg|tail|pip|poetry|eslint|biome)\b/,
    'log',
  ],
];

function extensionOf(path: string): string | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

/** The file a command reads (`cat src/a.ts`, `sed -n 1,80p a.log`), for kind hints from its extension. */
function fileInCommand(command: string): string | undefined {
  const m = /(?:^|[|;&]\s*)(?:cat|head|tail|less|bat|nl|sed\s+-n\s+\S+)\s+(?:-\S+\s+)*([^\s|;&<>]+)/.exec(
    command,
  );
  return m?.[1];
}

/** The block is a file's content: read by a file tool, or printed by `cat`, `head`, `sed -n` and the like. */
export function readsFile(hint: BlockHint): boolean {
  return (
    hint.filePath !== undefined || (hint.command !== undefined && fileInCommand(hint.command) !== undefined)
  );
}

function hintedKind(hint: BlockHint): { kind: ContentKind; strong: boolean } | undefined {
  const path = hint.filePath ?? (hint.command ? fileInCommand(hint.command) : undefined);
  if (path) {
    // A file's name says more than its extension: `package-lock.json` is no plain JSON.
    if (LOCKFILE_NAMES.test(path)) return { kind: 'lockfile', strong: true };
    const ext = extensionOf(path);
    if (ext) {
      const kind = EXTENSION_KINDS[ext] ?? (CODE_EXTENSIONS.test(ext) ? 'code' : undefined);
      if (kind) return { kind, strong: true };
    }
  }
  if (hint.command) {
    for (const [pattern, kind] of COMMAND_KINDS)
      if (pattern.test(hint.command)) return { kind, strong: false };
  }
  return undefined;
}

/**
 * Picks the compressor for a block: a file extension decides outright; a command's kind is used when
 * the content agrees; otherwise the first compressor whose detector accepts the content.
 */
export function detectCompressor(content: string, hint: BlockHint): Compressor | undefined {
  const hinted = hintedKind(hint);
  if (hinted) {
    const compressor = COMPRESSOR_BY_KIND.get(hinted.kind)!;
    if (hinted.strong || compressor.detect(content, hint)) return compressor;
  }
  return COMPRESSORS.find((c) => c.detect(content, hint));
}
