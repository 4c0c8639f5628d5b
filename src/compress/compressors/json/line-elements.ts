import { isJsonObject, isScalar, type JsonObject } from './fields.js';
import { type ElementSpan, type ScannedContainer, stringEnd } from './line-scan.js';

/** A scanned container's elements as text and, where they parse, as values (and keys, for an object). */
export interface ReadElements {
  readonly texts: readonly string[];
  readonly values: readonly unknown[];
  /** An object's keys; undefined for an entry whose key lies above the first line. */
  readonly keys: readonly (string | undefined)[] | undefined;
  /** `entry` for an object, `value` for an array of scalars, else `item`. */
  readonly noun: string;
}

/**
 * The lines joined by `\n` and where each starts in it, when the caller has that text: an element's text
 * is then a slice of it rather than its lines joined again.
 */
export interface JoinedLines {
  readonly text: string;
  readonly starts: Int32Array;
}

/**
 * Reads a container's elements out of the lines; undefined when most of them are not JSON. `parsed` is
 * the container's value when the whole block parsed (the same values, without parsing each element).
 */
export function readElements(
  lines: readonly string[],
  container: ScannedContainer,
  spans: readonly ElementSpan[],
  parsed?: unknown,
  joined?: JoinedLines,
): ReadElements | undefined {
  const texts = spans.map((span) =>
    joined === undefined
      ? spanText(lines, span)
      : joined.text.slice(
          joined.starts[span.startLine]! + span.startCol,
          joined.starts[span.endLine]! + span.endCol + 1,
        ),
  );
  if (container.kind === 'array') {
    const whole = Array.isArray(parsed) && parsed.length === spans.length ? parsed : undefined;
    const values = spans.map((span, i) =>
      span.partial ? undefined : whole === undefined ? parse(texts[i] ?? '') : whole[i],
    );
    // Mostly unparseable items mean this is not JSON after all (code, a config dialect): leave it be.
    if (values.filter((value) => value !== undefined).length < values.length / 2) return undefined;
    const noun = values.every((value) => value === undefined || isScalar(value)) ? 'value' : 'item';
    return { texts, values, keys: undefined, noun };
  }
  // Duplicate keys would leave fewer fields than entries, and each entry must have its own value.
  const whole = isJsonObject(parsed) && Object.keys(parsed).length === spans.length ? parsed : undefined;
  const keys: (string | undefined)[] = [];
  const values: unknown[] = [];
  spans.forEach((span, i) => {
    const entry = parseEntry(texts[i] ?? '', span, whole);
    keys.push(entry.key);
    values.push(entry.value);
  });
  return { texts, values, keys, noun: 'entry' };
}

function spanText(lines: readonly string[], span: ElementSpan): string {
  if (span.startLine === span.endLine) {
    return (lines[span.startLine] ?? '').slice(span.startCol, span.endCol + 1);
  }
  const parts = [(lines[span.startLine] ?? '').slice(span.startCol)];
  for (let line = span.startLine + 1; line < span.endLine; line += 1) parts.push(lines[line] ?? '');
  parts.push((lines[span.endLine] ?? '').slice(0, span.endCol + 1));
  return parts.join('\n');
}

const NO_ENTRY = { key: undefined, value: undefined };

/**
 * An object entry's key and value. An entry cut by the end of the read keeps its key; one that began
 * above the read has neither.
 */
function parseEntry(
  text: string,
  span: ElementSpan,
  whole: JsonObject | undefined,
): { key: string | undefined; value: unknown } {
  if (span.startsAbove || text.charCodeAt(0) !== 0x22) return NO_ENTRY;
  const end = stringEnd(text, 0);
  const key = parse(text.slice(0, end + 1));
  if (typeof key !== 'string') return NO_ENTRY;
  const colon = text.indexOf(':', end + 1);
  if (colon === -1 || text.slice(end + 1, colon).trim() !== '') return NO_ENTRY;
  if (span.partial) return { key, value: undefined };
  return {
    key,
    value: whole !== undefined && Object.hasOwn(whole, key) ? whole[key] : parse(text.slice(colon + 1)),
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
