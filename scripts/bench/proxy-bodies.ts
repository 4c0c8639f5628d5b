/**
 * The request bodies of the proxy benchmark (`scripts/bench-proxy.ts`), also compressed by the golden
 * check (`scripts/check-golden.ts`) so the bench's own workload is among what must not change.
 */

const SYSTEM = [
  {
    type: 'text',
    text: `You are Claude Code.\n${'Follow the rules. '.repeat(2000)}`,
    cache_control: { type: 'ephemeral' },
  },
];
const TOOLS = Array.from({ length: 24 }, (_, i) => ({
  name: `Tool${i}`,
  description: 'A tool. '.repeat(200),
  input_schema: { type: 'object', properties: { arg: { type: 'string' } } },
}));

function logOutput(lines: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i += 1) {
    if (i === Math.floor(lines / 2))
      out.push(`ERROR worker-${seed} failed: connection reset by peer (attempt ${seed})`);
    out.push(
      `2026-01-0${(i % 9) + 1}T10:${String(i % 60).padStart(2, '0')}:00Z INFO request id=${seed}-${i} path=/api/items/${i % 311} status=200 ms=${(i * 13) % 97}`,
    );
  }
  return out.join('\n');
}

function jsonOutput(items: number, seed: number): string {
  return JSON.stringify(
    Array.from({ length: items }, (_, i) => ({
      id: `${seed}-${i}`,
      name: `item ${i}`,
      status: i % 250 === 7 ? 'error' : 'ok',
      score: (i * 31) % 100,
    })),
    null,
    2,
  );
}

/** The `t`th command output of a session's history (~110 KB): a log and a JSON dump by turns. */
function historyOutput(t: number, seed: number): string {
  return t % 2 === 0 ? logOutput(1150, seed) : jsonOutput(1050, seed);
}

export type Msg = { role: string; content: unknown };

/** About 1 MB of earlier turns (each with a tool result), as an agent session accumulates them. */
export function history(): Msg[] {
  const messages: Msg[] = [{ role: 'user', content: 'Investigate the failing nightly job.' }];
  for (let t = 0; t < 8; t += 1) {
    const id = `toolu_hist_${t}`;
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `step ${t}` } }],
    });
    const output = historyOutput(t, 1000 + t);
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: output }] });
  }
  return messages;
}

export function bigBody(prefix: Msg[], seed: number): Buffer {
  const id = `toolu_new_${seed}`;
  const messages = [
    ...prefix,
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command: 'cat service.log' } }],
    },
    // ~50K tokens of new output.
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: logOutput(1300, seed) }] },
  ];
  return Buffer.from(
    JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      stream: false,
      system: SYSTEM,
      tools: TOOLS,
      messages,
    }),
  );
}

export const SMALL = Buffer.from(
  JSON.stringify({
    model: 'claude-sonnet-4-6',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hi.' }],
  }),
);

/** Like `history()`, but every block new: a different conversation per seed. */
export function freshConversation(seed: number): Buffer {
  const messages: Msg[] = [{ role: 'user', content: `Investigate job ${seed}.` }];
  for (let t = 0; t < 8; t += 1) {
    const id = `toolu_${seed}_${t}`;
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `step ${t}` } }],
    });
    const output = historyOutput(t, seed * 100 + t);
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: output }] });
  }
  return Buffer.from(
    JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 4096, system: SYSTEM, tools: TOOLS, messages }),
  );
}

/**
 * An agent session as it really arrives: `history()` resent every turn with one more small exchange (a
 * short command output), and Claude Code's one cache marker moved to the newest block each time.
 */
export function growingConversation(turns: number): Buffer[] {
  const messages: Msg[] = history();
  const bodies: Buffer[] = [];
  for (let t = 0; t < turns; t += 1) {
    const id = `toolu_grow_${t}`;
    messages.push(
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `ls step-${t}` } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: logOutput(6, 5000 + t) }] },
    );
    const marked = structuredClone(messages);
    const last = marked.at(-1)!.content as Record<string, unknown>[];
    last.at(-1)!.cache_control = { type: 'ephemeral' };
    bodies.push(
      Buffer.from(
        JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 4096,
          system: SYSTEM,
          tools: TOOLS,
          messages: marked,
        }),
      ),
    );
  }
  return bodies;
}

/**
 * A Codex session as it really arrives (Responses API): its instructions first, then every earlier item
 * resent each turn, about 1 MB of command outputs, and one more small function call and output per turn.
 */
export function growingResponses(turns: number): Buffer[] {
  const input: unknown[] = [
    {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'Investigate the failing nightly job.' }],
    },
  ];
  const call = (id: string, command: string, output: string) => [
    {
      type: 'function_call',
      name: 'shell',
      arguments: JSON.stringify({ command: ['bash', '-lc', command] }),
      call_id: id,
    },
    { type: 'function_call_output', call_id: id, output },
  ];
  for (let t = 0; t < 8; t += 1) {
    const output = historyOutput(t, 3000 + t);
    input.push(...call(`call_hist_${t}`, `step ${t}`, output));
  }
  const tools = TOOLS.map(({ name, description, input_schema }) => ({
    type: 'function',
    name,
    description,
    parameters: input_schema,
  }));
  const bodies: Buffer[] = [];
  for (let t = 0; t < turns; t += 1) {
    input.push(...call(`call_grow_${t}`, `ls step-${t}`, logOutput(6, 7000 + t)));
    bodies.push(
      Buffer.from(
        JSON.stringify({
          model: 'gpt-5-codex',
          instructions: SYSTEM[0]!.text,
          input,
          tools,
          tool_choice: 'auto',
          parallel_tool_calls: false,
          store: false,
          stream: false,
        }),
      ),
    );
  }
  return bodies;
}
