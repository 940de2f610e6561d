import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundAddressPolicy } from '@app/domain';
import { GuardedHttpClient } from '@app/http';

const MAX_RESPONSE_BYTES = 64 * 1024;

/** GuardedHttpClient against a receiver on loopback that answers a short body, or never stops sending. */
describe('GuardedHttpClient reading responses', () => {
  let url: string;
  let server: http.Server;
  /** Resolves when the endless response's connection is closed. */
  let endlessClosed: Promise<void>;
  const client = new GuardedHttpClient(new OutboundAddressPolicy(['127.0.0.0/8']), {
    timeoutMs: 15_000,
    connectTimeoutMs: 1_000,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      if (request.url === '/short') {
        response.writeHead(201).end('created é');
        return;
      }
      endlessClosed = new Promise((resolve) => response.once('close', resolve));
      response.writeHead(500, { 'content-type': 'text/plain' });
      // Two-byte characters: the read limit falls inside one when it is odd.
      const chunk = Buffer.from('é'.repeat(4_096));
      const pump = () => {
        if (response.destroyed) return;
        if (response.write(chunk)) setImmediate(pump);
        else response.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads a short body whole', async () => {
    const result = await client.post(`${url}/short`, '{}', {});
    expect(result).toMatchObject({ statusCode: 201, body: 'created é' });
    expect(result.bodyTruncated).toBeUndefined();
  });

  it('stops reading an endless body at the limit and closes the connection, keeping the status code', async () => {
    const result = await client.post(`${url}/endless`, '{}', {});
    expect(result.statusCode).toBe(500);
    expect(result.bodyTruncated).toBe(true);
    expect(Buffer.byteLength(result.body!)).toBe(MAX_RESPONSE_BYTES);
    expect(result.body).toBe('é'.repeat(MAX_RESPONSE_BYTES / 2));
    // Well before the 15 s timeout, and the receiver sees the connection go.
    expect(result.durationMs).toBeLessThan(5_000);
    await endlessClosed;
  });

  it('leaves out a character the limit cuts in two', async () => {
    const oddLimit = new GuardedHttpClient(new OutboundAddressPolicy(['127.0.0.0/8']), {
      timeoutMs: 15_000,
      connectTimeoutMs: 1_000,
      maxResponseBytes: 1_001,
    });
    try {
      const result = await oddLimit.post(`${url}/endless`, '{}', {});
      expect(result.body).toBe('é'.repeat(500));
      expect(result.bodyTruncated).toBe(true);
    } finally {
      await oddLimit.destroy();
    }
  });
});
