import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { Topics, type ExecutionListView } from '@app/contracts';
import { createKafkaClient, createProducer } from '@app/kafka';
import {
  WebhookReceiver,
  issueTenantApiKey,
  messageCreatedEvent,
  waitFor,
  waitUntilApiKeyAccepted,
  workflowDefinitionsLoaded,
} from '@app/testing';

export interface DemoTargets {
  kafkaBrokers: string[];
  apiUrl: string;
  /** The operator token, to issue the demo tenant's API key. */
  adminToken: string;
  historyUrl: string;
  triggerMatcherUrl: string;
  actionDispatcherUrl: string;
  log: (line: string) => void;
}

/**
 * What a new user should see within a minute: a workflow created over HTTP, three sample
 * conversations published to Kafka (one that matches, one that does not, one malformed), the
 * signed webhook arriving at a local receiver, and the execution read back from history.
 */
export async function runDemo(targets: DemoTargets): Promise<void> {
  const { log } = targets;
  const receiver = new WebhookReceiver();
  const receiverUrl = `${await receiver.start()}/demo-hook`;
  log(`webhook receiver listening on ${receiverUrl}`);
  const run = randomUUID().slice(0, 8);
  // A tenant of its own per run: the workflows of earlier runs (whose receivers are gone) stay in
  // their tenants, where they cannot compete for this run's messages.
  const tenantId = `demo-${run}`;
  try {
    const apiKey = await issueTenantApiKey(targets.apiUrl, targets.adminToken, tenantId);
    await waitUntilApiKeyAccepted(
      [
        { name: 'api', url: targets.apiUrl },
        { name: 'history', url: targets.historyUrl },
      ],
      apiKey,
    );
    const authorization = `Bearer ${apiKey}`;
    log(`issued an API key for tenant "${tenantId}" with POST ${targets.apiUrl}/v1/admin/tenants/${tenantId}/api-keys`);
    const dataPlane = [targets.triggerMatcherUrl, targets.actionDispatcherUrl];
    const loadedBefore = await Promise.all(dataPlane.map(async (url) => (await workflowDefinitionsLoaded(url)) ?? 0));
    const response = await fetch(`${targets.apiUrl}/v1/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({
        name: 'Cancel subscription',
        trigger: { type: 'intent', phrases: ['I want to cancel', 'close my account', 'stop my subscription'] },
        action: { type: 'webhook', url: receiverUrl },
      }),
    });
    if (response.status !== 201)
      throw new Error(`creating the workflow failed: ${response.status} ${await response.text()}`);
    const workflow = (await response.json()) as { id: string; name: string; signingSecret: string };
    log(`created workflow "${workflow.name}" (${workflow.id}) with POST ${targets.apiUrl}/v1/workflows`);
    for (const [index, url] of dataPlane.entries()) {
      await waitFor(
        'the data plane to load the workflow',
        async () => ((await workflowDefinitionsLoaded(url)) ?? 0) > (loadedBefore[index] ?? 0) || undefined,
      );
    }

    const cancelling = messageCreatedEvent(tenantId, `demo-${run}-1`, "hi, I'd like to cancel my subscription please");
    const unrelated = messageCreatedEvent(tenantId, `demo-${run}-2`, 'What are your opening hours?');
    const kafka = createKafkaClient({
      brokers: targets.kafkaBrokers,
      clientId: 'demo',
      logger: pino({ level: 'warn' }),
    });
    const producer = createProducer(kafka);
    await producer.connect();
    const published = Date.now();
    await producer.send({
      topic: Topics.conversationEvents.name,
      acks: -1,
      messages: [
        { key: cancelling.subject, value: JSON.stringify(cancelling) },
        { key: unrelated.subject, value: JSON.stringify(unrelated) },
        { key: `demo-${run}-3`, value: '{"this is": not json' },
      ],
    });
    await producer.disconnect();
    log(`published 3 conversations to ${Topics.conversationEvents.name}:`);
    log(`  ${cancelling.subject}: "${cancelling.data.text}"  → should fire`);
    log(`  ${unrelated.subject}: "${unrelated.data.text}"  → should not fire`);
    log(`  demo-${run}-3: malformed JSON  → ${Topics.conversationEvents.name}.dlq`);

    const request = await waitFor('the webhook', () =>
      receiver.requests.find((r) => r.body.includes(cancelling.subject)),
    );
    const payload = new Webhook(workflow.signingSecret).verify(
      request.body,
      request.headers as Record<string, string>,
    ) as {
      data: { trigger: { phrase: string; score: number } };
    };
    log(
      `webhook received ${((request.receivedAt - published) / 1000).toFixed(2)} s after publishing: matched ` +
        `"${payload.data.trigger.phrase}" (score ${payload.data.trigger.score.toFixed(2)}), signature verified`,
    );
    const executionsUrl = `${targets.historyUrl}/v1/workflows/${workflow.id}/executions`;
    const [execution] = await waitFor('the execution in history', async () => {
      const body = (await (await fetch(executionsUrl, { headers: { authorization } })).json()) as ExecutionListView;
      return body.items.length > 0 ? body.items : undefined;
    });
    log(`history: GET ${executionsUrl} (header Authorization: Bearer <the tenant's API key>)`);
    log(`  → ${execution?.status}, ${execution?.attemptCount} attempt(s), ${execution?.latencyMs} ms`);
  } finally {
    await receiver.stop();
  }
}
