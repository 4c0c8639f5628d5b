import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import {
  type BaseMessage,
  coerceMessageLikeToMessage,
  HumanMessage,
  type ToolMessage,
} from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';
import { HeadroomError } from '../../errors.js';
import { createSession, type HeadroomSdkOptions, type Session, type WithHeadroom } from '../common.js';
import { OPENAI_CHAT_RETRIEVE_TOOL } from '../retrieval-tool.js';
import { checkRequestShape, SAMPLE_TOOL_OUTPUT } from '../validate-setup.js';
import { answerCalls, fromChatShape, retrievalCalls, retrievalResult, toChatShape } from './messages.js';

export type { WithHeadroom } from '../common.js';
export * from '../entry-exports.js';
export { OPENAI_CHAT_RETRIEVE_TOOL } from '../retrieval-tool.js';

type Model = BaseChatModel;
type Options = Model['ParsedCallOptions'] & { readonly tools?: readonly unknown[] };
type Generate = Model['_generate'];
type RunManager = Parameters<Generate>[2];
/** `_streamResponseChunks` and `_streamChatModelEvents`: messages in, an async stream of chunks or events out. */
type StreamMethod = (
  this: Model,
  messages: BaseMessage[],
  options: Options,
  runManager?: RunManager,
) => AsyncGenerator<unknown>;

/**
 * Message arrays headroom built. A provider's own `_generate` may call its `_streamResponseChunks` (or
 * a sub-model's) with them; those nested calls go through as they are instead of being compressed twice.
 */
const prepared = new WeakSet<readonly BaseMessage[]>();

/** The model id a LangChain chat model sends (`model` on current integrations, `modelName` on older ones). */
function modelId(model: Model): string {
  const m = model as unknown as { model?: unknown; modelName?: unknown };
  return typeof m.model === 'string' ? m.model : typeof m.modelName === 'string' ? m.modelName : '';
}

/** The tools a call will send: its own, else those bound with `bindTools` (ChatOpenAI keeps them as defaults). */
function toolsOf(model: Model, options: Options): readonly unknown[] {
  const defaults = (model as unknown as { defaultOptions?: { tools?: unknown } }).defaultOptions?.tools;
  return options.tools ?? (Array.isArray(defaults) ? defaults : []);
}

const toolName = (tool: unknown): unknown => {
  const t = tool as { name?: unknown; function?: { name?: unknown } } | null;
  return t?.name ?? t?.function?.name;
};

/**
 * One call's messages as headroom sends them: retrieval answers cleared, blocks compressed, retrieval
 * answers filled in, and headroom's tool added to the call's tools when needed (see the README).
 */
async function prepare(
  model: Model,
  messages: readonly BaseMessage[],
  options: Options,
  session: Session,
): Promise<{ messages: BaseMessage[]; options: Options }> {
  const id = modelId(model);
  try {
    const cleared = session.retrieval ? answerCalls(messages, () => '') : messages;
    const adapted = toChatShape(cleared);
    const result = await session.compress(adapted.messages, id);
    let out: readonly BaseMessage[] = fromChatShape(cleared, adapted, result.items);
    let tokensAfter = result.tokensAfter;
    let ids: string[] = [];
    if (cleared !== messages) {
      const filled = await session.fillRetrievals(out, answerCalls, id);
      out = filled.items;
      ids = filled.ids;
      tokensAfter += filled.tokens;
    }
    const tools = toolsOf(model, options);
    const needsTool =
      session.retrieval &&
      (tools.length > 0 || result.compressed || ids.length > 0) &&
      !tools.some((t) => toolName(t) === RETRIEVE_TOOL);
    if (needsTool) tokensAfter += await session.countAdded(JSON.stringify(OPENAI_CHAT_RETRIEVE_TOOL), id);
    session.record(id, { tokensBefore: result.tokensBefore, tokensAfter, compressed: result.compressed });
    session.recordRetrievals(ids);
    const sent = [...out];
    prepared.add(sent);
    return {
      messages: sent,
      options: needsTool ? { ...options, tools: [...tools, OPENAI_CHAT_RETRIEVE_TOOL] } : options,
    };
  } catch {
    // Fail open: the call goes out exactly as LangChain built it.
    session.recordFailOpen(id);
    const sent = [...messages];
    prepared.add(sent);
    return { messages: sent, options };
  }
}

/** The retrieval calls of a result that asks for retrievals and nothing else the caller must run. */
function pendingRetrievals(result: ChatResult) {
  if (result.generations.length !== 1) return undefined;
  const message = result.generations[0]!.message;
  const calls = retrievalCalls(message);
  const all = (message as { tool_calls?: unknown[] }).tool_calls?.length ?? 0;
  const invalid = (message as { invalid_tool_calls?: unknown[] }).invalid_tool_calls?.length ?? 0;
  return calls.length > 0 && calls.length === all && invalid === 0 ? { message, calls } : undefined;
}

/**
 * Makes `model` compress: its `_generate` (behind `invoke` and `batch`), `_streamResponseChunks` (behind
 * `stream`) and, where the integration has its own, `_streamChatModelEvents` (behind `streamEvents`).
 * `withConfig` clones (what `bindTools` returns on ChatOpenAI) are made to compress too.
 */
