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
      if (request.url === '/status-999') {
        response.writeHead(999).end('?');
        return;
      }
      if (request.url === '/stalls') {
        // The answer, then part of the body, then nothing: the client's total timeout ends the read.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"order": "cancel');
        return;
      }
      if (request.url === '/cut') {
        // A body shorter than its declared length, then the connection closed.
        response.writeHead(200, { 'content-length': '100' });
        response.write('{"order"');
        setTimeout(() => response.destroy(), 50);
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

  it('answers a status beyond 599 as an error to retry, without a status code', async () => {
    const result = await client.post(`${url}/status-999`, '{}', {});
    expect(result).toMatchObject({ error: 'invalid HTTP status 999' });
    expect(result.statusCode).toBeUndefined();
    expect(result.refused).toBeUndefined();
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

  it.each([
    ['stalls', /timed out after 500 ms/],
    ['is cut off', /other side closed|terminated/i],
  ])('keeps the 2xx status when the body then %s, with what was read and why it stopped', async (ending, why) => {
    const quick = new GuardedHttpClient(new OutboundAddressPolicy(['127.0.0.0/8']), {
      timeoutMs: 500,
      connectTimeoutMs: 1_000,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    try {
      const result = await quick.post(`${url}/${ending === 'stalls' ? 'stalls' : 'cut'}`, '{}', {});
      expect(result).toMatchObject({ statusCode: 200, bodyIncomplete: expect.stringMatching(why) });
      expect(result.error).toBeUndefined();
      expect(result.body).toMatch(/^\{"order"/);
    } finally {
      await quick.destroy();
    }
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

/** The SSRF guard on a name, not an address literal: checked on the addresses it resolves to, at connect time. */
describe('GuardedHttpClient refusing addresses', () => {
  let server: http.Server;
  let port: number;
  let received = 0;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      received += 1;
      request.resume();
      response.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a host name that resolves to loopback, without a request, unless its subnet is allowed', async () => {
    const limits = { timeoutMs: 5_000, connectTimeoutMs: 1_000, maxResponseBytes: MAX_RESPONSE_BYTES };
    const guarded = new GuardedHttpClient(new OutboundAddressPolicy([]), limits);
    const allowing = new GuardedHttpClient(new OutboundAddressPolicy(['127.0.0.0/8']), limits);
    try {
      const refused = await guarded.post(`http://localhost:${port}/hook`, '{}', {});
      expect(refused.refused).toBe(true);
      expect(refused.statusCode).toBeUndefined();
      expect(refused.error).toMatch(/127\.0\.0\.1|::1/);
      expect(received).toBe(0);
      expect((await allowing.post(`http://localhost:${port}/hook`, '{}', {})).statusCode).toBe(200);
      expect(received).toBe(1);
    } finally {
      await guarded.destroy();
      await allowing.destroy();
    }
  });

  it('refuses a URL it cannot parse (saved before URLs were checked) as final, not as a network error to retry', async () => {
    const client = new GuardedHttpClient(new OutboundAddressPolicy(['127.0.0.0/8']), {
      timeoutMs: 5_000,
      connectTimeoutMs: 1_000,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    try {
      const result = await client.post(`http://127.0.0.1:99999/hook`, '{}', {});
      expect(result).toMatchObject({ refused: true, error: 'invalid URL: it cannot be parsed' });
    } finally {
      await client.destroy();
    }
  });
});
