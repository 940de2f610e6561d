import { request as httpRequest, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Body, Controller, HttpCode, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pino from 'pino';
import request from 'supertest';
import { HttpErrorFilter } from './error.filter';
import { JSON_MEDIA_TYPES } from './request-body';

@Controller('v1/events')
class EchoController {
  @Post()
  @HttpCode(202)
  accept(@Body() body: Buffer): { bytes: number } {
    return { bytes: body.length };
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/** Bodies the body parser refuses before a controller sees them are the client's fault: 4xx, never 500. */
describe('HttpErrorFilter, with the body parser the services use', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const express = await NestFactory.create<NestExpressApplication>(EchoModule, { logger: false, bodyParser: false });
    express.useBodyParser('raw', { limit: '1kb', type: JSON_MEDIA_TYPES });
    express.useGlobalFilters(new HttpErrorFilter(pino({ level: 'silent' })));
    app = await express.init();
  });

  afterAll(async () => app?.close());

  const post = () => request(app.getHttpServer()).post('/v1/events').set('content-type', 'application/json');

  /** A gzip-encoded POST of these exact bytes (supertest would serialise a Buffer as JSON). */
  async function postGzip(bytes: Buffer): Promise<{ status: number; body: { error?: string; message?: string } }> {
    const server = app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return new Promise((resolve, reject) => {
      const headers = {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': bytes.length,
      };
      const sent = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/events', headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      });
      sent.on('error', reject);
      sent.end(bytes);
    });
  }

  it('accepts a body, gzipped or not', async () => {
    expect((await post().send('{"a":1}')).status).toBe(202);
    expect(await postGzip(gzipSync('{"a":1}'))).toEqual({ status: 202, body: { bytes: 7 } });
  });

  it.each([
    ['too large', () => post().send(`"${'x'.repeat(2_000)}"`), 413, 'too_large'],
    [
      'in an encoding it cannot decode',
      () => post().set('content-encoding', 'compress').send('{"a":1}'),
      415,
      'unsupported_encoding',
    ],
    ['a corrupt gzip stream', () => postGzip(Buffer.from('not gzip at all')), 400, 'invalid_body'],
    ['a truncated gzip stream', () => postGzip(gzipSync('{"a":1}').subarray(0, 12)), 400, 'invalid_body'],
  ])('refuses a body %s', async (_case, send, status, error) => {
    const answer = await send();
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
    expect(answer.body.message).toEqual(expect.any(String));
  });
});
