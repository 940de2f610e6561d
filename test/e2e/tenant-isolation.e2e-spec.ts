import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { ApiKeyListView, CreatedApiKeyView, ExecutionListView } from '@app/contracts';
import type { RunningServices, ServiceName } from '@app/infra';
import {
  WebhookReceiver,
  messageCreatedEvent,
  probeApiKey,
  probeAuthorization,
  startSystemUnderTest,
  tenantApiServices,
  waitFor,
  waitUntilApiKeyAccepted,
  type SystemUnderTest,
} from '@app/testing';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Tenancy with API keys, every service as a process: a key acts for its own tenant only (another
 * tenant's ids answer 404 on every route that takes one), keys are issued by the operator or the
 * tenant, revoked within about a second on every service, and never written to a log.
 */
describe('tenant isolation', () => {
  const receiver = new WebhookReceiver();
  let receiverUrl: string;
  let services: RunningServices;
  let system: SystemUnderTest;
  const owner = `tenant-${randomUUID().slice(0, 8)}`;
  const intruder = `tenant-${randomUUID().slice(0, 8)}`;
  /** Every key issued in this suite, to look for in the logs at the end. */
  const issuedKeys: string[] = [];

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    receiver.script = () => ({ status: 200 });
    system = await startSystemUnderTest({ suite: 'tenants' });
    ({ services } = system);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  async function headersOf(tenantId: string): Promise<Record<string, string>> {
    const headers = await system.tenantHeaders(tenantId);
    issuedKeys.push(headers.authorization!.replace(/^Bearer /, ''));
    return headers;
  }

  async function call(
    service: ServiceName,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${services.url(service)}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  }

  it("answers 404 to another tenant's workflows, executions and replays, and shows it none of its data", async () => {
    const ownerHeaders = await headersOf(owner);
    const intruderHeaders = await headersOf(intruder);
    const workflow = await system.createWorkflow(owner, {
      name: 'isolated',
      trigger: { type: 'intent', phrases: ['please run the isolated workflow'] },
      action: { type: 'webhook', url: `${receiverUrl}/hooks/isolated` },
    });
    const event = messageCreatedEvent(owner, `conv-${randomUUID()}`, 'please run the isolated workflow');
    const accepted = await call('ingest', 'POST', '/v1/events', ownerHeaders, event);
    expect(accepted.status).toBe(202);
    const [execution] = await waitFor('the execution in history', async () => {
      const { body } = await call('history', 'GET', `/v1/workflows/${workflow.id}/executions`, ownerHeaders);
      return (body as ExecutionListView).items.length > 0 ? (body as ExecutionListView).items : undefined;
    });
    const executionId = execution!.executionId;
    // The owner sees everything: the 404s below are about the tenant, not broken routes.
    expect((await call('api', 'GET', `/v1/workflows/${workflow.id}`, ownerHeaders)).status).toBe(200);
    expect((await call('history', 'GET', `/v1/executions/${executionId}`, ownerHeaders)).status).toBe(200);
    await waitFor('the owner’s execution aggregate', async () => {
      const { body } = await call('signal-aggregator', 'GET', '/v1/aggregates?series=workflow_execution', ownerHeaders);
      return (body.items as { name: string }[]).some((item) => item.name.startsWith(workflow.id)) ? true : undefined;
    });

    const since = new Date(Date.now() - 3_600_000).toISOString();
    const attempts: [ServiceName, string, string, unknown?][] = [
      ['api', 'GET', `/v1/workflows/${workflow.id}`],
      ['api', 'PATCH', `/v1/workflows/${workflow.id}`, { name: 'taken over' }],
      ['api', 'PATCH', `/v1/workflows/${workflow.id}`, { status: 'disabled' }],
      ['api', 'DELETE', `/v1/workflows/${workflow.id}`],
      ['api', 'GET', `/v1/workflows/${workflow.id}/versions`],
      ['api', 'GET', `/v1/workflows/${workflow.id}/versions/1`],
      ['api', 'GET', `/v1/workflows/${workflow.id}/tests`],
      [
        'api',
        'PUT',
        `/v1/workflows/${workflow.id}/tests`,
        { cases: [{ messages: [{ text: 'hi' }], expect: 'no_fire' }] },
      ],
      ['api', 'POST', `/v1/workflows/${workflow.id}/tests/run`],
      ['api', 'POST', `/v1/workflows/${workflow.id}/signing-secret/rotate`, {}],
      ['api', 'POST', '/v1/workflows/preview', { messages: [{ text: 'hello' }], workflowIds: [workflow.id] }],
      ['history', 'GET', `/v1/executions/${executionId}`],
      ['history', 'POST', `/v1/executions/${executionId}/replay`, { force: true }],
      ['history', 'GET', `/v1/workflows/${workflow.id}/executions`],
      ['history', 'GET', `/v1/workflows/${workflow.id}/stats`],
      ['history', 'POST', `/v1/workflows/${workflow.id}/replays`, { since }],
      ['action-dispatcher', 'POST', `/v1/workflows/${workflow.id}/test-delivery`, {}],
    ];
    for (const [service, method, path, body] of attempts) {
      const answer = await call(service, method, path, intruderHeaders, body);
      expect({ service, method, path, status: answer.status, error: answer.body?.error }).toEqual({
        service,
        method,
        path,
        status: 404,
        error: 'not_found',
      });
    }
    // Lists are the intruder's own: empty.
    expect((await call('api', 'GET', '/v1/workflows', intruderHeaders)).body).toEqual({ items: [] });
    expect((await call('history', 'GET', '/v1/executions', intruderHeaders)).body).toEqual({ items: [] });
    const intruderAggregates = await call(
      'signal-aggregator',
      'GET',
      '/v1/aggregates?series=workflow_execution',
      intruderHeaders,
    );
    expect(intruderAggregates.body.items).toEqual([]);
    // An event for another tenant is refused at ingest, naming the field.
    const foreignEvent = messageCreatedEvent(owner, `conv-${randomUUID()}`, 'please run the isolated workflow');
    const refused = await call('ingest', 'POST', '/v1/events', intruderHeaders, foreignEvent);
    expect(refused).toMatchObject({
      status: 400,
      body: { error: 'tenant_mismatch', issues: [{ field: '/tenantid', reason: "must be the API key's tenant" }] },
    });
    // Nothing changed for the owner.
    const unchanged = await call('api', 'GET', `/v1/workflows/${workflow.id}`, ownerHeaders);
    expect(unchanged.body).toMatchObject({ name: 'isolated', version: 1, status: 'enabled' });
  });

  it('keeps the conversations of two tenants apart when their platforms use the same conversation id', async () => {
    // Conversation ids are the platforms' own: "conv-1042" may exist at two tenants.
    const conversationId = `conv-shared-${randomUUID().slice(0, 8)}`;
    const headers = { [owner]: await headersOf(owner), [intruder]: await headersOf(intruder) };
    for (const tenantId of [owner, intruder]) {
      await system.createWorkflow(tenantId, {
        name: 'escalate after two failed answers',
        trigger: { type: 'failed_answers', count: 2 },
        action: { type: 'webhook', url: `${receiverUrl}/hooks/shared-escalate-${tenantId}` },
      });
      await system.createWorkflow(tenantId, {
        name: 'send the transcript',
        trigger: { type: 'intent', phrases: ['please send the shared transcript'] },
        action: { type: 'webhook', url: `${receiverUrl}/hooks/shared-transcript-${tenantId}` },
      });
    }
    const send = async (tenantId: string, text: string, role: 'contact' | 'ai', ai?: { answered: boolean }) => {
      const event = messageCreatedEvent(tenantId, conversationId, text);
      const body = { ...event, data: { ...event.data, role, ...(ai ? { ai } : {}) } };
      expect((await call('ingest', 'POST', '/v1/events', headers[tenantId]!, body)).status).toBe(202);
    };
    await send(owner, 'my account number is 12345678', 'contact');
    await send(owner, 'Sorry, I do not know', 'ai', { answered: false });
    await send(intruder, 'Sorry, I cannot tell', 'ai', { answered: false });
    await send(intruder, 'please send the shared transcript', 'contact');

    const [delivered] = await waitFor('the second tenant’s transcript webhook', () => {
      const found = receiver.requests.filter((request) => request.path === `/hooks/shared-transcript-${intruder}`);
      return found.length > 0 ? found : undefined;
    });
    const payload = JSON.parse(delivered!.body) as Json;
    expect(payload.data.tenantId).toBe(intruder);
    // Its transcript is its own conversation's: the other tenant's messages are not in it.
    expect((payload.data.conversation.transcript as { text: string }[]).map(({ text }) => text)).toEqual([
      'Sorry, I cannot tell',
      'please send the shared transcript',
    ]);
    // One failed answer each: neither conversation reached two.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.requests.filter((request) => request.path.startsWith('/hooks/shared-escalate-'))).toEqual([]);

    // So are their contacts' memories, under the same contact id.
    const contactId = `contact-shared-${randomUUID().slice(0, 8)}`;
    const memoryOf = async (tenantId: string) =>
      (await call('trigger-matcher', 'GET', `/v1/contacts/${contactId}/memory`, headers[tenantId]!)).body;
    const update = messageCreatedEvent(owner, conversationId, '');
    const memoryUpdate = {
      ...update,
      type: 'contact.memory.updated',
      data: { contact: { id: contactId }, attributes: { vip: true } },
    };
    expect((await call('ingest', 'POST', '/v1/events', headers[owner]!, memoryUpdate)).status).toBe(202);
    await waitFor("the owner's contact memory", async () =>
      (await memoryOf(owner)).attributes.vip ? true : undefined,
    );
    expect(await memoryOf(owner)).toEqual({
      contactId,
      attributes: { vip: { value: true, learntAt: update.time } },
    });
    expect(await memoryOf(intruder)).toEqual({ contactId, attributes: {} });
  });

  it('keeps every change as a version, and each execution names the version that ran', async () => {
    const headers = await headersOf(owner);
    const workflow = await system.createWorkflow(owner, {
      name: 'versioned',
      trigger: { type: 'intent', phrases: ['please run the versioned workflow'] },
      action: { type: 'webhook', url: `${receiverUrl}/hooks/versioned-1` },
      firing: { mode: 'every_time' },
    });
    const executionsOf = async () =>
      ((await call('history', 'GET', `/v1/workflows/${workflow.id}/executions`, headers)).body as ExecutionListView)
        .items;
    let lastFired = 0;
    /** Fires (at most once a second) until an execution of `version` is in history. */
    const executionOf = (version: number) =>
      waitFor(`an execution of version ${version}`, async () => {
        const found = (await executionsOf()).find((execution) => execution.workflowVersion === version);
        if (found) return found;
        if (Date.now() - lastFired > 1_000) {
          lastFired = Date.now();
          const event = messageCreatedEvent(owner, `conv-${randomUUID()}`, 'please run the versioned workflow');
          expect((await call('ingest', 'POST', '/v1/events', headers, event)).status).toBe(202);
        }
        return undefined;
      });
    expect((await executionOf(1)).status).toBe('succeeded');

    const changed = await call('api', 'PATCH', `/v1/workflows/${workflow.id}`, headers, {
      action: { type: 'webhook', url: `${receiverUrl}/hooks/versioned-2` },
      firing: { mode: 'cooldown', cooldownSeconds: 1 },
    });
    expect(changed.body).toMatchObject({ version: 2, firing: { mode: 'cooldown', cooldownSeconds: 1 } });
    expect((await executionOf(2)).status).toBe('succeeded');
    expect(receiver.requests.some((request) => request.path === '/hooks/versioned-2')).toBe(true);

    const versions = (await call('api', 'GET', `/v1/workflows/${workflow.id}/versions`, headers)).body;
    expect(versions.items.map((item: { version: number }) => item.version)).toEqual([2, 1]);
    expect(versions.items[1].definition).toMatchObject({
      name: 'versioned',
      version: 1,
      action: { url: `${receiverUrl}/hooks/versioned-1` },
    });
    expect(JSON.stringify(versions)).not.toContain('whsec_');
    const first = await call('api', 'GET', `/v1/workflows/${workflow.id}/versions/1`, headers);
    expect(first.body).toEqual(versions.items[1]);
    expect((await call('api', 'GET', `/v1/workflows/${workflow.id}/versions/3`, headers)).status).toBe(404);
    for (const version of ['first', '2147483648', '1e0', '0x1', '%201']) {
      expect(
        (await call('api', 'GET', `/v1/workflows/${workflow.id}/versions/${version}`, headers)).body,
      ).toMatchObject({
        issues: [{ field: 'path:version', reason: 'must be an integer from 1 to 2147483647' }],
      });
    }
    // Ids are compared as UUIDs, whatever their case; the urn: form is refused, naming the field.
    const previewOf = (workflowIds: string[]) =>
      call('api', 'POST', '/v1/workflows/preview', headers, { messages: [{ text: 'hello' }], workflowIds });
    const uppercase = await previewOf([workflow.id.toUpperCase()]);
    expect(uppercase.status).toBe(200);
    expect(uppercase.body.results[0].workflows.map((preview: { workflowId: string }) => preview.workflowId)).toEqual([
      workflow.id,
    ]);
    expect((await previewOf([`urn:uuid:${workflow.id}`])).body).toMatchObject({
      error: 'schema_violation',
      issues: [{ field: '/workflowIds/0', reason: 'must match format "uuid"' }],
    });

    // Disabled, then deleted: a new version each time, and then it is gone.
    const disabled = await call('api', 'PATCH', `/v1/workflows/${workflow.id}`, headers, { status: 'disabled' });
    expect(disabled.body).toMatchObject({ version: 3, status: 'disabled' });
    expect((await call('api', 'DELETE', `/v1/workflows/${workflow.id}`, headers)).status).toBe(204);
    expect((await call('api', 'GET', `/v1/workflows/${workflow.id}`, headers)).status).toBe(404);
    expect((await call('api', 'GET', `/v1/workflows/${workflow.id}/versions`, headers)).status).toBe(404);
    // Its history stays readable: an id no longer known answers from the tenant's own rows.
    await waitFor('history to forget the deleted definition', async () => {
      const { status, body } = await call('history', 'GET', `/v1/workflows/${workflow.id}/executions`, headers);
      return status === 200 && (body as ExecutionListView).items.length >= 2 ? true : undefined;
    });
    const stats = await call('history', 'GET', `/v1/workflows/${workflow.id}/stats`, headers);
    expect(stats).toMatchObject({ status: 200, body: { workflowId: workflow.id, succeeded: expect.any(Number) } });
  });

  it('lists workflows and versions a page at a time, and refuses a cursor it did not issue to that tenant', async () => {
    const tenant = `tenant-${randomUUID().slice(0, 8)}`;
    const headers = await headersOf(tenant);
    const create = async (name: string, status: string) =>
      (
        await call('api', 'POST', '/v1/workflows', headers, {
          name,
          status,
          trigger: { type: 'intent', phrases: [`please run the ${name} workflow`] },
          action: { type: 'tag', signals: [{ name }] },
        })
      ).body.id as string;
    const ids: string[] = [];
    for (let index = 0; index < 5; index++)
      ids.push(await create(`paged-${index}`, index === 2 ? 'disabled' : 'draft'));

    const pages = async (path: string, limit: number): Promise<Json[]> => {
      const found: Json[] = [];
      let cursor: string | undefined;
      do {
        const separator = path.includes('?') ? '&' : '?';
        const query = `${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await call('api', 'GET', `${path}${query}`, headers);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        found.push(page.body);
        cursor = page.body.nextCursor;
      } while (cursor);
      return found;
    };
    const everyPage = await pages('/v1/workflows', 2);
    expect(everyPage.map((page) => page.items.map((item: { id: string }) => item.id))).toEqual([
      ids.slice(0, 2),
      ids.slice(2, 4),
      ids.slice(4),
    ]);
    expect((await call('api', 'GET', '/v1/workflows', headers)).body).toEqual({
      items: everyPage.flatMap((page) => page.items),
    });
    const drafts = await pages('/v1/workflows?status=draft', 3);
    expect(drafts.flatMap((page) => page.items.map((item: { id: string }) => item.id))).toEqual(
      ids.filter((_, index) => index !== 2),
    );

    // The last workflow of a page, deleted meanwhile, still marks where the next page starts.
    const [firstPage] = everyPage;
    expect((await call('api', 'DELETE', `/v1/workflows/${ids[1]}`, headers)).status).toBe(204);
    const afterDeleted = await call('api', 'GET', `/v1/workflows?limit=2&cursor=${firstPage.nextCursor}`, headers);
    expect(afterDeleted.body.items.map((item: { id: string }) => item.id)).toEqual(ids.slice(2, 4));

    // Versions, newest first.
    for (let change = 0; change < 4; change++) {
      expect(
        (await call('api', 'PATCH', `/v1/workflows/${ids[0]}`, headers, { name: `renamed-${change}` })).status,
      ).toBe(200);
    }
    const versionPages = await pages(`/v1/workflows/${ids[0]}/versions`, 2);
    expect(versionPages.map((page) => page.items.map((item: { version: number }) => item.version))).toEqual([
      [5, 4],
      [3, 2],
      [1],
    ]);

    // Cursors are the list's and the tenant's own; bad paging names the field.
    const versionCursor = versionPages[0].nextCursor as string;
    const refused = [
      ['/v1/workflows?cursor=bm90IGEgY3Vyc29y', 'query:cursor', 'is not a cursor of this list'],
      [`/v1/workflows?cursor=${versionCursor}`, 'query:cursor', 'is not a cursor of this list'],
      [
        `/v1/workflows/${ids[0]}/versions?cursor=${firstPage.nextCursor}`,
        'query:cursor',
        'is not a cursor of this list',
      ],
      ['/v1/workflows?limit=501', 'query:limit', 'must be an integer from 1 to 500'],
      ['/v1/workflows?status=live', 'query:status', 'must be one of enabled, draft, disabled'],
    ];
    for (const [path, field, reason] of refused) {
      const answer = await call('api', 'GET', path!, headers);
      expect({ path, status: answer.status, issues: answer.body.issues }).toEqual({
        path,
        status: 400,
        issues: [{ field, reason }],
      });
    }
    const intruderHeaders = await headersOf(intruder);
    const foreign = await call('api', 'GET', `/v1/workflows?cursor=${firstPage.nextCursor}`, intruderHeaders);
    expect(foreign).toMatchObject({ status: 400, body: { issues: [{ field: 'query:cursor' }] } });
  });

  it('answers 401 without a valid key on every service, and to a revoked key within about a second', async () => {
    const tenantServices = tenantApiServices(services.services);
    expect(tenantServices.map((service) => service.name).sort()).toEqual([
      'action-dispatcher',
      'api',
      'history',
      'ingest',
      'signal-aggregator',
      'trigger-matcher',
    ]);
    const unknownKey = `awk_${'a'.repeat(12)}_${'b'.repeat(43)}`;
    for (const authorization of [undefined, 'Basic Zm9vOmJhcg==', `Bearer ${unknownKey}`, 'Bearer not-a-key']) {
      expect([authorization, await probeAuthorization(tenantServices, authorization)]).toEqual([
        authorization,
        {
          api: 401,
          ingest: 401,
          history: 401,
          'signal-aggregator': 401,
          'trigger-matcher': 401,
          'action-dispatcher': 401,
        },
      ]);
    }
    const anonymous = await call('history', 'GET', `/v1/executions/${randomUUID()}`, {});
    expect(anonymous).toMatchObject({ status: 401, body: { error: 'unauthenticated' } });
    for (const service of tenantServices) {
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      expect((await fetch(`${service.url}/metrics`)).status).toBe(200);
    }

    // The operator issues a key; it is shown once, listed by prefix only, and works everywhere.
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    const adminPath = `/v1/admin/tenants/${tenantId}/api-keys`;
    expect((await call('api', 'POST', adminPath, {})).status).toBe(401);
    expect((await call('api', 'POST', adminPath, await headersOf(intruder))).status).toBe(401);
    expect((await call('api', 'POST', '/v1/admin/tenants/not%20valid/api-keys', system.adminHeaders())).body).toEqual(
      expect.objectContaining({ issues: [{ field: 'path:tenantId', reason: 'must match ^[A-Za-z0-9_-]{1,64}$' }] }),
    );
    const issued = await call('api', 'POST', adminPath, system.adminHeaders());
    expect(issued.status).toBe(201);
    const created = issued.body as CreatedApiKeyView;
    issuedKeys.push(created.key);
    expect(created).toMatchObject({ tenantId, prefix: `awk_${created.id}`, revokedAt: null });
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const listed = (await call('api', 'GET', adminPath, system.adminHeaders())).body as ApiKeyListView;
    expect(listed.items).toEqual([
      { id: created.id, tenantId, prefix: created.prefix, createdAt: created.createdAt, revokedAt: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    await waitUntilApiKeyAccepted(tenantServices, created.key);

    // The tenant issues itself a second key with the first; another tenant cannot revoke it.
    const keyHeaders = { authorization: `Bearer ${created.key}` };
    const second = (await call('api', 'POST', '/v1/api-keys', keyHeaders)).body as CreatedApiKeyView;
    issuedKeys.push(second.key);
    expect(second.tenantId).toBe(tenantId);
    expect((await call('api', 'DELETE', `/v1/api-keys/${second.id}`, await headersOf(intruder))).status).toBe(404);
    expect((await call('api', 'GET', '/v1/api-keys', keyHeaders)).body.items).toHaveLength(2);

    // Revoked: every service refuses it within about a second; the other key still works.
    await waitUntilApiKeyAccepted(tenantServices, second.key);
    expect((await call('api', 'DELETE', `${adminPath}/${created.id}`, system.adminHeaders())).status).toBe(204);
    const revokedAt = Date.now();
    await waitFor(
      'every service to refuse the revoked key',
      async () => {
        const statuses = await probeApiKey(tenantServices, created.key);
        return Object.values(statuses).every((status) => status === 401) ? true : undefined;
      },
      5_000,
    );
    const tookMs = Date.now() - revokedAt;
    process.stderr.write(`[e2e tenants] a revoked key was refused by every service after ${tookMs} ms\n`);
    expect(tookMs).toBeLessThan(1_500);
    const refused = await call('ingest', 'POST', '/v1/events', keyHeaders, {});
    expect(refused).toMatchObject({
      status: 401,
      body: { error: 'unauthenticated', message: `API key ${created.id} is revoked` },
    });
    expect(Object.values(await probeApiKey(tenantServices, second.key)).every((status) => status !== 401)).toBe(true);
    const afterRevocation = (await call('api', 'GET', adminPath, system.adminHeaders())).body as ApiKeyListView;
    expect(afterRevocation.items.find((item) => item.id === created.id)?.revokedAt).toEqual(expect.any(String));
  });

  it('never writes an API key or the operator token to a log', () => {
    expect(issuedKeys.length).toBeGreaterThanOrEqual(4);
    const operatorToken = system.adminHeaders().authorization!.replace(/^Bearer /, '');
    for (const service of services.services) {
      const log = readFileSync(service.logFile, 'utf8');
      expect(log.length).toBeGreaterThan(0);
      for (const secret of [...issuedKeys, operatorToken]) {
        expect({ log: service.logFile, leaks: log.includes(secret) }).toEqual({ log: service.logFile, leaks: false });
      }
    }
  });
});