function install<T extends Model>(model: T, session: Session): WithHeadroom<T> {
  const define = (name: string, value: unknown) =>
    Object.defineProperty(model, name, { value, enumerable: false, configurable: true, writable: true });
  const generate = model._generate as Generate;
  define(
    '_generate',
    async function headroomGenerate(
      this: Model,
      messages: BaseMessage[],
      options: Options,
      runManager?: RunManager,
    ): Promise<ChatResult> {
      if (prepared.has(messages)) return generate.call(this, messages, options, runManager);
      const call = await prepare(this, messages, options, session);
      let result = await generate.call(this, call.messages, call.options, runManager);
      if (!session.retrieval) return result;
      let sent = call.messages;
      const id = modelId(this);
      for (let round = 0; round < session.maxRounds; round++) {
        const pending = pendingRetrievals(result);
        if (!pending) return result;
        const answers = pending.calls.map((c) => session.handle.answerRetrieval(c.input));
        session.recordRetrievals(pending.calls.map((c) => c.id));
        session.recordAdded(id, await session.countAdded(answers.join(''), id));
        const results: ToolMessage[] = pending.calls.map((c, k) => retrievalResult(c, answers[k]!));
        sent = [...sent, pending.message, ...results];
        prepared.add(sent);
        result = await generate.call(this, sent, call.options, runManager);
      }
      return result;
    },
  );
  // Models without streaming of their own must keep LangChain's default, which it recognises by identity.
  for (const name of ['_streamResponseChunks', '_streamChatModelEvents'] as const) {
    if (model[name] === BaseChatModel.prototype[name]) continue;
    const inner = model[name] as unknown as StreamMethod;
    define(
      name,
      async function* headroomStream(
        this: Model,
        messages: BaseMessage[],
        options: Options,
        runManager?: RunManager,
      ) {
        if (prepared.has(messages)) return yield* inner.call(this, messages, options, runManager);
        const call = await prepare(this, messages, options, session);
        yield* inner.call(this, call.messages, call.options, runManager);
      },
    );
  }
  const withConfig = model.withConfig as (this: Model, config: unknown) => unknown;
  define('withConfig', function headroomWithConfig(this: Model, config: unknown) {
    const next = withConfig.call(this, config);
    // A binding around this model compresses already; a fresh model (ChatOpenAI's clones) is made to.
    return isChatModel(next) && !('headroom' in next) ? install(next, session) : next;
  });
  define('headroom', session.handle);
  return model as WithHeadroom<T>;
}

function isChatModel(value: unknown): value is Model {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { _generate?: unknown })._generate === 'function' &&
    typeof (value as { withConfig?: unknown }).withConfig === 'function'
  );
}

const SAMPLE: readonly BaseMessage[] = [
  new HumanMessage('Which job failed?'),
  coerceMessageLikeToMessage({
    role: 'assistant',
    content: '',
    tool_calls: [{ id: 'call_dry', name: 'shell', args: {} }],
  }),
  coerceMessageLikeToMessage({ role: 'tool', tool_call_id: 'call_dry', content: SAMPLE_TOOL_OUTPUT }),
];

/** LangChain messages (or message-likes LangChain coerces), or undefined when they are not. */
function asMessages(value: unknown): BaseMessage[] | undefined {
  if (!Array.isArray(value)) return undefined;
  try {
    return value.map((m) => coerceMessageLikeToMessage(m));
  } catch {
    return undefined;
  }
}

/**
 * Returns a copy of a LangChain.js chat model (`ChatOpenAI`, `ChatAnthropic`, any `BaseChatModel`) whose
 * `invoke`, `stream`, `batch` and `streamEvents` calls, and those of the models `bindTools` and
 * `withStructuredOutput` make from it, compress tool messages before they are sent. Messages keep their
 * LangChain types; tool calls and ids are untouched. The caller's model is left as it was. `invoke`
 * answers the model's `headroom_retrieve` calls itself; see the README for streaming.
 *
 * @example
 * const model = withHeadroom(new ChatOpenAI({ model: 'gpt-4o' }));
 * const reply = await model.bindTools(tools).invoke(messages);
 * console.log(model.headroom.stats().tokensSaved);
 */
export function withHeadroom<T extends BaseChatModel>(
  model: T,
  options: HeadroomSdkOptions = {},
): WithHeadroom<T> {
  if (!isChatModel(model) || !(model instanceof BaseChatModel)) {
    throw new HeadroomError(
      'INVALID_INPUT',
      'Expected a LangChain.js chat model (a `BaseChatModel` from @langchain/core 1.x, e.g. `new ChatOpenAI()`).',
      {
        fix: 'Wrap the model itself, before `bindTools` or `withConfig`: `withHeadroom(new ChatOpenAI()).bindTools(tools)`.',
      },
    );
  }
  const session = createSession(options, async (request, s) => {
    const messages = request === undefined ? SAMPLE : asMessages(request);
    return checkRequestShape({
      items: messages && toChatShape(messages).messages,
      expected: 'LangChain messages (HumanMessage, AIMessage with tool_calls, ToolMessage, …)',
      own: request !== undefined,
      compress: (items) => s.probe(items, modelId(model)),
    });
  });
  // A child of the caller's model: it reads the same settings, and what headroom changes stays on it.
  return install(Object.create(model) as T, session);
}
