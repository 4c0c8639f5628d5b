/**
 * Gemini `contents` through the library: tool results in `functionResponse.response.output`, raw and in
 * Gemini CLI's shell envelope, judged as the same output is in any other shape.
 */
import { describe, expect, it } from 'vitest';
import { geminiShellText, openAIConversation } from '../../scripts/bench/messages.js';
import { CORPUS_DIR, type CorpusCase, loadCases, readCaseOutput } from '../../scripts/corpus/cases.js';
import { compressMessages } from '../../src/compress/compress.js';
import { collectSlots, detectShape } from '../../src/compress/shapes/index.js';
import { openEnvelope } from '../../src/compress/wrappers/index.js';
import { compress, retrieve } from '../../src/index.js';
import { tokenizerFamily } from '../../src/tokens/count.js';

const MODEL = 'gemini-2.5-pro';
/** One case of each kind the corpus has most of: logs, JSON, search, diff, listing, CSV, code, prose. */
const NAMES = [
  'vitest-run',
  'pytest-v-failures',
  'npm-view-react',
  'grep-hono-function',
  'git-show-webpack-refactor',
  'find-openai-files',
  'csv-webpack-numstat',
  'changelog-openai',
];
const cases = (await loadCases(CORPUS_DIR)).filter((c) => NAMES.includes(c.name));
const outputs = new Map<string, string>();
for (const c of cases) outputs.set(c.name, await readCaseOutput(c, CORPUS_DIR));
const outputOf = (c: CorpusCase): string => outputs.get(c.name)!;

type Wrap = (output: string) => string;
const raw: Wrap = (o) => o;
const envelope: Wrap = (o) => geminiShellText(o, 1);

interface Part {
  readonly [key: string]: unknown;
}
interface Content {
  readonly role: 'user' | 'model';
  readonly parts: readonly Part[];
}

/** Gemini CLI's turns for one case: the question, the model's shell call, the function response. */
function turn(c: CorpusCase, k: number, output: string): Content[] {
  const id = `run_shell_command_${k}`;
  return [
    { role: 'user', parts: [{ text: c.question }] },
    {
      role: 'model',
      parts: [
        { text: 'Running it.', thoughtSignature: 'c2lnbmF0dXJl' },
        { functionCall: { id, name: 'run_shell_command', args: { command: c.command, description: 'run' } } },
      ],
    },
    {
      role: 'user',
      parts: [{ functionResponse: { id, name: 'run_shell_command', response: { output } } }],
    },
  ];
}

const conversation = (wrap: Wrap, list = cases): Content[] =>
  list.flatMap((c, k) => turn(c, k, wrap(outputOf(c))));
const outputAt = (contents: readonly Content[], i: number): string =>
  (contents[i]!.parts[0]!.functionResponse as { response: { output: string } }).response.output;

/** The tool output the same case gets as an OpenAI chat conversation: the raw shape's judgement. */
async function openAIOutput(c: CorpusCase): Promise<string> {
  const result = await compressMessages(openAIConversation(c.question, c.command, outputOf(c)), {
    model: MODEL,
  });
  return (result.messages[3] as { content: string }).content;
}

