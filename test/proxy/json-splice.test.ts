import { describe, expect, it } from 'vitest';
import { diffJson, type JsonChange, spliceJson } from '../../src/proxy/json-splice.js';

const splice = (text: string, changes: JsonChange[]) =>
  spliceJson(Buffer.from(text, 'utf8'), changes)?.toString('utf8');

describe('diffJson', () => {
  it('reports only the strings that changed, with their paths', () => {
    const before = {
      messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'long output' }] }],
    };
    const after = { messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'short' }] }] };
    expect(diffJson(before, after)).toEqual([
      { path: ['messages', 0, 'content', 0, 'content'], value: 'short' },
    ]);
  });

  it('replaces a whole array when its length changed and a whole object when its keys changed', () => {
    expect(diffJson({ a: [1, 2] }, { a: [1] })).toEqual([{ path: ['a'], value: [1] }]);
    expect(diffJson({ a: { x: 1 } }, { a: { y: 1 } })).toEqual([{ path: ['a'], value: { y: 1 } }]);
  });

  it('finds nothing when the structures are equal but not the same objects', () => {
    expect(diffJson({ a: [1, 'x', { b: null }] }, { a: [1, 'x', { b: null }] })).toEqual([]);
  });

  it('prefixes paths with the base it was given', () => {
    expect(diffJson(['a'], ['b'], ['input'])).toEqual([{ path: ['input', 0], value: 'b' }]);
  });
});

