import { jsonSchema, type LanguageModelMiddleware, type Tool, tool } from 'ai';
import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';
import { createSession, type HeadroomHandle, type HeadroomSdkOptions, type Session } from '../common.js';
import { VERCEL_RETRIEVE_TOOL } from '../retrieval-tool.js';
import { checkRequestShape, SAMPLE_TOOL_OUTPUT } from '../validate-setup.js';
import { isJson, type RetrievalCall } from '../wire/protocol.js';
import { answerPromptCalls, type CallOptions, fromChatShape, type Prompt, toChatShape } from './prompt.js';

export * from '../entry-exports.js';

type GenerateResult = Awaited<ReturnType<NonNullable<LanguageModelMiddleware['wrapGenerate']>>>;
type Model = Parameters<NonNullable<LanguageModelMiddleware['wrapGenerate']>>[0]['model'];
type AssistantPart = Extract<Prompt[number], { role: 'assistant' }>['content'][number];

/** `headroomMiddleware()`'s result: an AI SDK middleware that also reports its savings. */
export type HeadroomMiddleware = LanguageModelMiddleware & { readonly headroom: HeadroomHandle };

const SAMPLE_PROMPT: Prompt = [
  { role: 'user', content: [{ type: 'text', text: 'Which job failed?' }] },
  {
    role: 'assistant',
    content: [{ type: 'tool-call', toolCallId: 'call_dry', toolName: 'shell', input: {} }],
  },
  {
    role: 'tool',
    content: [
      {
        type: 'tool-result',
        toolCallId: 'call_dry',
        toolName: 'shell',
        output: { type: 'text', value: SAMPLE_TOOL_OUTPUT },
      },
    ],
  },
];

/** An AI SDK prompt as `toChatShape` reads it (the dry request of `validateSetup`). */
function isPrompt(value: unknown): value is Prompt {
  return (
    Array.isArray(value) &&
    value.every(
      (m) =>
        isJson(m) &&
        (m.role === 'system'
          ? typeof m.content === 'string'
          : ['user', 'assistant', 'tool'].includes(String(m.role)) &&
            Array.isArray(m.content) &&
            m.content.every(isJson)),
    )
  );
}

/**
 * Prompts already counted: the AI SDK retries a failed call with the same prompt array, and a retry is
 * not another call in `stats()`.
 */
const counted = new WeakSet<CallOptions['prompt']>();

/** Compresses a call's prompt, answers retrieval calls in it, and adds the retrieval tool when needed. */
async function transform(params: CallOptions, modelId: string, session: Session): Promise<CallOptions> {
  const retry = counted.has(params.prompt);
  counted.add(params.prompt);
  try {
    const cleared = session.retrieval ? answerPromptCalls(params.prompt, () => '') : params.prompt;
    const adapted = toChatShape(cleared);
    const result = await session.compress(adapted.messages, modelId);
    let prompt = fromChatShape(cleared, adapted, result.items);
    let tokensAfter = result.tokensAfter;
    let ids: string[] = [];
    if (cleared !== params.prompt) {
      const filled = await session.fillRetrievals(prompt, answerPromptCalls, modelId);
      prompt = filled.items;
      ids = filled.ids;
      tokensAfter += filled.tokens;
    }
    const tools = params.tools ?? [];
    const needsTool =
      session.retrieval &&
      (tools.length > 0 || result.compressed || ids.length > 0) &&
      !tools.some((t) => t.name === RETRIEVE_TOOL);
    if (needsTool) tokensAfter += await session.countAdded(JSON.stringify(VERCEL_RETRIEVE_TOOL), modelId);
    if (!retry)
      session.record(modelId, {
        tokensBefore: result.tokensBefore,
        tokensAfter,
        compressed: result.compressed,
      });
    session.recordRetrievals(ids);
    const next = prompt === params.prompt ? params : { ...params, prompt };
    return needsTool ? { ...next, tools: [...tools, VERCEL_RETRIEVE_TOOL] } : next;
  } catch {
    // Fail open: the call goes out exactly as the SDK built it.
    if (!retry) session.recordFailOpen(modelId);
    return params;
  }
}

