import { isErrorText, termMatcher, WARNING_PATTERN } from '../../signals.js';
import type { BlockHint, Budgets, Compressor, CompressorContext, LinePlan, Query } from '../../types.js';
import { keepCommitHeaders } from '../git-commits.js';
import {
  countKept,
  keepShortRuns,
  type LineShapes,
  MIN_OMITTED,
  queryHits,
  runDescriber,
  shapesOf,
  templatesOf,
} from '../line-tools.js';
import { namedFirst } from '../named-first.js';
import { dirOf, errorCode, errorFile, errorRunNote, pickDiverse } from './errors.js';

/** Exception class names and panic headers, which the shared error words do not catch (`TypeError:`). */
const EXCEPTION = /\b[A-Z]\w*(?:Error|Exception)\b/;
const EXCEPTION_START = /^\s*(?:Traceback \(most recent call last\)|panic:|Caused by:)/;

/** A passing test, whatever its name says (`✓ returns an error for bad input` is not an error). */
export const PASSING = /^\s*(?:[✓✔√]\s|PASS\s|ok \d+ |--- PASS:|test \S+ \.\.\. ok$)/;
const PASSED = /\sPASSED\b/;
/** The first line of one failing test's report, in the common runners' formats. */
export const FAILURE_HEAD =
  /^\s*(?:FAIL\s|FAILED\s|[✗✘✕×❌]\s|●\s(?!Console)|--- FAIL:)|^_{3,} .+ _{3,}$|^-{4} .+ -{4}$|^test \S+ \.\.\. FAILED$/;
const FAILED = /\sFAILED\b/;
/** Lines that belong to a failure report: diffs of expected and received, code frames, pytest's `E` lines. */
const DETAIL =
  /^\s*(?:[-+] |> |E {2,}|(?:Expected|Received|Actual|expected|received|actual|Difference|want|got)\b|❯|→|\^)|^\s*>?\s*\d+\s*\|/;
/** A passing line for a whole test file (`✓ test/a.test.ts (25 tests) 30ms`, jest's `PASS  src/a.test.js`). */
const SUITE = /^\s*PASS\s|\(\d+ tests?\b/;
const SEPARATOR = /^\s*[⎯━─═=_*-]{6,}/;
const NON_BLANK = /\S/;
/** Lines that say how a run ended: test totals, compiler totals, package installs, exit codes. */
const SUMMARY =
  /^\s*(?:Test Files|Tests|Test Suites|Snapshots|Duration|Time|Ran \d)\b|\bup to date\b|\bexit(?:ed)? (?:with )?(?:code|status)\b|\bexit code\b|ELIFECYCLE|^(?:PASS|FAIL)$|^test result:|\b(?:BUILD|Build) (?:SUCCESSFUL|FAILED|succeeded|failed)\b/;
/** Summaries that carry a count; only lines with a digit are tried. */
const SUMMARY_COUNTS =
  /\b\d+ (?:passing|failing|pending|passed|failed|skipped|errors?|warnings?|tests?|problems?|vulnerabilit)|\b(?:added|removed|changed|audited) \d+ packages?\b|\bError \d+$|^(?:\s*Found \d+ errors?\b|(?:ok|FAIL|PASS)\s+\S+\s+[\d.]+m?s\b|=+ .*\b(?:passed|failed|errors?|skipped|no tests ran)\b.* =+$)/;
/** Stack frames of JavaScript, Java, Python, Rust, Go, vitest and the like. */
const FRAME =
  /^\s+at\s+\S|^\s+File "[^"]+", line \d+|^\s+\.\.\. \d+ (?:more|common frames)|^\s*❯\s+(?:\S+\s+)?\S+:\d+|^\s+\d+:\s+(?:0x[0-9a-f]+\s+-\s+)?[\w<]|^\s+\S+\.(?:[cm]?[jt]sx?|py|rb|java|kt|scala|cs|rs|php|swift|go|c|cc|cpp|h)(?::\d+|\(\d+)/;
const PYTHON_FRAME = /^\s+File "/;
const GO_FILE_LINE = /^\t\S+\.go:\d+/;

/** What detection looks for: timestamps, level words, and the shapes of test runners, npm, tsc, builds, apt. */
const STAMP =
  /^\s*\[?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2})/;