describe('Gemini contents', () => {
  it('detects Gemini contents and still tells the other three shapes apart', () => {
    expect(detectShape(conversation(raw, cases.slice(0, 1)))).toBe('gemini');
    expect(detectShape(openAIConversation('q', 'ls', 'x'))).toBe('openai-chat');
    expect(
      detectShape([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }] }]),
    ).toBe('anthropic');
    expect(detectShape([{ type: 'function_call_output', call_id: 'c', output: 'x' }])).toBe('responses');
    expect(tokenizerFamily(MODEL)).toBe('o200k');
  });

  it('takes the contents array, as it takes the other shapes’ arrays, and says so for a whole request', async () => {
    const request = {
      contents: conversation(raw, cases.slice(0, 1)),
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    };
    await expect(compress(request, { model: MODEL })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      fix: expect.stringContaining('the `contents` array of a Gemini request'),
    });
  });

  it('compresses raw function responses exactly as the OpenAI shape compresses the same output', async () => {
    const contents = conversation(raw);
    const result = await compress(contents, { model: MODEL });
    for (const [k, c] of cases.entries()) {
      const out = outputAt(result.messages, 3 * k + 2);
      expect(out, c.name).toBe(await openAIOutput(c));
      for (const needle of c.needles) expect(out, `${c.name}: ${needle}`).toContain(needle);
    }
    expect(result.tokensSaved).toBeGreaterThan(result.tokensBefore / 2);
  });

  it('judges the output inside Gemini CLI’s envelope as the raw output, keeping the envelope verbatim', async () => {
    const contents = conversation(envelope);
    const result = await compress(contents, { model: MODEL });
    for (const [k, c] of cases.entries()) {
      const out = outputAt(result.messages, 3 * k + 2);
      const bare = await openAIOutput(c);
      expect(out.startsWith('<untrusted_context>\nOutput: '), c.name).toBe(true);
      expect(out.endsWith('\nExit Code: 1\nProcess Group PGID: 48213\n</untrusted_context>'), c.name).toBe(
        true,
      );
      for (const needle of c.needles) expect(out, `${c.name}: ${needle}`).toContain(needle);
      // The same lines kept as raw; only the marker (its hash names the whole text) differs.
      const withoutMarker = (t: string) => t.split('\n').filter((l) => !l.startsWith('[headroom: '));
      const inner = out.slice('<untrusted_context>\nOutput: '.length, out.indexOf('\nExit Code: 1\n'));
      if (bare === outputOf(c)) expect(out, c.name).toBe(envelope(outputOf(c)));
      else if (/kept [\d,]+ of [\d,]+ lines/.test(bare))
        expect(withoutMarker(inner), c.name).toEqual(withoutMarker(bare));
      const hash = /hash=([0-9a-f]{12})/.exec(out)?.[1];
      if (hash) expect(retrieve(hash), c.name).toBe(envelope(outputOf(c)));
    }
  });

  it('leaves every other content and part byte-identical, and never mutates its input', async () => {
    const contents: Content[] = [
      ...conversation(envelope, cases.slice(0, 2)),
      {
        role: 'user',
        parts: [{ text: 'And this image?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0K' } }],
      },
    ];
    const before = structuredClone(contents);
    const { messages } = await compress(contents, { model: MODEL });
    expect(contents).toEqual(before);
    expect(messages).toHaveLength(contents.length);
    for (const [i, content] of messages.entries()) {
      expect(content.parts, `content ${i}`).toHaveLength(contents[i]!.parts.length);
      if (i % 3 === 2 && i < 6) {
        const { functionResponse } = content.parts[0] as { functionResponse: Record<string, unknown> };
        const { id, name } = contents[i]!.parts[0]!.functionResponse as Record<string, unknown>;
        expect([functionResponse.id, functionResponse.name]).toEqual([id, name]);
        expect(outputAt(messages, i)).not.toBe(outputAt(contents, i));
      } else expect(content, `content ${i}`).toBe(contents[i]);
    }
  });

  it('is deterministic and prefix-stable: earlier turns compress the same when later ones are appended', async () => {
    const full = conversation(envelope);
    const a = await compress(full, { model: MODEL });
    const b = await compress(structuredClone(full), { model: MODEL });
    expect(JSON.stringify(b.messages)).toBe(JSON.stringify(a.messages));
    const prefix = await compress(full.slice(0, 9), { model: MODEL });
    expect(JSON.stringify(prefix.messages)).toBe(JSON.stringify(a.messages.slice(0, 9)));
  });

  it('protects the last N contents as for the other shapes', async () => {
    const contents = conversation(raw, cases.slice(0, 2));
    const result = await compressMessages(contents, { model: MODEL, protectRecent: 1 });
    expect(result.messages[5]).toBe(contents[5]);
    expect(result.blocks.map((b) => b.action)).toEqual(['compressed', 'protected-recent']);
    expect(result.blocks.map((b) => b.location)).toEqual(['functionResponse', 'functionResponse']);
  });

  it('takes the question from the last user text, the tool from the call the response answers', () => {
    const contents = [
      { role: 'user', parts: [{ text: 'Which test fails?' }] },
      {
        role: 'model',
        parts: [{ functionCall: { id: 'a', name: 'run_shell_command', args: { command: 'npm test' } } }],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { id: 'a', name: 'run_shell_command', response: { output: 'one' } } }],
      },
      { role: 'model', parts: [{ functionCall: { name: 'read_file', args: { file_path: 'a.ts' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { content: 'two' } } }] },
      {
        role: 'user',
        parts: [{ text: 'Now the logs.' }, { functionResponse: { name: 'mcp', response: 'three' } }],
      },
      { role: 'user', parts: [{ functionResponse: { name: 'x', response: { error: 'no such file' } } }] },
    ];
    const slots = collectSlots('gemini', contents, true, true);
    expect(slots.map((s) => [s.location, s.text, s.userText, s.hint])).toEqual([
      ['user', 'Which test fails?', '', {}],
      [
        'functionResponse',
        'one',
        'Which test fails?',
        { toolName: 'run_shell_command', command: 'npm test' },
      ],
      ['functionResponse', 'two', 'Which test fails?', { toolName: 'read_file', filePath: 'a.ts' }],
      ['user', 'Now the logs.', 'Which test fails?', {}],
      // As in Anthropic messages: a content's own words count from the next content on.
      ['functionResponse', 'three', 'Which test fails?', { toolName: 'mcp' }],
    ]);
    expect(slots.map((s) => s.path.join('.'))).toEqual([
      '0.parts.0.text',
      '2.parts.0.functionResponse.response.output',
      '4.parts.0.functionResponse.response.content',
      '5.parts.0.text',
      '5.parts.1.functionResponse.response',
    ]);
  });

  it('leaves a Gemini result it compressed before as it is when fed back', async () => {
    const first = await compress(conversation(envelope, cases.slice(0, 1)), { model: MODEL });
    const again = await compressMessages(first.messages, { model: MODEL });
    expect(again.messages[2]).toBe(first.messages[2]);
    expect(again.blocks[0]!.action).toBe('already-compressed');
  });

  it('keeps Gemini CLI’s own cut note and omission line', async () => {
    // Gemini CLI cuts results over 40,000 characters to the first 20% and last 80%. A long log: the lines
    // around the cut are routine, so only the agent-note rule keeps the omission line.
    const c = (await loadCases(CORPUS_DIR)).find((x) => x.name === 'dpkg-log')!;
    const whole = envelope(await readCaseOutput(c, CORPUS_DIR));
    const omitted = whole.length - 40_000;
    const cut =
      'Output too large. Showing first 8,000 and last 32,000 characters. For full output see: /tmp/out.txt\n' +
      `${whole.slice(0, 8000)}\n\n... [${omitted.toLocaleString('en-US')} characters omitted] ...\n\n${whole.slice(-32_000)}`;
    const env = openEnvelope(cut);
    expect(env.wrapper).toBe('gemini-shell');
    expect(env.head).toBe(`${cut.slice(0, cut.indexOf('\nOutput: '))}\nOutput: `);
    const contents = turn(c, 0, cut);
    const { messages } = await compress(contents, { model: MODEL });
    const out = outputAt(messages, 2);
    expect(out.length).toBeLessThan(cut.length / 2);
    expect(out.startsWith(env.head)).toBe(true);
    expect(out.endsWith(env.tail)).toBe(true);
    expect(out).toContain(`\n... [${omitted.toLocaleString('en-US')} characters omitted] ...\n`);
  });
});
