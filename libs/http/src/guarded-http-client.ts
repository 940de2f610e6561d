import { lookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, request, errors } from 'undici';
import { OutboundAddressPolicy } from '@app/domain';

export interface HttpPostResult {
  statusCode?: number;
  headers?: Record<string, string | string[] | undefined>;
  /**
   * The response body (UTF-8), at most `maxResponseBytes` of it, any U+0000 in it replaced by
   * U+FFFD.
   */
  body?: string;
  /** The receiver sent more than `maxResponseBytes`: the rest was not read. */
  bodyTruncated?: boolean;
  /**
   * Why the body stopped short after the status and headers arrived (a timeout, the connection
   * closed): the status still counts, `body` holds what was read.
   */
  bodyIncomplete?: string;
  error?: string;
  /**
   * The request could not be made and no retry can succeed: the SSRF policy refused the address,
   * or the URL is not one that can be sent to (saved before URLs were checked as they are now).
   */
  refused?: boolean;
  durationMs: number;
}

class OutboundAddressRefused extends Error {
  constructor(reason: string) {
    super(`refused by the SSRF policy: ${reason}`);
    this.name = 'OutboundAddressRefused';
  }
}

/**
 * POSTs to external URLs through the SSRF policy. The policy is applied to the addresses the
 * connection actually uses (in the resolver the socket calls, and to IP literals, which skip it),
 * so a DNS answer that changes between a check and the connect cannot slip through. Redirects are
 * never followed.
 */
export class GuardedHttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly policy: OutboundAddressPolicy,
    private readonly options: {
      timeoutMs: number;
      connectTimeoutMs: number;
      /** How much of a response body is read: a receiver cannot make the engine read more. */
      maxResponseBytes: number;
    },
  ) {
    this.agent = new Agent({
      connect: {
        timeout: options.connectTimeoutMs,
        lookup: (hostname, lookupOptions, callback) => this.lookup(hostname, lookupOptions, callback),
      },
    });
  }

  async post(url: string, body: string, headers: Record<string, string>): Promise<HttpPostResult> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return { error: 'invalid URL: it cannot be parsed', refused: true, durationMs: elapsed() };
    }
    try {
      const hostname = target.hostname.replace(/^\[|\]$/g, '');
      if (isIP(hostname) !== 0) {
        const reason = this.policy.refusalReason(hostname);
        if (reason) throw new OutboundAddressRefused(reason);
      }
      const response = await request(url, {
        method: 'POST',
        body,
        headers,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      // HTTP/1.1 allows any three digits; beyond 599 a status means nothing, and records refuse it.
      if (response.statusCode > 599) {
        // Destroyed unread: the connection closes, and the abort it reports is expected.
        response.body.on('error', () => undefined).destroy();
        return { error: `invalid HTTP status ${response.statusCode}`, durationMs: elapsed() };
      }
      // The status is the receiver's answer: once it arrived, a body that stalls or is cut off
      // does not make the request a failure (a 2xx retried would be a duplicate delivery).
      const { text, truncated, incomplete } = await readAtMost(
        response.body,
        this.options.maxResponseBytes,
        this.options.timeoutMs,
      );
      return {
        statusCode: response.statusCode,
        headers: response.headers,
        // What a receiver answers ends up in records and in PostgreSQL, which refuse U+0000.
        body: text.replaceAll('\u0000', '\uFFFD'),
        ...(truncated ? { bodyTruncated: true } : {}),
        ...(incomplete !== undefined ? { bodyIncomplete: incomplete } : {}),
        durationMs: elapsed(),
      };
    } catch (error) {
      return { error: describe(error, this.options.timeoutMs), refused: isRefusal(error), durationMs: elapsed() };
    }
  }

  /** Waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Aborts requests in flight (they answer with an error) and closes the connections. */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }

  private lookup(
    hostname: string,
    options: { family?: number | string; all?: boolean },
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void {
    lookup(hostname, { family: Number(options.family) || 0, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const permitted = addresses.filter((candidate) => this.policy.refusalReason(candidate.address) === null);
      const first = permitted[0];
      if (!first) {
        const reasons = addresses.map((candidate) => this.policy.refusalReason(candidate.address)).join('; ');
        return callback(new OutboundAddressRefused(`${hostname} resolves only to refused addresses (${reasons})`), []);
      }
      if (options.all) return callback(null, permitted);
      callback(null, first.address, first.family);
    });
  }
}

/**
 * Reads a body up to `maxBytes` and decodes it as UTF-8 (a character cut at the limit is left
 * out). Past the limit it stops reading and destroys the body, which closes the connection: a
 * receiver that streams without end costs no more than the limit, instead of the whole timeout.
 */
/** At most `maxBytes` of the body; when reading it fails, what was read before, and why it stopped. */
async function readAtMost(
  body: Readable,
  maxBytes: number,
  timeoutMs: number,
): Promise<{ text: string; truncated: boolean; incomplete?: string }> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length > maxBytes) {
        body.destroy();
        const bytes = Buffer.concat(chunks).subarray(0, maxBytes);
        return { text: new TextDecoder().decode(bytes, { stream: true }), truncated: true };
      }
    }
  } catch (error) {
    return {
      text: new TextDecoder().decode(Buffer.concat(chunks), { stream: true }),
      truncated: false,
      incomplete: describe(error, timeoutMs),
    };
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated: false };
}

function isRefusal(error: unknown): boolean {
  return (
    error instanceof OutboundAddressRefused || (error instanceof Error && error.cause instanceof OutboundAddressRefused)
  );
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  if (error instanceof errors.ConnectTimeoutError) return 'connect timed out';
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof OutboundAddressRefused) return cause.message;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`.slice(0, 500);
  return String(cause).slice(0, 500);
}