const LEVEL =
  /\b(?:TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|FATAL|CRIT(?:ICAL)?|SEVERE)\b|\blevel=\w|"level":/;
const TOOL_SHAPE =
  /^npm (?:ERR!|WARN|error|warn|notice|http|info|verb|verbose|sill|silly|timing)\b|\(\d+,\d+\): error TS\d+|:\d+:\d+ - error TS\d+|^Traceback|^\s*(?:Compiling|Finished|Running|Downloading|Installing|Collecting|Building)\s|^(?:Preparing to unpack|Unpacking|Setting up|Selecting previously unselected|Processing triggers for|Removing|Log (?:started|ended):) /;
/**
 * Linters' and compilers' diagnostic headings: biome's `src/a.ts:210:3 lint/rule ━━━`, rustc's and deno's
 * `  --> src/main.rs:4:5`.
 */
const DIAGNOSTIC_HEAD = /^\S+:\d+:\d+\s+\S.*[━─]{3,}\s*$|^\s*-->\s*\S+:\d+:\d+/;
/**
 * A code frame under a diagnostic or a failing test (`  > 210 │ code`, vitest's `  5|   expect(…)`, the
 * `    31 31 │` of a fix's diff, the `      │   ^^^^` marker): source quoted as evidence, so the error words
 * in it (`throw createError(…)`) report nothing. No source file or table has lines shaped so.
 */
const CODE_FRAME = /^\s*>?\s*\d+(?:\s+\d+)?\s*[|│]|^\s*[|│]\s*\^/;
/**
 * A diagnostic's own severity mark (biome's and miette's `× error`, `! warning`/`⚠`, `i note`/`ℹ`/`☞`)
 * outranks the words of its message: `! Forbidden non-null assertion.` is a warning, the heading above it
 * names a file (`src/error.ts:25:8 …`), not an error.
 */
const WARNING_MARK = /^\s*[!⚠]\s/;
const NOTE_MARK = /^\s*[iℹ☞]\s/;
const DIFF_SHAPE = /^(?:diff --git |@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@)/m;

const ERROR = 1;
const WARNING = 2;
const FRAME_LINE = 4;
const FRAME_START = 8;
const PASS = 16;
const SUMMARY_LINE = 32;
const FAIL_HEAD = 64;
const BLANK = 128;

/** Frames kept per stack trace; the rest of a long trace is omitted as a run. */
const FRAMES_PER_TRACE = 12;
const HEAD_LINES = 5;
const TAIL_LINES = 10;
/** A failure report is read at most this far past its first line. */
const FAILURE_SCAN = 60;
const MAX_SUMMARY_LINES = 20;
/** Lines kept after a chosen error of a long incident: its elaboration, or the report of a failing test. */
const FOLLOWERS = 4;
const FOLLOWERS_OF_FAILURE = 12;
/** Examples kept of one error message repeated through a long incident (the same message in 600 files). */
const EXAMPLES_PER_MESSAGE = 3;

/** What a line is by itself, before its neighbours are considered; equal for lines of equal shape. */
const SELF_BLANK = 1;
const SELF_FRAME = 2;
const SELF_PYTHON_FRAME = 4;
const SELF_GO_FILE = 8;
const SELF_INDENTED = 16;
const SELF_PASS = 32;
const SELF_FAIL_HEAD = 64;
const SELF_WARNING = 128;
const SELF_ERROR = 256;
const SELF_SUMMARY = 512;

