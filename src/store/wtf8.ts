/**
 * JSON lets a client send a lone surrogate (`"\ud800"`), which UTF-8 cannot encode: `Buffer.from` would
 * turn it into U+FFFD and the original would not come back byte for byte. Such strings are stored as
 * WTF-8 (UTF-8 that also encodes lone surrogates, as three bytes each); well-formed text is plain UTF-8.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : !LONE_SURROGATE.test(text);
}

/** The bytes a string is stored as: UTF-8, or WTF-8 when it holds a lone surrogate. */
export function encodeText(text: string): Buffer {
  if (isWellFormed(text)) return Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(text.length * 3);
  let at = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      at += out.write(text.slice(i, i + 2), at, 'utf8');
      i += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    } else {
      at += out.write(text[i]!, at, 'utf8');
    }
  }
  return out.subarray(0, at);
}

/** Reads stored bytes back into the exact string, lone surrogates included. */
export function decodeText(bytes: Buffer): string {
  let surrogate = bytes.indexOf(0xed);
  while (surrogate >= 0 && !(bytes[surrogate + 1]! >= 0xa0 && bytes[surrogate + 1]! <= 0xbf)) {
    surrogate = bytes.indexOf(0xed, surrogate + 1);
  }
  if (surrogate < 0) return bytes.toString('utf8');
  let out = '';
  let from = 0;
  let at = surrogate;
  while (at >= 0) {
    out += bytes.toString('utf8', from, at);
    out += String.fromCharCode(
      ((bytes[at]! & 0x0f) << 12) | ((bytes[at + 1]! & 0x3f) << 6) | (bytes[at + 2]! & 0x3f),
    );
    from = at + 3;
    at = bytes.indexOf(0xed, from);
    while (at >= 0 && !(bytes[at + 1]! >= 0xa0 && bytes[at + 1]! <= 0xbf)) at = bytes.indexOf(0xed, at + 1);
  }
  return out + bytes.toString('utf8', from);
}