describe('spliceJson', () => {
  it('keeps odd spacing, key order and escapes of everything it does not replace', () => {
    const raw =
      '{\n\t"z" :1 ,  "messages":[ {"role" : "user","content":"caf\\u00e9 \\"old\\"  "} , {"x":[ ]}],"a":"\\/"\r\n}';
    const out = splice(raw, [{ path: ['messages', 0, 'content'], value: 'new "text"' }]);
    expect(out).toBe(
      '{\n\t"z" :1 ,  "messages":[ {"role" : "user","content":"new \\"text\\""} , {"x":[ ]}],"a":"\\/"\r\n}',
    );
  });

  it('replaces several values in one pass, in document order', () => {
    const raw = '{"m":[{"c":"one"},{"c":"two"},{"c":"three"}]}';
    const out = splice(raw, [
      { path: ['m', 2, 'c'], value: '3' },
      { path: ['m', 0, 'c'], value: '1' },
    ]);
    expect(out).toBe('{"m":[{"c":"1"},{"c":"two"},{"c":"3"}]}');
  });

  it('finds keys written with escapes and strings that end in escaped backslashes', () => {
    const raw = '{"a":"x\\\\","mess\\u0061ges":["q\\\\\\"",  "keep"]}';
    expect(JSON.parse(raw)).toEqual({ a: 'x\\', messages: ['q\\"', 'keep'] });
    const out = splice(raw, [{ path: ['messages', 1], value: 'changed' }]);
    expect(out).toBe('{"a":"x\\\\","mess\\u0061ges":["q\\\\\\"",  "changed"]}');
  });

  it('skips strings full of escaped quotes (walked byte by byte past the eighth), ending in escaped backslashes', () => {
    // A JSON dump inside a tool result: every quote escaped; then `\\` right before the closing quote.
    const dump = JSON.stringify(Array.from({ length: 12 }, (_, i) => ({ id: `a${i}`, path: 'C:\\dir\\' })));
    for (const tail of ['', '\\', '\\\\', '\\"x']) {
      const value = `${dump}${tail}`;
      const raw = JSON.stringify({ a: value, b: [value, { c: value }], messages: [value, 'keep'] });
      expect(splice(raw, [{ path: ['messages', 1], value: 'changed' }])).toBe(
        JSON.stringify({ a: value, b: [value, { c: value }], messages: [value, 'changed'] }),
      );
    }
  });

  it('leaves multi-byte characters around the change untouched', () => {
    const raw = '{"before":"日本語 🎉","m":["ёжик"],"after":"ü"}';
    expect(splice(raw, [{ path: ['m', 0], value: '🦔' }])).toBe(
      '{"before":"日本語 🎉","m":["🦔"],"after":"ü"}',
    );
  });

  it('follows the last of duplicate keys, as JSON.parse does', () => {
    const raw = '{"m":["first"],"m":["second"]}';
    expect(JSON.parse(raw).m).toEqual(['second']);
    expect(splice(raw, [{ path: ['m', 0], value: 'x' }])).toBe('{"m":["first"],"m":["x"]}');
  });

  it('can replace a whole array or object value', () => {
    const raw = '{ "content" : [ {"type":"text", "text":"a"} , {"type":"text","text":"b"} ] , "n": 1 }';
    const out = splice(raw, [{ path: ['content'], value: [{ type: 'text', text: 'ab' }] }]);
    expect(out).toBe('{ "content" : [{"type":"text","text":"ab"}] , "n": 1 }');
  });

  it('skips numbers, literals and nested containers on the way', () => {
    const raw = '{"n":-1.5e+3,"t":true,"f":false,"z":null,"deep":{"a":[[{"b":"]}"}]]},"m":["x"]}';
    expect(splice(raw, [{ path: ['m', 0], value: 'y' }])).toBe(
      '{"n":-1.5e+3,"t":true,"f":false,"z":null,"deep":{"a":[[{"b":"]}"}]]},"m":["y"]}',
    );
  });

  it('returns undefined when a path is not in the body', () => {
    expect(splice('{"m":["x"]}', [{ path: ['m', 3], value: 'y' }])).toBeUndefined();
    expect(splice('{"m":"x"}', [{ path: ['m', 0], value: 'y' }])).toBeUndefined();
    expect(splice('{"m":["x"]}', [{ path: ['m', 0], value: undefined }])).toBeUndefined();
  });

  it('returns the body as it was when there is nothing to change', () => {
    expect(splice('{ "a" : 1 }', [])).toBe('{ "a" : 1 }');
  });

  it('round-trips random documents with random formatting: parse(splice) equals the edited value', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const strings = [
      'plain',
      'with "quotes"',
      'back\\slash\\',
      'new\nline',
      'ünïcödé 🎉',
      '',
      '\u2028',
      '}]{[',
    ];
    const gen = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.4) return pick<unknown>([pick(strings), 1, -2.5, true, null]);
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => gen(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 4) }, (_, i) => [`k${i}`, gen(depth + 1)]),
      );
    };
    // Re-serialise with random whitespace and escapes, so the raw bytes differ from JSON.stringify's.
    const write = (v: unknown): string => {
      const ws = () => pick(['', ' ', '\n', '\t ', '\r\n  ']);
      if (typeof v === 'string')
        return rand() < 0.5
          ? JSON.stringify(v)
          : JSON.stringify(v).replace(
              /[^\x20-\x7e]/g,
              (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
            );
      if (Array.isArray(v)) return `[${ws()}${v.map((x) => write(x) + ws()).join(`,${ws()}`)}]`;
      if (v && typeof v === 'object')
        return `{${ws()}${Object.entries(v)
          .map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${write(x)}`)
          .join(`${ws()},`)}${ws()}}`;
      return String(v);
    };
    for (let round = 0; round < 300; round += 1) {
      const doc = { messages: Array.from({ length: 1 + Math.floor(rand() * 5) }, () => gen(0)) };
      const raw = write(doc);
      const edited = structuredClone(doc) as { messages: unknown[] };
      const target = Math.floor(rand() * edited.messages.length);
      edited.messages[target] = { replaced: pick(strings), round };
      const changes = diffJson(doc.messages, edited.messages, ['messages']);
      const out = spliceJson(Buffer.from(raw, 'utf8'), changes);
      expect(out).toBeDefined();
      expect(JSON.parse(out!.toString('utf8'))).toEqual(edited);
    }
  });
});