/** Colour codes some runners print even when piped; they hide the shapes the patterns look for. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes begin with ESC; matching it is the point.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function plain(line: string): string {
  return line.includes('\u001b') ? line.replace(ANSI, '') : line;
}

function lineBits(raw: string): number {
  const line = plain(raw);
  if (!NON_BLANK.test(line)) return SELF_BLANK;
  if (CODE_FRAME.test(line)) return SELF_INDENTED;
  if (NOTE_MARK.test(line)) return SELF_INDENTED;
  if (WARNING_MARK.test(line)) return SELF_INDENTED | SELF_WARNING;
  if (DIAGNOSTIC_HEAD.test(line)) return 0;
  let f = 0;
  if (FRAME.test(line)) f |= SELF_FRAME | (PYTHON_FRAME.test(line) ? SELF_PYTHON_FRAME : 0);
  else if (GO_FILE_LINE.test(line)) f |= SELF_GO_FILE;
  else if (/^\s{2,}\S/.test(line) && !/^\s*[A-Z]\w*(?:Error|Exception)\b/.test(line)) f |= SELF_INDENTED;
  // Cheap substring checks first: most lines of a big log are none of these, and the patterns cost more.
  if (PASSING.test(line) || (line.includes('PASSED') && PASSED.test(line))) f |= SELF_PASS;
  if (FAILURE_HEAD.test(line) || (line.includes('FAILED') && FAILED.test(line))) f |= SELF_FAIL_HEAD;
  const warning = WARNING_PATTERN.test(line);
  if (warning) f |= SELF_WARNING;
  const exception =
    EXCEPTION_START.test(line) ||
    ((line.includes('Error') || line.includes('Exception')) && EXCEPTION.test(line));
  if (exception || isErrorText(line)) f |= SELF_ERROR;
  if (SUMMARY.test(line) || (/\d/.test(line) && SUMMARY_COUNTS.test(line))) f |= SELF_SUMMARY;
  return f;
}

function classify(lines: readonly string[], shapes: LineShapes): Uint8Array {
  const n = lines.length;
  const flags = new Uint8Array(n);
  // Logs repeat themselves: each shape is classified once (the regexes are most of the cost at 50,000 lines).
  const bitsOfShape = shapes.first.map((line) => lineBits(lines[line]!));
  let pythonFrameAt = -4;
  for (let i = 0; i < n; i++) {
    const bits = bitsOfShape[shapes.ids[i]!]!;
    if (bits & SELF_BLANK) {
      flags[i] = BLANK;
      continue;
    }
    let f = 0;
    if (bits & SELF_FRAME) {
      f |= FRAME_LINE | FRAME_START;
      if (bits & SELF_PYTHON_FRAME) pythonFrameAt = i;
    } else if (bits & SELF_GO_FILE) {
      f |= FRAME_LINE;
      // Go prints the function on the line before its file; that pair is one frame.
      if (i > 0 && !(flags[i - 1]! & (BLANK | FRAME_LINE))) flags[i - 1] = FRAME_LINE | FRAME_START;
    } else if (bits & SELF_INDENTED && i - pythonFrameAt <= 3) {
      // Python shows the source line (and 3.11's `^^^^` marks) under each `File "…"` frame.
      f |= FRAME_LINE;
    }
    if (bits & SELF_PASS) f |= PASS;
    else if (!(f & FRAME_LINE)) {
      if (bits & SELF_FAIL_HEAD) f |= FAIL_HEAD | ERROR;
      if (bits & SELF_WARNING) f |= WARNING;
      if (bits & SELF_ERROR) f |= ERROR;
    }
    // `✓ test/a.test.ts (25 tests)` counts tests but is one more passing file, not a summary.
    if (bits & SELF_SUMMARY && !(bits & SELF_PASS)) f |= SUMMARY_LINE;
    flags[i] = f;
  }
  return flags;
}

/** A run of error lines (and the failure reports they open) close enough to read as one incident. */
interface Incident {
  readonly start: number;
  end: number;
  readonly errors: number[];
}

/** Where one failing test's report ends: at the next test, a separator, two blank lines, or unindented prose. */
function failureEnd(lines: readonly string[], flags: Uint8Array, head: number): number {
  const limit = Math.min(lines.length, head + FAILURE_SCAN);
  let end = head + 1;
  let blanks = 0;
  for (let j = head + 1; j < limit; j++) {
    const f = flags[j]!;
    const line = plain(lines[j]!);
    if (f & (FAIL_HEAD | PASS) || SEPARATOR.test(line)) break;
    if (f & BLANK) {
      blanks += 1;
      if (blanks >= 2) break;
      continue;
    }
    blanks = 0;
    if (!/^\s/.test(line) && !(f & (ERROR | FRAME_LINE)) && !DETAIL.test(line)) break;
    end = j + 1;
  }
  return end;
}

