/** The outline of a markdown or plain-text document: headings, sections, fences, paragraphs. */
export interface Outline {
  /** Heading level of a heading line (1–6), 0 elsewhere; setext underlines are marked with -1. */
  readonly level: readonly number[];
  /** The heading line that opens the section a line sits in, or -1 before the first heading. */
  readonly section: readonly number[];
  /** Inside a fenced code block, or a fence line itself. */
  readonly code: readonly boolean[];
  /** The fence line that opens the block a code line sits in (its own index for the opening fence). */
  readonly fence: readonly number[];
  /** For a heading line, the nearest heading above it with a lower level, or -1. */
  readonly parentHeading: readonly number[];
}

const ATX = /^ {0,3}(#{1,6})(?:\s|$)/;
const SETEXT = /^ {0,3}(=+|-+)\s*$/;
const RST_UNDERLINE = /^([=~^*+#"'`])\1{2,}\s*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** Changelog entries written without `#`: `2.3.1 (2024-05-01)`, `[v2.3.1] - 2024-05-01`, `Version 2.3.1`. */
const VERSION_LINE =
  /^\s*(?:(?:version|release)\s+)?\[?v?\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?\]?(?:\s*(?:[-–—:(]|\/).{0,60})?\s*$/i;
const NOT_A_TITLE = /^\s*(?:[-*+>|]|\d+[.)]\s)/;

function isTitleText(line: string): boolean {
  const t = line.trim();
  return t.length > 0 && t.length <= 120 && !NOT_A_TITLE.test(line);
}

export function outlineOf(lines: readonly string[]): Outline {
  const n = lines.length;
  const level: number[] = new Array(n).fill(0);
  const section: number[] = new Array(n).fill(-1);
  const code: boolean[] = new Array(n).fill(false);
  const fence: number[] = new Array(n).fill(-1);
  const parentHeading: number[] = new Array(n).fill(-1);
  // Open headings by level, for each heading's parent.
  const open: number[] = [];
  const openHeading = (i: number) => {
    while (open.length > 0 && level[open[open.length - 1]!]! >= level[i]!) open.pop();
    parentHeading[i] = open[open.length - 1] ?? -1;
    open.push(i);
  };
  let current = -1;
  let openFence = '';
  let fenceStart = -1;
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    if (openFence !== '') {
      code[i] = true;
      fence[i] = fenceStart;
      section[i] = current;
      if (line.trimStart().startsWith(openFence)) openFence = '';
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      openFence = f[1]!;
      fenceStart = i;
      code[i] = true;
      fence[i] = i;
      section[i] = current;
      continue;
    }
    const atx = ATX.exec(line);
    const next = lines[i + 1];
    const prevBlank = i === 0 || lines[i - 1]!.trim() === '';
    if (atx) {
      level[i] = atx[1]!.length;
      openHeading(i);
      current = i;
    } else if (next !== undefined && isTitleText(line) && (SETEXT.test(next) || RST_UNDERLINE.test(next))) {
      level[i] = /^\s*=/.test(next) ? 1 : 2;
      level[i + 1] = -1;
      openHeading(i);
      current = i;
      section[i] = current;
      section[i + 1] = current;
      i += 1;
      continue;
    } else if (prevBlank && VERSION_LINE.test(line) && /\d/.test(line)) {
      level[i] = 2;
      openHeading(i);
      current = i;
    }
    section[i] = current;
  }
  return { level, section, code, fence, parentHeading };
}

/** Heading text without its markers, for notes: `## [2.3.1] - 2024-05-01` → `[2.3.1] - 2024-05-01`. */
export function headingText(line: string): string {
  return line
    .replace(/^\s*#+\s*/, '')
    .replace(/\s*#+\s*$/, '')
    .trim();
}
