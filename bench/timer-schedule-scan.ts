import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ConversationStateRecord, WorkflowDefinition } from '@app/contracts';
import { findRepoRoot } from '@app/infra';
import { TimerSchedule } from '../apps/trigger-matcher/src/timers/timer-schedule';

const USAGE = `usage: node dist/bench/timer-schedule-scan.js [--scans N]

The cost of trigger-matcher's timer schedule (one core, no I/O): every TIMER_TICK_INTERVAL_MS it
takes the due wake-ups from its queue. Measures one scan with nothing due (the steady state) and
the first scan after a workflow change (every due time recomputed, the queue rebuilt), for 10,000,
100,000 and 1,000,000 conversations, half of them waiting with a no_reply workflow of their tenant.
Prints a table and writes bench/results/timer-schedule-scan.json.`;

const SIZES = [10_000, 100_000, 1_000_000];
const TENANTS = 100;
const TICK_INTERVAL_MS = 1_000;

function main(): void {
  const { values } = parseArgs({ options: { scans: { type: 'string', default: '20' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const scans = Number(values.scans);
  if (!Number.isInteger(scans) || scans < 1) throw new Error('--scans must be a positive integer');
  const now = Date.parse('2026-11-24T10:00:00Z');
  const workflows = Array.from(
    { length: TENANTS },
    (_, tenant) =>
      ({
        id: `nudge-${tenant}`,
        tenantId: `tenant-${tenant}`,
        status: 'enabled',
        trigger: { type: 'no_reply', waitingFor: 'contact', seconds: 3600 },
      }) as WorkflowDefinition,
  );

  const results = SIZES.map((size) => {
    const schedule = new TimerSchedule({ idleSeconds: 7 * 24 * 3600, endedSeconds: 3600 });
    schedule.setWorkflows(workflows);
    for (let i = 0; i < size; i += 1) {
      const since = new Date(now - (i % 1800) * 1000).toISOString();
      const state: ConversationStateRecord = {
        conversationId: `conv-${i}`,
        tenantId: `tenant-${i % TENANTS}`,
        revision: 1,
        lastEventAt: since,
        transcript: [],
        failedAnswers: 0,
        firings: [],
        memory: {},
        ended: false,
        ...(i % 2 === 0 ? { waiting: { for: 'contact' as const, since, handled: [] } } : {}),
      };
      schedule.onStateChange(state.conversationId, state);
    }
    const owns = () => true;
    const timed = (scan: () => number) => {
      const started = performance.now();
      const due = scan();
      return { ms: performance.now() - started, due };
    };
    schedule.setWorkflows(workflows);
    const afterChange = timed(() => schedule.takeDue(now, owns, 10_000).length);
    let steadyMs = 0;
    for (let i = 0; i < scans; i += 1) steadyMs += timed(() => schedule.takeDue(now, owns, 10_000).length).ms;
    if (afterChange.due !== 0) throw new Error(`nothing should be due, ${afterChange.due} were`);
    const scanMs = steadyMs / scans;
    process.stderr.write(`[bench] ${size} conversations: ${scanMs.toFixed(2)} ms per scan\n`);
    return {
      conversations: size,
      scanMs,
      scanAfterWorkflowChangeMs: afterChange.ms,
      cpuShareAtDefaultInterval: scanMs / TICK_INTERVAL_MS,
    };
  });
  const report = {
    benchmark: 'timer-schedule-scan',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    tickIntervalMs: TICK_INTERVAL_MS,
    scans,
    results,
  };
  const file = path.join(findRepoRoot(), 'bench', 'results', 'timer-schedule-scan.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write('conversations  ms/scan  ms/scan after a workflow change  share of one core at 1 s ticks\n');
  for (const r of results) {
    process.stdout.write(
      `${String(r.conversations).padStart(13)}  ${r.scanMs.toFixed(2).padStart(7)}  ${r.scanAfterWorkflowChangeMs.toFixed(1).padStart(31)}  ${(r.cpuShareAtDefaultInterval * 100).toFixed(2).padStart(29)} %\n`,
    );
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`bench timer-schedule-scan failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