function findIncidents(lines: readonly string[], flags: Uint8Array): Incident[] {
  const incidents: Incident[] = [];
  let current: Incident | undefined;
  // Lines since the current incident ended, not counting stack frames: a trace between an error and
  // its exception line (Python) does not split them.
  let gap = 0;
  for (let i = 0; i < lines.length; i++) {
    const f = flags[i]!;
    if (current && i < current.end) {
      if (f & ERROR) current.errors.push(i);
      continue;
    }
    if (f & ERROR) {
      const end = f & FAIL_HEAD ? failureEnd(lines, flags, i) : i + 1;
      if (current && gap <= 1) {
        current.end = end;
        current.errors.push(i);
      } else {
        current = { start: i, end, errors: [i] };
        incidents.push(current);
      }
      gap = 0;
    } else if (!(f & FRAME_LINE)) gap += 1;
  }
  return incidents;
}

/** What each error line is about, for choosing a diverse few among many; undefined off error lines. */
interface ErrorFacts {
  readonly codes: (string | undefined)[];
  readonly files: (string | undefined)[];
  /** The query terms an error line holds. */
  readonly terms: (readonly string[] | undefined)[];
}

const NONE: readonly string[] = [];

function errorFacts(lines: readonly string[], flags: Uint8Array, query: Query): ErrorFacts {
  const n = lines.length;
  const facts: ErrorFacts = { codes: new Array(n), files: new Array(n), terms: new Array(n) };
  const matcher = termMatcher(query);
  for (let i = 0; i < n; i++) {
    if (!(flags[i]! & ERROR)) continue;
    const line = plain(lines[i]!);
    facts.codes[i] = errorCode(line);
    facts.files[i] = errorFile(line);
    if (matcher.maybe(line)) {
      const lower = line.toLowerCase();
      facts.terms[i] = query.terms.filter((_, t) => matcher.mentions(lower, t));
    }
  }
  return facts;
}

/**
 * Keys by which error lines differ, most telling first: what the user asked about, error code, directory
 * (so a few picks spread over the tree rather than the first files of it), file.
 */
function lineLevels(facts: ErrorFacts): ((i: number) => readonly string[])[] {
  const one = (v: string | undefined) => (v === undefined ? NONE : [v]);
  return [
    (i) => facts.terms[i] ?? NONE,
    (i) => one(facts.codes[i]),
    (i) => one(facts.files[i] === undefined ? undefined : dirOf(facts.files[i])),
    (i) => one(facts.files[i]),
  ];
}

/**
 * The first and last incidents, then, up to `maxErrors`, each incident that brings something new: a term
 * of the question, an error code, a file, a kind of message (its first three error lines).
 */
function chooseIncidents(
  incidents: readonly Incident[],
  maxErrors: number,
  facts: ErrorFacts,
  templates: Int32Array,
): Incident[] {
  if (incidents.length === 0) return [];
  const ofErrors =
    (keysOf: (i: number) => readonly string[]) =>
    (inc: Incident): readonly string[] => {
      if (inc.errors.length === 1) return keysOf(inc.errors[0]!);
      const all = new Set<string>();
      for (const i of inc.errors) for (const k of keysOf(i)) all.add(k);
      return [...all];
    };
  const signature = (inc: Incident) => [
    inc.errors
      .slice(0, 3)
      .map((i) => templates[i])
      .join('\n'),
  ];
  const chosen = new Set<Incident>([incidents[0]!, incidents[incidents.length - 1]!]);
  pickDiverse(incidents, [...lineLevels(facts).map(ofErrors), signature], maxErrors, chosen);
  return [...chosen];
}

/** A run of stack frames. */
interface Trace {
  readonly start: number;
  readonly end: number;
  readonly frames: readonly number[];
}

function findTraces(flags: Uint8Array): Trace[] {
  const traces: Trace[] = [];
  let i = 0;
  while (i < flags.length) {
    if (!(flags[i]! & FRAME_LINE)) {
      i += 1;
      continue;
    }
    const start = i;
    const frames: number[] = [];
    while (i < flags.length && flags[i]! & FRAME_LINE) {
      if (flags[i]! & FRAME_START) frames.push(i);
      i += 1;
    }
    traces.push({ start, end: i, frames });
  }
  return traces;
}

/** The lines a plan keeps so far, and how many. */
class Selection {
  readonly keep: boolean[];
  count = 0;

  constructor(private readonly flags: Uint8Array) {
    this.keep = new Array<boolean>(flags.length).fill(false);
  }

