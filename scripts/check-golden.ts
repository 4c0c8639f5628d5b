/**
 * `npm run check:golden`: the exact output of the core for every case of the tuning corpus and the
 * held-out sets (raw in OpenAI and Anthropic shape, as Claude Code's `Read`, as Codex exec output, and under
 * the agent-90 profile and the Claude/Codex budgets), for the proxy bench's own bodies, and for the
 * latency bench's synthetic dumps, compared with test/fixtures/golden.json: per case and variant, the
 * sha256 of everything the core returned (messages, counts, block decisions, originals) and its token
 * counts. The full outputs come to ~45 MB, too much to commit; `--write DIR` saves them, so running it on
 * two commits and diffing the directories shows what changed. A speed-up must leave every byte as it
 * was; a change meant to alter output refreshes the file with `--update`, and its diff names the cases.
 *
 * Usage: tsx scripts/check-golden.ts [--update] [--write DIR]
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compressMessages } from '../src/compress/compress.js';
import type { CompressOptions } from '../src/compress/options.js';
import { tokenCounter } from '../src/tokens/count.js';
import { readPath } from './bench/corpus-case.js';
import {
  anthropicConversation,
  claudeReadConversation,
  codexConversation,
  openAIConversation,
} from './bench/messages.js';
import { bigBody, freshConversation, history } from './bench/proxy-bodies.js';
import { orderDump } from './bench/synthetic.js';
import { CASE_SETS, type CorpusCase, loadCases, readCaseOutput } from './corpus/cases.js';

const GOLDEN_FILE = path.resolve(import.meta.dirname, '../test/fixtures/golden.json');
const MODEL = 'gpt-4o';
/** The budgets `headroom wrap claude|codex` use by default (src/cli/wrap/settings.ts). */
const CLAUDE_BUDGET = { readTokens: 25_000, bashChars: 30_000 };
const CODEX_BUDGET = 10_000;
/** The proxy's options for its jobs (src/proxy/compress-body.ts). */
const PROXY_OPTIONS: CompressOptions = {
  model: 'claude-sonnet-4-6',
  compressSystemMessages: false,
  retrievalHint: 'Read /tmp/headroom/originals/{hash}.txt',
};

type Variant = readonly [name: string, messages: unknown, options: CompressOptions];

function caseVariants(c: CorpusCase, output: string): Variant[] {
  const m = { model: MODEL };
  const read = claudeReadConversation(c.question, readPath(c), output);
  const codex = codexConversation(c.question, c.command, output, 0);
  return [
    ['openai-raw', openAIConversation(c.question, c.command, output), m],
    ['anthropic-raw', anthropicConversation(c.question, c.command, output), m],
    ['claude-read', read, m],
    ['codex-exec', codex, m],
    [
      'openai-agent-90',
      openAIConversation(c.question, c.command, output),
      { ...m, savingsProfile: 'agent-90' },
    ],
    ['claude-read-budget', read, { ...m, claudeBudget: CLAUDE_BUDGET }],
    ['codex-exec-budget', codex, { ...m, toolOutputBudget: CODEX_BUDGET }],
  ];
}

const messagesOf = (body: Buffer): unknown =>
  (JSON.parse(body.toString('utf8')) as { messages: unknown }).messages;

async function benchVariants(): Promise<Variant[]> {
  const count = await tokenCounter(MODEL);
  return [
    ['proxy-fresh-1', messagesOf(freshConversation(1)), PROXY_OPTIONS],
    ['proxy-fresh-2', messagesOf(freshConversation(2)), PROXY_OPTIONS],
    ['proxy-big-1', messagesOf(bigBody(history(), 1)), PROXY_OPTIONS],
    ...[10_000, 100_000].map(
      (tokens): Variant => [
        `dump-${tokens}`,
        [
          { role: 'user', content: 'Which orders were refunded?' },
          { role: 'tool', tool_call_id: 'call_1', content: orderDump(tokens, count) },
        ],
        { model: MODEL },
      ],
    ),
  ];
}

interface Golden {
  readonly sha256: string;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
}

/** Everything the core returns for one variant, as text: messages, counts, decisions and originals. */
async function output([, messages, options]: Variant): Promise<string> {
  const { originals, ...result } = await compressMessages(messages, options);
  return JSON.stringify({ ...result, originals: [...originals] }, null, 1);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const update = argv.includes('--update');
  const writeAt = argv.indexOf('--write');
  const writeDir = writeAt >= 0 ? argv[writeAt + 1] : undefined;
  const groups: [group: string, variants: () => Promise<Variant[]>][] = [];
  for (const [set, dir] of Object.entries(CASE_SETS)) {
    for (const c of await loadCases(dir))
      groups.push([`${set}/${c.name}`, async () => caseVariants(c, await readCaseOutput(c, dir))]);
  }
  groups.push(['bench', benchVariants]);
  const now: Record<string, Golden> = {};
  for (const [group, variants] of groups) {
    for (const variant of await variants()) {
      const text = await output(variant);
      const name = `${group}/${variant[0]}`;
      const { tokensBefore, tokensAfter } = JSON.parse(text) as Golden;
      now[name] = { sha256: createHash('sha256').update(text).digest('hex'), tokensBefore, tokensAfter };
      if (writeDir) {
        const file = path.join(writeDir, `${name}.json`);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, text);
      }
    }
  }
  if (update) {
    await writeFile(GOLDEN_FILE, `${JSON.stringify(now, null, 2)}\n`);
    process.stdout.write(`golden: wrote ${Object.keys(now).length} outputs to ${GOLDEN_FILE}\n`);
    return;
  }
  const stored = JSON.parse(await readFile(GOLDEN_FILE, 'utf8')) as Record<string, Golden>;
  const names = new Set([...Object.keys(stored), ...Object.keys(now)]);
  const changed = [...names].filter((n) => stored[n]?.sha256 !== now[n]?.sha256);
  if (changed.length > 0) {
    process.stderr.write(
      `golden: output changed for ${changed.length} of ${names.size}:\n  ${changed.join('\n  ')}\n` +
        'If the change is meant, run `npm run check:golden -- --update` and commit test/fixtures/golden.json.\n',
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`golden: all ${names.size} outputs identical\n`);
}

await main();
