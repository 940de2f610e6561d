import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How to answer one request: status, headers, body, and an optional delay before answering. */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/**
 * A real HTTP server on loopback that records every request and answers with a chosen status, or
 * with what `script` returns for the request (given the requests to the same path before it).
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | undefined;
  respondWith = 200;
  script: ((request: ReceivedRequest, earlierOnPath: number) => ScriptedResponse | undefined) | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received: ReceivedRequest = {
          path: request.url ?? '/',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        const earlierOnPath = this.requests.filter((earlier) => earlier.path === received.path).length;
        this.requests.push(received);
        const scripted = this.script?.(received, earlierOnPath);
        const answer = () =>
          response
            .writeHead(scripted?.status ?? this.respondWith, {
              'content-type': 'application/json',
              ...scripted?.headers,
            })
            .end(scripted?.body ?? '{"ok":true}');
        if (scripted?.delayMs) setTimeout(answer, scripted.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