  line(i: number): void {
    if (i < 0 || i >= this.keep.length || this.keep[i]) return;
    this.keep[i] = true;
    this.count += 1;
  }

  /** Keeps the lines of [start, end) but stack frames, which the trace rules bound. */
  text(start: number, end: number): void {
    for (let i = Math.max(0, start); i < Math.min(this.keep.length, end); i++) {
      if (!(this.flags[i]! & FRAME_LINE)) this.line(i);
    }
  }
}

/** Lines that go on from an error line: indented elaborations (tsc's second line), or a failure's report. */
function keepWithFollowers(
  sel: Selection,
  lines: readonly string[],
  flags: Uint8Array,
  facts: ErrorFacts,
  i: number,
): void {
  sel.line(i);
  if (flags[i]! & FAIL_HEAD) {
    sel.text(i, Math.min(failureEnd(lines, flags, i), i + FOLLOWERS_OF_FAILURE));
    return;
  }
  for (let j = i + 1; j <= i + FOLLOWERS && j < lines.length; j++) {
    if (flags[j]! & (BLANK | FRAME_LINE) || facts.codes[j] !== undefined || !/^\s/.test(lines[j]!)) return;
    sel.line(j);
  }
}

function keepIncidents(
  sel: Selection,
  lines: readonly string[],
  chosen: readonly Incident[],
  flags: Uint8Array,
  facts: ErrorFacts,
  templates: Int32Array,
  b: Budgets,
): void {
  const incidentLines = Math.max(12, Math.floor(b.maxLogLines / 4));
  const levels = [...lineLevels(facts), (i: number) => [String(templates[i])]];
  for (const inc of chosen) {
    sel.text(inc.start - b.errorContext, inc.start);
    let textLines = 0;
    for (let i = inc.start; i < inc.end; i++) if (!(flags[i]! & FRAME_LINE)) textLines += 1;
    if (textLines <= incidentLines) sel.text(inc.start, inc.end);
    else {
      // A long incident (1,200 compiler errors in a row): its first and last error, then one of each
      // code, file and kind of message, in order, each with the lines that go on from it. Indented
      // error lines without a code elaborate the one above and are not candidates themselves.
      const heads = inc.errors.filter((i) => facts.codes[i] !== undefined || !/^\s/.test(lines[i]!));
      const candidates = heads.length > 0 ? heads : inc.errors;
      const picked = new Set<number>([candidates[0]!, candidates[candidates.length - 1]!]);
      pickDiverse(candidates, levels, incidentLines, picked, {
        kindOf: (i) => templates[i]!,
        perKind: EXAMPLES_PER_MESSAGE,
      });
      for (const i of picked) keepWithFollowers(sel, lines, flags, facts, i);
    }
    sel.text(inc.end, inc.end + b.errorContext);
  }
}

/** Distinct traces, those of the chosen incidents first, each cut to about a dozen frames. */
function keepTraces(
  sel: Selection,
  lines: readonly string[],
  traces: readonly Trace[],
  chosen: readonly Incident[],
  templates: Int32Array,
  maxTraces: number,
): void {
  const seen = new Set<string>();
  const keepTrace = (t: Trace) => {
    const signature = t.frames
      .slice(0, 3)
      .map((i) => templates[i])
      .join('\n');
    if (seen.has(signature) || seen.size >= maxTraces) return;
    seen.add(signature);
    const frames = t.frames;
    if (frames.length <= FRAMES_PER_TRACE) {
      for (let i = t.start; i < t.end; i++) sel.line(i);
      return;
    }
    // Python prints the innermost call last; everyone else prints it first.
    const head = PYTHON_FRAME.test(lines[frames[0]!]!) ? 3 : FRAMES_PER_TRACE - 3;
    const tail = FRAMES_PER_TRACE - head;
    for (let i = t.start; i < frames[head]!; i++) sel.line(i);
    for (let i = frames[frames.length - tail]!; i < t.end; i++) sel.line(i);
  };
  const near = (t: Trace, inc: Incident) => t.start <= inc.end + 2 && t.end >= inc.start - 2;
  for (const inc of chosen) for (const t of traces) if (near(t, inc)) keepTrace(t);
  for (const t of traces) keepTrace(t);
}

