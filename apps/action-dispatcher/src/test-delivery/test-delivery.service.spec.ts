import pino from 'pino';
import { loadConfig } from '@app/config';
import type { WorkflowDefinition } from '@app/contracts';
import { ConflictError, NotFoundError, type WorkflowDefinitions } from '@app/platform';
import { WebhookReceiver } from '@app/testing';
import { ActionDispatcherEnvSchema } from '../config';
import { TestDeliveryService } from './test-delivery.service';

const workflowId = '00000000-0000-4000-8000-0000000000aa';

describe('TestDeliveryService', () => {
  const receiver = new WebhookReceiver();
  let service: TestDeliveryService;
  const catchUps: string[] = [];
  let kafkaDown = false;

  beforeAll(async () => {
    const url = await receiver.start();
    receiver.script = () => ({ status: 200, delayMs: 300 });
    const definition = {
      id: workflowId,
      tenantId: 'acme',
      name: 'Cancel',
      version: 1,
      status: 'draft',
      trigger: { type: 'ai_request' },
      action: { type: 'webhook', url: `${url}/hooks/cancel` },
      firing: { mode: 'once_per_conversation' },
      signingSecret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
      updatedAt: '2026-12-07T09:00:00.000Z',
    } as WorkflowDefinition;
    // The view has the workflow only once it has read its partition up to now (created a moment ago),
    // unless Kafka does not answer: then it tries the version it had.
    let read = false;
    const definitions = {
      get: (id: string) => (read && id === workflowId ? definition : undefined),
      catchUpOn: async (id: string) => {
        catchUps.push(id);
        read = true;
        if (kafkaDown) await new Promise(() => undefined);
      },
    } as unknown as WorkflowDefinitions;
    const config = loadConfig(ActionDispatcherEnvSchema, { OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8' });
    service = new TestDeliveryService(definitions, config, pino({ level: 'silent' }));
  });

  afterAll(async () => {
    await service.beforeApplicationShutdown();
    await receiver.stop();
  });

  it('makes one test delivery of a workflow at a time', async () => {
    const first = service.send('acme', workflowId, {});
    await expect(service.send('acme', workflowId, {})).rejects.toThrow(ConflictError);
    await expect(first).resolves.toMatchObject({ delivered: true, attempt: { statusCode: 200 } });
    await expect(service.send('acme', workflowId.toUpperCase(), {})).resolves.toMatchObject({ delivered: true });
    expect(receiver.requests).toHaveLength(2);
  });

  it('reads the workflow as last published before trying it (just created, or just changed)', async () => {
    catchUps.length = 0;
    await expect(service.send('acme', workflowId.toUpperCase(), {})).resolves.toMatchObject({ delivered: true });
    // By the workflow's canonical id.
    expect(catchUps).toEqual([workflowId]);
  });

  it('tries the version it has when the definitions cannot be read up to date within 3 s', async () => {
    kafkaDown = true;
    try {
      await expect(service.send('acme', workflowId, {})).resolves.toMatchObject({ delivered: true });
    } finally {
      kafkaDown = false;
    }
  });

  it("answers not found for another tenant's workflow and for what is no workflow id", async () => {
    await expect(service.send('other', workflowId, {})).rejects.toThrow(NotFoundError);
    await expect(service.send('acme', 'not-a-uuid', {})).rejects.toThrow(NotFoundError);
  });
});
