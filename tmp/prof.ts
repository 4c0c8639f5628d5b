import { performance } from 'node:perf_hooks';
import { compressMessages } from '../src/compress/compress.js';
import { createBlockMemo } from '../src/compress/memo.js';
import { createFileStore } from '../src/store/file-store.js';
import { runBodyJob } from '../src/proxy/body-job.js';
import { parseBody } from '../src/proxy/parse-body.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SYSTEM = 'You are a coding agent. '.repeat(400);
const TOOLS = Array.from({ length: 24 }, (_, i) => ({ name: `Tool${i}`, description: 'A tool. '.repeat(200), input_schema: { type: 'object', properties: { arg: { type: 'string' } } } }));
function logOutput(lines: number, seed: number): string { const out: string[] = []; for (let i = 0; i < lines; i += 1) { if (i === Math.floor(lines / 2)) out.push(`ERROR worker-${seed} failed: connection reset by peer (attempt ${seed})`); out.push(`2026-01-0${(i % 9) + 1}T10:${String(i % 60).padStart(2, '0')}:00Z INFO request id=${seed}-${i} path=/api/items/${i % 311} status=200 ms=${(i * 13) % 97}`); } return out.join('\n'); }
function jsonOutput(items: number, seed: number): string { return JSON.stringify(Array.from({ length: items }, (_, i) => ({ id: `${seed}-${i}`, name: `item ${i}`, status: i % 250 === 7 ? 'error' : 'ok', score: (i * 31) % 100 })), null, 2); }
function history() { const messages: any[] = [{ role: 'user', content: 'Investigate the failing nightly job.' }]; for (let t = 0; t < 8; t += 1) { const id = `toolu_hist_${t}`; messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `step ${t}` } }] }); const output = t % 2 === 0 ? logOutput(1150, 1000 + t) : jsonOutput(1050, 1000 + t); messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: output }] }); } return messages; }
function bigBody(prefix: any[], seed: number): Buffer { const id = `toolu_new_${seed}`; const messages = [...prefix, { role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: 'cat service.log' } }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: logOutput(1300, seed) }] }]; return Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 4096, stream: false, system: SYSTEM, tools: TOOLS, messages })); }

const memo = createBlockMemo();
const store = createFileStore({ stateDir: mkdtempSync(join(tmpdir(), 'hp-')) });
const body = bigBody(history(), 0);
console.log('bytes', body.length);
const job = { raw: body, provider: 'anthropic' as const, path: '/v1/messages', options: {} };
const env = { compress: compressMessages, memo, store };
let t = performance.now();
await runBodyJob(job, env); console.log('first', performance.now() - t);
for (let i = 0; i < 30; i++) await runBodyJob({ ...job, raw: Buffer.from(body) }, env);
const N = 50; t = performance.now();
for (let i = 0; i < N; i++) await runBodyJob({ ...job, raw: Buffer.from(body) }, env);
console.log('repeat avg', (performance.now() - t) / N);
// breakdown
t = performance.now(); for (let i = 0; i < N; i++) parseBody(Buffer.from(body), 'anthropic', '/v1/messages'); console.log('parse', (performance.now() - t) / N);
const p = parseBody(body, 'anthropic', '/v1/messages') as any;
t = performance.now(); for (let i = 0; i < N; i++) { const q = parseBody(Buffer.from(body), 'anthropic', '/v1/messages') as any; await compressMessages(q.target.messages, { model: 'claude-sonnet-4-6' }, memo); } console.log('parse+core', (performance.now() - t) / N);
t = performance.now(); for (let i = 0; i < N; i++) Buffer.from(body); console.log('copy', (performance.now() - t) / N);
{
const q = parseBody(body, 'anthropic', '/v1/messages') as any;
await compressMessages(q.target.messages, { model: 'claude-sonnet-4-6' }, memo);
t = performance.now(); for (let i = 0; i < N; i++) { await compressMessages(q.target.messages, { model: 'claude-sonnet-4-6' }, memo); } console.log('core same objects', (performance.now() - t) / N);
const { countRequestTokens } = await import('../src/compress/compress.js');
t = performance.now(); for (let i = 0; i < N; i++) { await countRequestTokens({ ...q.fields, messages: undefined, model: undefined }, 'claude-sonnet-4-6', memo); } console.log('countRequest', (performance.now() - t) / N);
const { spliceJson, diffJson } = await import('../src/proxy/json-splice.js');
const r = await compressMessages(q.target.messages, { model: 'claude-sonnet-4-6' }, memo);
t = performance.now(); for (let i = 0; i < N; i++) { const ch = diffJson(q.target.messages, r.messages, ['messages']); spliceJson(body, ch); } console.log('diff+splice', (performance.now() - t) / N);
}
{
  const { createPrefixReuse } = await import('../src/proxy/prefix-reuse.js');
  const conversations = createPrefixReuse();
  const env2 = { compress: compressMessages, memo, store, conversations };
  const a = await runBodyJob({ ...job, raw: Buffer.from(body) }, { compress: compressMessages, memo, store });
  for (let i = 0; i < 30; i++) await runBodyJob({ ...job, raw: Buffer.from(body) }, env2);
  t = performance.now();
  for (let i = 0; i < N; i++) await runBodyJob({ ...job, raw: Buffer.from(body) }, env2);
  console.log('reuse repeat avg', (performance.now() - t) / N);
  const b = await runBodyJob({ ...job, raw: Buffer.from(body) }, env2);
  console.log('identical', Buffer.compare(a.outcome.body, b.outcome.body) === 0, a.outcome.tokensBefore, b.outcome.tokensBefore, a.outcome.tokensAfter, b.outcome.tokensAfter);
  // new turn appended
  const body2 = bigBody([...history(), { role: 'assistant', content: [{ type: 'tool_use', id: 'x', name: 'Bash', input: { command: 'ls' } }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'small' }] }], 0);
  const c = await runBodyJob({ ...job, raw: Buffer.from(body2) }, { compress: compressMessages, memo, store });
  t = performance.now();
  const d = await runBodyJob({ ...job, raw: Buffer.from(body2) }, env2);
  console.log('appended', performance.now() - t, Buffer.compare(c.outcome.body, d.outcome.body) === 0);
}