/** A generated content part as the model's turn in a follow-up prompt. */
function asPromptPart(part: GenerateResult['content'][number]): AssistantPart[] {
  const options =
    'providerMetadata' in part && part.providerMetadata ? { providerOptions: part.providerMetadata } : {};
  if (part.type === 'text') return [{ type: 'text', text: part.text, ...options }];
  if (part.type === 'reasoning') return [{ type: 'reasoning', text: part.text, ...options }];
  if (part.type === 'tool-call') {
    let input: unknown;
    try {
      input = JSON.parse(part.input);
    } catch {
      input = {};
    }
    return [{ type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input, ...options }];
  }
  return [];
}

/** The retrieval calls of a result that asks for retrievals and nothing else the caller must run. */
function pendingRetrievals(result: GenerateResult): RetrievalCall[] | undefined {
  const calls = result.content.filter((p) => p.type === 'tool-call' && p.providerExecuted !== true);
  if (calls.length === 0 || calls.some((p) => p.type === 'tool-call' && p.toolName !== RETRIEVE_TOOL))
    return undefined;
  return calls.flatMap((p) => (p.type === 'tool-call' ? [{ id: p.toolCallId, input: p.input }] : []));
}

/** Answers `headroom_retrieve` calls of a non-streaming call and asks the model again, a bounded number of times. */
async function generateWithRetrieval(
  first: GenerateResult,
  params: CallOptions,
  model: Model,
  session: Session,
) {
  let result = first;
  let current = params;
  for (let round = 0; round < session.maxRounds; round++) {
    const calls = pendingRetrievals(result);
    if (!calls) return result;
    const answers = calls.map((c) => session.handle.answerRetrieval(c.input));
    session.recordRetrievals(calls.map((c) => c.id));
    session.recordAdded(model.modelId, await session.countAdded(answers.join(''), model.modelId));
    const results = calls.map((c, k) => ({
      type: 'tool-result' as const,
      toolCallId: c.id,
      toolName: RETRIEVE_TOOL,
      output: { type: 'text' as const, value: answers[k]! },
    }));
    current = {
      ...current,
      prompt: [
        ...current.prompt,
        { role: 'assistant', content: result.content.flatMap(asPromptPart) },
        { role: 'tool', content: results },
      ],
    };
    result = await model.doGenerate(current);
  }
  return result;
}

/**
 * AI SDK middleware that compresses the prompt of `generateText`/`streamText` calls (tool results
 * included) before the model sees it. For `generateText`, the model's `headroom_retrieve` calls are
 * answered inside the call; for `streamText`, register `retrievalTool(middleware.headroom)` in `tools`
 * (or let the SDK report the unknown tool: the next step's prompt gets the real answer).
 *
 * @example
 * const middleware = headroomMiddleware();
 * const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware });
 * const { text } = await generateText({ model, messages });
 * console.log(middleware.headroom.stats().tokensSaved);
 */
export function headroomMiddleware(options: HeadroomSdkOptions = {}): HeadroomMiddleware {
  const session = createSession(options, async (request, s) => {
    const prompt = request === undefined ? SAMPLE_PROMPT : request;
    return checkRequestShape({
      items: isPrompt(prompt) ? toChatShape(prompt).messages : undefined,
      expected: 'an AI SDK prompt: an array of system, user, assistant and tool messages',
      own: request !== undefined,
      compress: (items) => s.probe(items, ''),
    });
  });
  return {
    specificationVersion: 'v3',
    headroom: session.handle,
    transformParams: ({ params, model }) => transform(params, model.modelId, session),
    async wrapGenerate({ doGenerate, params, model }) {
      const result = await doGenerate();
      return session.retrieval ? generateWithRetrieval(result, params, model, session) : result;
    },
  };
}

/**
 * The `headroom_retrieve` tool for an AI SDK `tools` object, answered from a middleware's store, e.g.
 * `streamText({ model, tools: { ...tools, headroom_retrieve: retrievalTool(middleware.headroom) } })`.
 */
export function retrievalTool(
  handle: HeadroomHandle,
): Tool<{ hash: string; offset?: number; limit?: number }, string> {
  return tool({
    description: VERCEL_RETRIEVE_TOOL.description,
    inputSchema: jsonSchema<{ hash: string; offset?: number; limit?: number }>(
      VERCEL_RETRIEVE_TOOL.inputSchema,
    ),
    execute: async (input) => handle.answerRetrieval(input),
  });
}
