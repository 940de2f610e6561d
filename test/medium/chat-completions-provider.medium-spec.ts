import { OutboundAddressPolicy } from '@app/domain';
import { GuardedHttpClient } from '@app/http';
import { FakeChatCompletions } from '@app/testing';
import {
  CHAT_COMPLETION_MAX_RESPONSE_BYTES,
  ChatCompletionsDecisionProvider,
} from '../../apps/trigger-matcher/src/decision/chat-completions.provider';

describe('ChatCompletionsDecisionProvider against a fake OpenAI-compatible endpoint', () => {
  const fake = new FakeChatCompletions();
  let url: string;
  const request = {
    message: 'please close my account for good',
    transcript: [{ role: 'contact', text: 'hi' }],
    workflows: [
      { id: 'wf-cancel', name: 'Cancel', phrases: ['I want to cancel', 'close my account'] },
      { id: 'wf-refund', name: 'Refund', phrases: ['I want a refund'] },
    ],
  };
  const provider = (allowed: string[], timeoutMs = 2_000) =>
    new ChatCompletionsDecisionProvider(
      new GuardedHttpClient(new OutboundAddressPolicy(allowed), {
        timeoutMs,
        connectTimeoutMs: 1_000,
        maxResponseBytes: CHAT_COMPLETION_MAX_RESPONSE_BYTES,
      }),
      {
        url,
        model: 'test-model',
        apiKey: 'sk-test',
      },
    );

  beforeAll(async () => {
    url = await fake.start();
  });
  afterAll(() => fake.stop());

  it('offers the workflows as tools and returns those the model calls', async () => {
    fake.answer = () => ({
      status: 200,
      body: {
        choices: [
          {
            message: {
              role: 'assistant',
              tool_calls: [{ type: 'function', function: { name: 'workflow_0', arguments: '{}' } }],
            },
          },
        ],
      },
    });
    await expect(provider(['127.0.0.0/8']).choose(request)).resolves.toEqual(['wf-cancel']);
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.authorization).toBe('Bearer sk-test');
    expect(sent.body).toMatchObject({ model: 'test-model', tool_choice: 'auto' });
    expect(
      (sent.body.tools as { function: { name: string; description: string } }[]).map((tool) => tool.function),
    ).toEqual([
      expect.objectContaining({ name: 'workflow_0', description: expect.stringContaining('close my account') }),
      expect.objectContaining({ name: 'workflow_1', description: expect.stringContaining('I want a refund') }),
    ]);
    expect((sent.body.messages as { role: string; content: string }[]).at(-1)).toEqual({
      role: 'user',
      content: request.message,
    });
  });

  it('returns no workflow when the model calls no tool, ignores unknown tools beside offered ones, and rejects calls of unknown ones only', async () => {
    const calling =
      (...names: string[]) =>
      () => ({
        status: 200,
        body: {
          choices: [
            {
              message: {
                role: 'assistant',
                content: 'nothing',
                tool_calls: names.map((name) => ({ function: { name } })),
              },
            },
          ],
        },
      });
    fake.answer = calling();
    await expect(provider(['127.0.0.0/8']).choose(request)).resolves.toEqual([]);
    fake.answer = calling('rm_rf', 'workflow_1');
    await expect(provider(['127.0.0.0/8']).choose(request)).resolves.toEqual(['wf-refund']);
    // A model that names only tools it was not offered made no decision: intent matching decides.
    fake.answer = calling('rm_rf');
    await expect(provider(['127.0.0.0/8']).choose(request)).rejects.toThrow('called no tool it was offered (rm_rf)');
  });

  it('rejects on errors, malformed answers and timeouts, so that intent matching decides', async () => {
    fake.answer = () => ({ status: 500, body: { error: 'overloaded' } });
    await expect(provider(['127.0.0.0/8']).choose(request)).rejects.toThrow('HTTP 500');
    fake.answer = () => ({ status: 200, body: { unexpected: true } });
    await expect(provider(['127.0.0.0/8']).choose(request)).rejects.toThrow('choices[0].message');
    fake.answer = () => ({ status: 200, body: {}, delayMs: 1_000 });
    await expect(provider(['127.0.0.0/8'], 200).choose(request)).rejects.toThrow('timed out');
  });

  it('goes through the SSRF guard: a loopback endpoint is refused unless allow-listed', async () => {
    const before = fake.requests.length;
    await expect(provider([]).choose(request)).rejects.toThrow('SSRF');
    expect(fake.requests.length).toBe(before);
  });
});
