import { parseArgs } from 'node:util';
import pino from 'pino';
import { Topics, conversationStateValidator, type ConversationStateRecord } from '@app/contracts';
import {
  CompactedTopicView,
  PARTITION_KEY_HEADER,
  createProducer,
  jsonRecord,
  sendChunked,
  type Kafka,
} from '@app/kafka';
import {
  conversationIdOfStateKey,
  conversationStateKey,
  isNewerState,
  isStaleState,
} from '../apps/trigger-matcher/src/state/conversation-state.store';
import { log, machine, withBenchInfrastructure, writeResult } from './harness';

const USAGE = `usage: node --expose-gc dist/bench/state-restore.js [--conversations N] [--messages M] [--partitions P]

What trigger-matcher's conversation-state view costs (CONVERSATION_STATE_STANDBY): N conversation
states with M transcript messages each are written to the state topic (P partitions), then
  (a) standby all: a view reads every partition, as at start: time, and heap per state held;
  (b) standby none: a view follows one partition, as on a takeover: the time until it has caught
      up (what that partition's events wait for), and the heap it holds.
Prints both and writes bench/results/state-restore.json. Run with --expose-gc for heap figures.`;

function stateOf(index: number, messages: number, at: string): ConversationStateRecord {
  return {
    conversationId: `conv-${index}`,
    tenantId: `tenant-${index % 100}`,
    revision: 1,
    lastEventAt: at,
    transcript: Array.from({ length: messages }, (_, message) => ({
      role: message % 2 === 0 ? ('contact' as const) : ('ai' as const),
      text: `Message ${message} of conversation ${index}: I ordered a blue jacket last week and it has not arrived yet.`,
      time: at,
    })),
    failedAnswers: index % 3,
    firings: [{ workflowId: '00000000-0000-4000-8000-000000000001', at }],
    memory: { plan: index % 2 === 0 ? 'enterprise' : 'starter' },
    ended: false,
  };
}

/** The heap in use once garbage collection has nothing more to free (a stopped view's client lets go of it late). */
async function settledHeapBytes(): Promise<number | undefined> {
  if (typeof global.gc !== 'function') return undefined;
  let previous = Infinity;
  for (let round = 0; round < 20; round += 1) {
    global.gc();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(previous - used) < 2 ** 20) return used;
    previous = used;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return previous;
}

async function measureView(kafka: Kafka, name: string, follow: number | 'all') {
  const view = new CompactedTopicView<ConversationStateRecord>({
    kafka,
    topic: Topics.conversationState.name,
    validator: conversationStateValidator,
    name,
    logger: pino({ level: 'error' }),
    isNewer: isNewerState,
    isStale: isStaleState,
    partitions: follow === 'all' ? 'all' : 'on_request',
    partitionKeyOf: conversationIdOfStateKey,
  });
  const heapBefore = await settledHeapBytes();
  const started = performance.now();
  await view.start(600_000);
  if (follow !== 'all') {
    view.follow(follow);
    await view.catchUp(follow, 600_000);
  }
  const seconds = (performance.now() - started) / 1000;
  const heapAfter = await settledHeapBytes();
  const states = view.size;
  await view.stop();
  return {
    seconds,
    states,
    statesPerSecond: states / seconds,
    ...(heapBefore !== undefined && heapAfter !== undefined
      ? { heapMiB: (heapAfter - heapBefore) / 2 ** 20, heapBytesPerState: (heapAfter - heapBefore) / states }
      : {}),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      conversations: { type: 'string', default: '100000' },
      messages: { type: 'string', default: '10' },
      partitions: { type: 'string', default: '3' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const conversations = Number(values.conversations);
  const messages = Number(values.messages);
  const partitions = Number(values.partitions);
  if (!Number.isInteger(conversations) || conversations < 1)
    throw new Error('--conversations takes a positive integer');
  if (!Number.isInteger(messages) || messages < 0) throw new Error('--messages takes an integer ≥ 0');
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error('--partitions takes a positive integer');
  if (typeof global.gc !== 'function') log('no --expose-gc: heap figures left out');

  await withBenchInfrastructure(partitions, async ({ kafka, run }) => {
    const producer = createProducer(kafka);
    await producer.connect();
    const at = new Date().toISOString();
    const chunk = 5_000;
    let recordBytes = 0;
    for (let from = 0; from < conversations; from += chunk) {
      const records = Array.from({ length: Math.min(chunk, conversations - from) }, (_, i) => {
        const state = stateOf(from + i, messages, at);
        // Keyed and partitioned as trigger-matcher writes them (ConversationStateStore).
        return jsonRecord(
          Topics.conversationState.name,
          conversationStateKey(state.tenantId, state.conversationId),
          state,
          {
            'state-revision': String(state.revision),
            [PARTITION_KEY_HEADER]: state.conversationId,
          },
        );
      });
      recordBytes += records.reduce((sum, record) => sum + Buffer.byteLength(record.value as string), 0);
      await sendChunked(producer, records);
      log(`written ${Math.min(from + chunk, conversations)}/${conversations} states`);
    }
    await producer.disconnect();
    log(`${conversations} states of ~${Math.round(recordBytes / conversations)} bytes on ${partitions} partitions`);

    const all = await measureView(kafka, `bench-${run}-all`, 'all');
    log(`(a) standby all: ${all.states} states in ${all.seconds.toFixed(2)} s`);
    const one = await measureView(kafka, `bench-${run}-one`, 0);
    log(`(b) standby none, one partition taken over: ${one.states} states in ${one.seconds.toFixed(2)} s`);
    writeResult('state-restore', {
      benchmark: 'state-restore',
      date: new Date().toISOString(),
      machine: machine(),
      conversations,
      transcriptMessages: messages,
      partitions,
      bytesPerState: recordBytes / conversations,
      standbyAll: all,
      standbyNoneOnePartition: one,
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
