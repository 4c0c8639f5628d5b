import Anthropic from '@anthropic-ai/sdk';
import type { APIPromise as AnthropicPromise } from '@anthropic-ai/sdk/core/api-promise';
import { ChatAnthropic } from '@langchain/anthropic';
import type { AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import type { LanguageModelMiddleware } from 'ai';
import { wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import OpenAI from 'openai';
import type { APIPromise as OpenAIPromise } from 'openai/core/api-promise';
import type { Stream } from 'openai/core/streaming';
import { describe, expectTypeOf, it } from 'vitest';
import {
  headroomFastify,
  headroomHono,
  headroomNode,
  type MiddlewareHandle,
} from '../../src/middleware/index.js';
import { withHeadroom as withAnthropic } from '../../src/sdk/anthropic/index.js';
import type { HeadroomHandle, HeadroomStats } from '../../src/sdk/common.js';
import { withHeadroom as withLangChain } from '../../src/sdk/langchain/index.js';
import { withHeadroom as withOpenAI } from '../../src/sdk/openai/index.js';
import type { SetupReport } from '../../src/sdk/validate-setup.js';
import { headroomMiddleware } from '../../src/sdk/vercel-ai/index.js';

// These checks run under `tsc --noEmit` (part of `npm test`); at run time they only build clients.
describe('wrapped clients keep the SDK’s own types', () => {
  it('Anthropic: same client type, same method signatures, plus headroom', () => {
    const client = withAnthropic(new Anthropic({ apiKey: 'test' }));
    expectTypeOf(client).toMatchTypeOf<Anthropic>();
    expectTypeOf(client.messages.create).toEqualTypeOf<Anthropic['messages']['create']>();
    expectTypeOf(client.messages.stream).toEqualTypeOf<Anthropic['messages']['stream']>();
    expectTypeOf(client.beta.messages.create).toEqualTypeOf<Anthropic['beta']['messages']['create']>();
    expectTypeOf(client.headroom).toEqualTypeOf<HeadroomHandle>();
    expectTypeOf(client.headroom.stats()).toEqualTypeOf<HeadroomStats>();
    expectTypeOf(client.withOptions({ timeout: 1 }).headroom).toEqualTypeOf<HeadroomHandle>();
    const create = () => client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1, messages: [] });
    expectTypeOf(create).returns.toEqualTypeOf<AnthropicPromise<Anthropic.Message>>();
  });

  it('Anthropic: a subclass keeps its own members', () => {
    class Custom extends Anthropic {
      tag(): 'custom' {
        return 'custom';
      }
    }
    const client = withAnthropic(new Custom({ apiKey: 'test' }));
    expectTypeOf(client.tag).returns.toEqualTypeOf<'custom'>();
  });

  it('OpenAI: chat completions and responses keep their overloads', () => {
    const client = withOpenAI(new OpenAI({ apiKey: 'test' }));
    expectTypeOf(client).toMatchTypeOf<OpenAI>();
    expectTypeOf(client.chat.completions.create).toEqualTypeOf<OpenAI['chat']['completions']['create']>();
    expectTypeOf(client.responses.create).toEqualTypeOf<OpenAI['responses']['create']>();
    const plain = () => client.chat.completions.create({ model: 'gpt-4o', messages: [] });
    expectTypeOf(plain).returns.toEqualTypeOf<OpenAIPromise<OpenAI.ChatCompletion>>();
    const streamed = () => client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true });
    expectTypeOf(streamed).returns.toEqualTypeOf<OpenAIPromise<Stream<OpenAI.ChatCompletionChunk>>>();
    expectTypeOf(client.headroom.stats().byModel).toEqualTypeOf<
      Readonly<Record<string, HeadroomStats['byModel'][string]>>
    >();
  });

  it('AI SDK: the middleware is a LanguageModelMiddleware and the wrapped model a model', () => {
    const middleware = headroomMiddleware();
    expectTypeOf(middleware).toMatchTypeOf<LanguageModelMiddleware>();
    const model = wrapLanguageModel({ model: new MockLanguageModelV3(), middleware });
    expectTypeOf(model.doGenerate).toEqualTypeOf<MockLanguageModelV3['doGenerate']>();
  });

  it('LangChain: the wrapped model keeps its class, its calls return the same message types', () => {
    const model = withLangChain(new ChatOpenAI({ model: 'gpt-4o', apiKey: 'test' }));
    expectTypeOf(model).toMatchTypeOf<ChatOpenAI>();
    expectTypeOf(model.invoke).toEqualTypeOf<ChatOpenAI['invoke']>();
    expectTypeOf(model.bindTools).toEqualTypeOf<ChatOpenAI['bindTools']>();
    expectTypeOf(model.invoke).returns.resolves.toEqualTypeOf<AIMessageChunk>();
    expectTypeOf(model.headroom).toEqualTypeOf<HeadroomHandle>();
    const anthropic = withLangChain(new ChatAnthropic({ model: 'claude-sonnet-4-6', apiKey: 'test' }));
    expectTypeOf(anthropic.stream).toEqualTypeOf<ChatAnthropic['stream']>();
    expectTypeOf(anthropic.headroom.validateSetup).returns.resolves.toEqualTypeOf<SetupReport>();
  });

  it('middleware: each form carries the same handle', () => {
    expectTypeOf(headroomHono().headroom).toEqualTypeOf<MiddlewareHandle>();
    expectTypeOf(headroomNode().headroom).toEqualTypeOf<MiddlewareHandle>();
    expectTypeOf(headroomFastify().headroom).toEqualTypeOf<MiddlewareHandle>();
  });
});
