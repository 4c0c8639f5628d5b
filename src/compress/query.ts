import type { Query } from './types.js';

const STOP_WORDS = new Set(
  `a an and are as at be but by can could did do does for from get give had has have how i if in into is it its
  me my of on or our please show should tell than that the their them then there these this those to us was we
  what when where which who why will with would you your find look see check list any all some about after
  before just need want make run file files output result results line lines code error errors why whats
  doesnt dont cant wont test tests fix failing fail failed use using used`.split(/\s+/),
);

/** Instructions the agents inject into user turns; they are not the user's question. */
const INJECTED = /<system-reminder>[\s\S]*?<\/system-reminder>|<command-[a-z-]+>[\s\S]*?<\/command-[a-z-]+>/g;

/** At most this many entities: a question names a few things; a pasted text is not a list of them. */
const MAX_ENTITIES = 16;
/** A token that names something by its shape: a digit, an inner separator (`a/b`, `a.b`, `a-b`), or inner capitals. */
const NAMING_SHAPE = /\d|[^\s][/._@:#-][^\s]|\p{Ll}\p{Lu}|\p{Lu}{2}/u;
const CAPITALIZED = /^\p{Lu}\p{Ll}/u;
/** What may end a sentence, so the capital that follows is no sign of a name. */
const SENTENCE_END = /[.?!:;\n]\s*$|^\s*$/;
/**
 * The member a dotted name ends in (`_OptionParser._match_short_opt`, `res.sendFile`), which a line can name
 * alone (`def _match_short_opt(`): an identifier of 5+ characters or one with `_`, `$` or a capital, so a
 * file's extension (`config.json`, `users.ts`) or a short word (`Math.min`) is not taken for one.
 */
const MEMBER = /\.([A-Za-z_$][\w$]*)$/;
const MEMBER_SHAPE = /^.{5,}$|.[_$A-Z]/;

/**
 * Terms from the user's question that should protect matching lines and items: identifiers, numbers and
 * versions, paths, quoted phrases. Lower-cased, de-duplicated, in first-seen order (deterministic). The
 * entities among them are the things the question names (see `Query.entities`).
 */
export function extractQuery(text: string): Query {
  const clean = text.replace(INJECTED, ' ');
  const terms: string[] = [];
  const entities: string[] = [];
  const seen = new Set<string>();
  const add = (raw: string) => {
    const term = raw.toLowerCase();
    if (seen.has(term)) return;
    seen.add(term);
    terms.push(term);
  };
  const name = (raw: string) => {
    const entity = raw.toLowerCase();
    if (entities.length < MAX_ENTITIES && !entities.includes(entity)) entities.push(entity);
  };
  for (const m of clean.matchAll(/["'`]([^"'`\n]{2,80})["'`]/g)) {
    add(m[1]!);
    name(m[1]!);
  }
  // Capitalised words in a row, not opening a sentence, name one thing together (`Acme Widgets`).
  let proper: string[] = [];
  const endProper = () => {
    if (proper.length > 1) name(proper.join(' '));
    else if (proper.length === 1) name(proper[0]!);
    proper = [];
  };
  let prevEnd = 0;
  for (const m of clean.matchAll(/[\p{L}\p{N}_$@./:#-]+/gu)) {
    const gap = clean.slice(prevEnd, m.index);
    const sentenceStart = SENTENCE_END.test(clean.slice(Math.max(0, prevEnd - 1), m.index));
    prevEnd = m.index + m[0].length;
    const token = m[0].replace(/^[./:#-]+|[./:#-]+$/g, '');
    if (proper.length > 0 && gap !== ' ') endProper();
    if (token.length === 0) continue;
    const isNumeric = /\d/.test(token);
    if (!isNumeric && token.length < 3) {
      endProper();
      continue;
    }
    if (STOP_WORDS.has(token.toLowerCase())) {
      endProper();
      continue;
    }
    add(token);
    if (NAMING_SHAPE.test(token)) {
      endProper();
      name(token);
    } else if (CAPITALIZED.test(token) && !sentenceStart) proper.push(token);
    else endProper();
    // `src/foo/bar.ts` should also match lines that name just `bar.ts`.
    if (token.includes('/')) {
      const base = token.slice(token.lastIndexOf('/') + 1);
      if (base.length >= 3) {
        add(base);
        name(base);
      }
    }
    const member = MEMBER.exec(token)?.[1];
    if (member !== undefined && MEMBER_SHAPE.test(member)) {
      add(member);
      name(member);
    }
  }
  endProper();
  return { terms, text: clean.trim(), entities };
}

/** Words that mean the user wants code read closely, so code is not compressed. */
const ANALYSIS =
  /\b(?:analy[sz]e|analysis|review|explain|debug|audit|understand|walk me through|refactor)\b/i;

/**
 * Words that mean the answer reproduces the content itself: porting, translating, rewriting, converting or
 * copying it, or asking for it exactly, verbatim, in full. `port` counts only as a verb (`port this`,
 * `port it to Go`, `porting`), not the noun in `which port does it listen on`.
 */
const READ_ALL =
  /\b(?:port(?:ing|ed)?\s+(?:this|that|it|the|these|those|them|to|over|from|\w+\.\w+)|porting|translat(?:e|es|ing|ion)|rewrit(?:e|es|ing)|convert(?:s|ing)?|cop(?:y|ies|ying)|reproduc(?:e|es|ing)|exact(?:ly)?|verbatim|full|entire(?:ly)?|word for word|byte for byte)\b/i;

export function isAnalysisRequest(text: string): boolean {
  return ANALYSIS.test(text.replace(INJECTED, ' '));
}

/** The user wants content whole (a port, a translation, a verbatim copy): code is never compressed, nor a file read. */
export function isReadAllRequest(text: string): boolean {
  return READ_ALL.test(text.replace(INJECTED, ' '));
}