/** A paragraph of at most this many lines is one unit: an option of a help text, a record of a report. */
const PARAGRAPH_LINES = 6;

/**
 * Keeps line `i` and, when it sits in a short paragraph between blank lines, the rest of that paragraph:
 * a help text's `--moduleDetection` is nothing without the `default:` line under it, and a description
 * the question matches nothing without the option name above it. A log's long runs without blank lines
 * keep just the line.
 */
function keepWithParagraph(sel: Selection, flags: Uint8Array, i: number): void {
  let start = i;
  while (start > 0 && !(flags[start - 1]! & BLANK) && i - start < PARAGRAPH_LINES) start -= 1;
  let end = i + 1;
  while (end < flags.length && !(flags[end]! & BLANK) && end - start <= PARAGRAPH_LINES) end += 1;
  const bounded = (start === 0 || flags[start - 1]! & BLANK) && (end === flags.length || flags[end]! & BLANK);
  if (bounded && end - start <= PARAGRAPH_LINES) sel.text(start, end);
  else sel.line(i);
}

/** Distinct error codes beyond this many are left to the run notes; a log never has that many that matter. */
const MAX_CODES = 64;

/**
 * One verbatim instance of every distinct error code, whatever the budgets chose: the one `TS2554`
 * among 72 `TS4114` is the error that matters, and a note's `TS2554 ×1` does not say what it was.
 * Uncoded error lines get the same for each message shape, up to `maxErrors` of them.
 */
function keepEachCode(
  sel: Selection,
  lines: readonly string[],
  flags: Uint8Array,
  facts: ErrorFacts,
  templates: Int32Array,
  maxErrors: number,
): void {
  const shown = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    if (!sel.keep[i] || !(flags[i]! & ERROR)) continue;
    shown.add(facts.codes[i] ?? `#${templates[i]}`);
  }
  let codes = 0;
  let shapes = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!(flags[i]! & ERROR) || sel.keep[i]) continue;
    const code = facts.codes[i];
    // An indented error line without a code elaborates the one above it.
    if (code === undefined && /^\s/.test(lines[i]!)) continue;
    const key = code ?? `#${templates[i]}`;
    if (shown.has(key)) continue;
    if (code !== undefined ? codes >= MAX_CODES : shapes >= maxErrors) continue;
    if (code !== undefined) codes += 1;
    else shapes += 1;
    shown.add(key);
    keepWithFollowers(sel, lines, flags, facts, i);
  }
}

/** The first and last line of each kind of summary (`Tests: …`, `added 312 packages`, exit codes). */
function keepSummaries(sel: Selection, flags: Uint8Array, templates: Int32Array): void {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (let i = 0; i < flags.length; i++) {
    if (!(flags[i]! & SUMMARY_LINE)) continue;
    if (!first.has(templates[i]!)) first.set(templates[i]!, i);
    last.set(templates[i]!, i);
  }
  const summaries = [...new Set([...first.values(), ...last.values()])].sort((x, y) => x - y);
  for (const i of summaries.slice(-MAX_SUMMARY_LINES)) sel.line(i);
}

/** The start and end of the log, then the first warning of each kind, while the budget lasts. */
function keepEdgesAndWarnings(
  sel: Selection,
  flags: Uint8Array,
  templates: Int32Array,
  maxLines: number,
): void {
  const n = flags.length;
  sel.line(0);
  sel.line(n - 2);
  sel.line(n - 1);
  for (let i = n - 1; i >= n - TAIL_LINES && sel.count < maxLines; i--) sel.line(i);
  for (let i = 0; i < HEAD_LINES && sel.count < maxLines; i++) sel.line(i);
  const seen = new Set<number>();
  const maxWarnings = Math.max(3, Math.floor(maxLines / 4));
  for (let i = 0; i < n && sel.count < maxLines && seen.size < maxWarnings; i++) {
    if (!(flags[i]! & WARNING) || flags[i]! & ERROR || seen.has(templates[i]!)) continue;
    seen.add(templates[i]!);
    sel.line(i);
  }
}

