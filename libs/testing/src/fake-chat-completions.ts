import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local endpoint that speaks the chat-completions protocol, answering as the test sets. */
export class FakeChatCompletions {
  requests: { path: string; authorization?: string; body: Record<string, unknown> }[] = [];
  answer: (body: Record<string, unknown>) => { status: number; body: unknown; delayMs?: number } = () => ({
    status: 200,
    body: { choices: [{ message: { role: 'assistant', content: null } }] },
  });
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.requests.push({ path: request.url ?? '', authorization: request.headers.authorization, body });
        const answer = this.answer(body);
        setTimeout(() => {
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
