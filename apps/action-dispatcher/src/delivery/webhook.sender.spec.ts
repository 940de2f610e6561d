import { Webhook } from 'standardwebhooks';
import type { WorkflowTriggered } from '@app/contracts';
import { judgeAttempt, type DeliveryTarget } from '@app/domain';
import type { GuardedHttpClient, HttpPostResult } from '@app/http';
import { WebhookSender, type WebhookSenderLimits } from './webhook.sender';

const SECRET = `whsec_${Buffer.from('a signing secret of 32 bytes....').toString('base64')}`;
const EXECUTION_ID = 'exec-1';

const trigger: WorkflowTriggered = {
  triggerId: 't-1',
  tenantId: 'acme',
  conversationId: 'conv-1',
  workflow: { id: '00000000-0000-4000-8000-000000000001', version: 1, name: 'Order API' },
  event: { id: 'e1', source: '/p', type: 'conversation.message.created', time: '2026-11-25T10:00:00.000Z' },
  message: { id: 'm1', role: 'contact', text: 'cancel my order' },
  transcript: [],
  match: { type: 'intent', score: 1, threshold: 0.75, phrase: 'cancel my order' },
  firedAt: '2026-11-25T10:00:00.100Z',
};

/** A sender whose HTTP client answers `answer` and keeps what it was asked to send. */
function senderAnswering(answer: HttpPostResult, limits: Partial<WebhookSenderLimits> = {}) {
  const sent: { url: string; body: string; headers: Record<string, string> }[] = [];
  const http = {
    post: (url: string, body: string, headers: Record<string, string>) => {
      sent.push({ url, body, headers });
      return Promise.resolve(answer);
    },
  } as unknown as GuardedHttpClient;
  const sender = new WebhookSender(http, { maxLoggedResponseChars: 2_000, maxPayloadBytes: 262_144, ...limits });
  return { sender, sent };
}

const send = (sender: WebhookSender, target: Partial<DeliveryTarget> = {}) =>
  sender.send(
    { url: 'https://example.com/hook', headers: {}, payload: 'standard', ...target },
    { signingSecret: SECRET },
    trigger,
    EXECUTION_ID,
    1,
  );

describe('WebhookSender', () => {
  it('sends configured headers lower-cased, and the content-type and webhook-* headers as its own', async () => {
    const { sender, sent } = senderAnswering({ statusCode: 200, body: '', durationMs: 1 });
    await send(sender, {
      headers: { 'Content-Type': 'text/plain', 'Webhook-Id': 'evil', 'User-Agent': 'spoof', 'X-Api-Key': 'key' },
    });
    const { headers, body } = sent[0]!;
    expect(headers).toEqual({
      'x-api-key': 'key',
      'content-type': 'application/json',
      'user-agent': 'agent-workflows/0.1',
      'webhook-id': EXECUTION_ID,
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,/),
    });
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
  });

  it.each([
    ['the signing secret', SECRET],
    ['a configured header value', 'header-value-1234'],
  ])('redacts %s from the whole response before cutting it for the log', async (_, echoed) => {
    // The echoed value straddles the 100-character cut: cut first, its beginning would stay.
    const { sender } = senderAnswering(
      { statusCode: 500, body: `${'x'.repeat(95)}${echoed} and more`, durationMs: 1 },
      { maxLoggedResponseChars: 100 },
    );
    const { attempt } = await send(sender, { headers: { 'X-Api-Key': 'header-value-1234' } });
    expect(attempt.error).toBe(`HTTP 500: ${'x'.repeat(95)}[reda`);
  });

  it.each([
    [
      'the credential of an Authorization value, without its scheme',
      'bad token sk_live_abcdef123456',
      'bad token [redacted]',
    ],
    ['a value the receiver JSON-escaped', '{"got":"a\\"quoted\\\\value"}', '{"got":"[redacted]"}'],
    ['a value whose "/" the receiver escaped', '{"token":"dG9r\\/ZW4+c2VjcmV0"}', '{"token":"[redacted]"}'],
  ])('redacts %s', async (_, body, redacted) => {
    const { sender } = senderAnswering({ statusCode: 401, body, durationMs: 1 });
    const { attempt } = await send(sender, {
      headers: {
        Authorization: 'Bearer sk_live_abcdef123456',
        'X-Quoted': 'a"quoted\\value',
        'X-Token': 'dG9r/ZW4+c2VjcmV0',
      },
    });
    expect(attempt.error).toBe(`HTTP 401: ${redacted}`);
  });

  it('notes a delivered answer whose body stopped short, and gives no response to map into a reply', async () => {
    const { sender } = senderAnswering({
      statusCode: 200,
      body: '{"order": "cancel',
      bodyIncomplete: 'timed out after 15000 ms',
      durationMs: 1,
    });
    const result = await send(sender);
    expect(result.attempt).toMatchObject({
      statusCode: 200,
      error: 'response body incomplete: timed out after 15000 ms',
    });
    expect(result.responseBody).toBeUndefined();
    expect(judgeAttempt(result.answer, new Date(), 1)).toEqual({ kind: 'delivered' });
  });

  it('says when the response was longer than the HTTP client reads', async () => {
    const { sender } = senderAnswering({ statusCode: 502, body: 'overloaded', bodyTruncated: true, durationMs: 1 });
    const { attempt } = await send(sender);
    expect(attempt).toMatchObject({
      statusCode: 502,
      error: 'HTTP 502 (response body cut at the read limit): overloaded',
    });
  });

  it('does not send a payload over maxPayloadBytes, and no retry follows', async () => {
    const custom = { text: 'é'.repeat(600) }; // 1,200 bytes of text, 600 characters
    const bytes = Buffer.byteLength(JSON.stringify(custom));
    const { sender, sent } = senderAnswering({ statusCode: 200, durationMs: 1 }, { maxPayloadBytes: bytes - 1 });
    const { attempt, answer } = await send(sender, { payload: { custom } });
    const error = `payload is ${bytes} bytes, over WEBHOOK_MAX_PAYLOAD_BYTES ${bytes - 1}; not sent`;
    expect(sent).toEqual([]);
    expect(attempt).toEqual({ number: 1, startedAt: expect.any(String), durationMs: 0, error });
    expect(judgeAttempt(answer, new Date(), 0)).toEqual({ kind: 'final', reason: error });
  });

  it('sends a payload of exactly maxPayloadBytes', async () => {
    const custom = { text: 'é'.repeat(600) };
    const bytes = Buffer.byteLength(JSON.stringify(custom));
    const { sender, sent } = senderAnswering({ statusCode: 204, durationMs: 1 }, { maxPayloadBytes: bytes });
    const { answer } = await send(sender, { payload: { custom } });
    expect(sent[0]!.body).toBe(JSON.stringify(custom));
    expect(judgeAttempt(answer, new Date(), 0)).toEqual({ kind: 'delivered' });
  });
});