function planLog(lines: readonly string[], ctx: CompressorContext): LinePlan | undefined {
  const n = lines.length;
  const b = ctx.budgets;
  if (n <= b.maxLogLines) return undefined;
  const shapes = shapesOf(lines);
  const flags = classify(lines, shapes);
  const templates = templatesOf(lines, shapes);
  const sel = new Selection(flags);

  // What must survive whatever the budget: errors, failing tests, traces, what the user asked about.
  const facts = errorFacts(lines, flags, ctx.query);
  const chosen = chooseIncidents(findIncidents(lines, flags), b.maxErrors, facts, templates);
  keepIncidents(sel, lines, chosen, flags, facts, templates, b);
  let names = 0;
  for (let i = 0; i < n && names < b.maxLogLines / 2; i++) {
    // Failing tests beyond the error budget still show their names.
    if (flags[i]! & FAIL_HEAD && !sel.keep[i]) {
      sel.line(i);
      names += 1;
    }
  }
  keepEachCode(sel, lines, flags, facts, templates, b.maxErrors);
  keepTraces(sel, lines, findTraces(flags), chosen, templates, b.maxStackTraces);
  // Lines of each entity the question names (an id, a version, a path) before lines of its common words,
  // each with the short paragraph it belongs to.
  for (const i of namedFirst(lines, ctx.query, Math.floor(b.maxLogLines / 4), (i) => sel.keep[i]!))
    keepWithParagraph(sel, flags, i);
  for (const i of queryHits(lines, ctx.query, b.maxLogLines, b.maxLogLines)) keepWithParagraph(sel, flags, i);
  keepSummaries(sel, flags, templates);
  keepEdgesAndWarnings(sel, flags, templates, b.maxLogLines);

  const keep = sel.keep;
  keepCommitHeaders(lines, keep);
  keepShortRuns(keep);
  const total = countKept(keep);
  if (n - total < MIN_OMITTED) return undefined;
  // Per shape, learned on first use: 1 for a passing test file, 0 for one passing test.
  const suiteOfShape = new Int8Array(shapes.first.length).fill(-1);
  const isSuite = (i: number): boolean => {
    const shape = shapes.ids[i]!;
    if (suiteOfShape[shape] === -1) suiteOfShape[shape] = SUITE.test(lines[i]!) ? 1 : 0;
    return suiteOfShape[shape] === 1;
  };
  const categoryOf = (i: number): string | undefined => {
    const f = flags[i]!;
    if (f & PASS) return isSuite(i) ? 'passing test file' : 'passing test';
    if (f & FRAME_LINE) return 'stack trace line';
    return undefined;
  };
  const describeLines = runDescriber(lines, templates, categoryOf);
  const blank = (i: number) => (flags[i]! & BLANK) !== 0;
  return {
    keep,
    describe: (start, end) =>
      errorRunNote(start, end, facts.codes, facts.files, blank) ?? describeLines(start, end),
    transform: `log:lines ${n}→${total}`,
  };
}

function detectLog(text: string, hint: BlockHint): boolean {
  const sample = text.length > 65_536 ? text.slice(0, 65_536) : text;
  if (DIFF_SHAPE.test(sample)) return false;
  const lines = sample.split('\n', 400);
  let nonEmpty = 0;
  let signals = 0;
  for (const raw of lines) {
    if (!NON_BLANK.test(raw)) continue;
    nonEmpty += 1;
    // `tsc --pretty` and coloured runners wrap the very words detection looks for in colour codes.
    const line = plain(raw);
    if (
      STAMP.test(line) ||
      LEVEL.test(line) ||
      TOOL_SHAPE.test(line) ||
      DIAGNOSTIC_HEAD.test(line) ||
      CODE_FRAME.test(line) ||
      PASSING.test(line) ||
      PASSED.test(line) ||
      FAILURE_HEAD.test(line) ||
      FAILED.test(line) ||
      SUMMARY.test(line) ||
      SUMMARY_COUNTS.test(line) ||
      FRAME.test(line)
    ) {
      signals += 1;
    }
  }
  if (nonEmpty < 5) return false;
  // A log file named as such needs less evidence than anonymous output.
  const named = hint.filePath !== undefined && /\.(?:log|out)$/i.test(hint.filePath);
  return signals / nonEmpty >= (named ? 0.1 : 0.3);
}

/** Build, test and server logs: errors with context, stack traces, failing tests, summaries; the rest as counted runs. */
export const logCompressor: Compressor = {
  kind: 'log',
  detect: detectLog,
  lines: planLog,
};
