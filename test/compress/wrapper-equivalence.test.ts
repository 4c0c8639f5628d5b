/**
 * The same output must be judged the same whatever wraps it: for every case of the real-output corpus, the
 * kind, the form and the lines kept under Claude Code's `Read`, under Codex's exec header, in Gemini CLI's
 * and Qwen Code's shell envelopes (Qwen Code's also under its own cut note) and under opencode's cut note
 * are those kept for the bare output. Both the tuning corpus and the held-out set.
 */
import { describe, expect, it } from 'vitest';
import { readPath } from '../../scripts/bench/corpus-case.js';
import {
  claudeReadText,
  codexExecText,
  geminiShellText,
  opencodeCutText,
  qwenShellText,
} from '../../scripts/bench/messages.js';
import { CORPUS_DIR, HELDOUT_DIR, loadCases, readCaseOutput } from '../../scripts/corpus/cases.js';
import { extractQuery, isAnalysisRequest } from '../../src/compress/query.js';
import { resolveOptions } from '../../src/compress/resolve-options.js';
import { type BlockOutcome, compressBlock } from '../../src/compress/router.js';
import type { BlockHint } from '../../src/compress/types.js';

// Both sets: the held-out one is never tuned on, but the same judgement must hold there too.
const cases = [
  ...(await loadCases(CORPUS_DIR)).map((c) => ({ ...c, dir: CORPUS_DIR })),
  ...(await loadCases(HELDOUT_DIR)).map((c) => ({ ...c, dir: HELDOUT_DIR })),
];
const options = resolveOptions({ model: 'gpt-4o' });
const countTokens = (t: string) => Math.ceil(t.length / 4);

/** `[… lines 6–604 omitted …]` and `[… line 7 omitted …]`, as the renderer writes them. */
const OMITTED = /^\[… lines? ([\d,]+)(?:–([\d,]+))? omitted\b/;
const MARKER = /^\[headroom: /;

/** What a compressed block kept: its kind and form, and the original line numbers it left out. */
function judged(out: BlockOutcome, body: (text: string) => string) {
  if (out.text === undefined) return { kind: out.kind, action: out.action, form: 'whole' };
  const lines = body(out.text).split('\n');
  const marker = lines.find((l) => MARKER.test(l)) ?? '';
  if (!/kept [\d,]+ of [\d,]+ lines/.test(marker)) {
    // A re-encoding: the same text under every wrapper.
    return { kind: out.kind, form: 'rewrite', text: lines.filter((l) => !MARKER.test(l)).join('\n') };
  }
  const omitted: string[] = [];
  for (const line of lines) {
    const m = OMITTED.exec(line);
    if (m) omitted.push(`${m[1]}–${m[2] ?? m[1]}`);
  }
  return { kind: out.kind, transform: out.transform, form: 'lines', omitted };
}

function run(text: string, hint: BlockHint, question: string): BlockOutcome {
  const input = { text, hint, query: extractQuery(question), analysis: isAnalysisRequest(question) };
  return compressBlock(input, options, countTokens);
}

describe.each(cases)('$name', (c) => {
  it('keeps the same lines raw, as a Claude Read result, and as Codex, Gemini CLI, Qwen Code and opencode shell output', async () => {
    const output = await readCaseOutput(c, c.dir);
    const raw = run(output, { toolName: 'Bash', command: c.command }, c.question);
    const codex = run(codexExecText(output, 0), { toolName: 'exec_command', command: c.command }, c.question);
    const gemini = run(
      geminiShellText(output, 0),
      { toolName: 'run_shell_command', command: c.command },
      c.question,
    );
    const qwenHint = { toolName: 'run_shell_command', command: c.command };
    const qwen = run(qwenShellText(output, 0, c.command), qwenHint, c.question);
    const qwenCut = run(qwenShellText(output, 0, c.command, true), qwenHint, c.question);
    const opencode = run(opencodeCutText(output), { toolName: 'bash', command: c.command }, c.question);
    const path = readPath(c);
    const read = run(claudeReadText(output), { toolName: 'Read', filePath: path }, c.question);

    const bare = (t: string) => t;
    const underHeader = (t: string) => t.slice(t.indexOf('\nOutput:\n') + '\nOutput:\n'.length);
    const inEnvelope = (t: string) =>
      t.slice('<untrusted_context>\nOutput: '.length, t.lastIndexOf('\nExit Code: 0\n'));
    const inQwenEnvelope = (t: string) =>
      t.slice(t.indexOf('\nOutput: ') + '\nOutput: '.length, t.lastIndexOf('\nError: (none)\n'));
    const afterNote = (t: string) => t.slice(t.indexOf('\n\n', t.indexOf('Full output saved to: ')) + 2);
    const unnumbered = (t: string) =>
      t
        .split('\n')
        .map((l) => l.replace(/^\d+\t/, ''))
        .join('\n');
    if (raw.kind === 'html' && raw.transform?.startsWith('html:text ')) {
      // Bare HTML becomes decoded text, which no wrapper may take; wrapped, it is the page's verbatim
      // text by line (tested in wrapped-forms.test.ts). The kind is the same.
      expect([codex.kind, read.kind, gemini.kind, qwen.kind, qwenCut.kind]).toEqual(Array(5).fill('html'));
      expect(judged(opencode, afterNote)).toEqual(judged(raw, bare));
      return;
    }
    expect(judged(codex, underHeader)).toEqual(judged(raw, bare));
    expect(judged(gemini, inEnvelope)).toEqual(judged(raw, bare));
    expect(judged(qwen, inQwenEnvelope)).toEqual(judged(raw, bare));
    expect(judged(qwenCut, inQwenEnvelope)).toEqual(judged(raw, bare));
    expect(judged(opencode, afterNote)).toEqual(judged(raw, bare));
    if (read.action === 'code-read') {
      // The one deliberate difference: a source file the agent reads is one it may edit, so it stays whole.
      expect(raw.kind).toBe('code');
      expect(path).not.toMatch(/\.txt$/);
    } else {
      expect(judged(read, unnumbered)).toEqual(judged(raw, bare));
    }
  });
});
