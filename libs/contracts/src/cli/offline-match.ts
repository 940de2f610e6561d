import { parseArgs } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { NamedValues } from '../schema-helpers';
import { WorkflowViewSchema } from '../api/workflows.api';
import { SampleMessageFields } from '../events/conversation-event.v1';
import { compileValidator, parseJson } from '../validation';
import { ActionSchema, FiringPolicySchema, TriggerSchema, WorkflowStatusSchema } from '../workflows/workflow.v1';

/**
 * Something the offline `match` CLI cannot work with (its command line, its workflows file): it
 * exits 2 with the reason on standard error.
 */
export class OfflineMatchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfflineMatchUsageError';
  }
}

const matchOptions = {
  workflows: { type: 'string', short: 'w' },
  messages: { type: 'string', short: 'm' },
  model: { type: 'string' },
  explain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What a valid `match` command line asks for. */
export type MatchCommandLine =
  { help: true } | { help: false; workflows: string; messages: string; model: string | undefined; explain: boolean };

/**
 * Reads the `match` command line (the arguments after the script). node's strict parseArgs throws a
 * TypeError for an unknown option or a missing value, with a reason of up to three lines; parsing
 * leniently and checking every option here instead makes each bad command line an
 * OfflineMatchUsageError with a one-line reason naming the option as it was written.
 */
export function parseMatchCommandLine(args: string[]): MatchCommandLine {
  const { tokens } = parseArgs({ args, options: matchOptions, strict: false, allowPositionals: true, tokens: true });
  const values: { workflows?: string; messages?: string; model?: string } = {};
  const positionals: string[] = [];
  const flags = { help: false, explain: false };
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    if (!Object.hasOwn(matchOptions, token.name)) throw new OfflineMatchUsageError(`unknown option ${token.rawName}`);
    const name = token.name as keyof typeof matchOptions;
    if (name === 'help' || name === 'explain') {
      if (token.value !== undefined) throw new OfflineMatchUsageError(`${token.rawName} takes no value`);
      flags[name] = true;
      continue;
    }
    if (!token.value) throw new OfflineMatchUsageError(`${token.rawName} needs a value`);
    // `--workflows --messages m.jsonl` forgot the value; a value that starts with a dash can be
    // given inline. A lone "-" (standard input) is a value.
    if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      // Only the long form takes `=value` (`-w=x` would read as the value "=x").
      throw new OfflineMatchUsageError(
        `${token.rawName} needs a value, not ${token.value} (write --${name}=${token.value} if that is it)`,
      );
    }
    values[name] = token.value;
  }
  if (flags.help) return { help: true };
  const [command, ...extra] = positionals;
  if (command !== 'match') {
    throw new OfflineMatchUsageError(command ? `unknown command "${command}"` : 'missing command "match"');
  }
  if (extra.length > 0) throw new OfflineMatchUsageError(`unexpected argument "${extra[0]}"`);
  if (!values.workflows) throw new OfflineMatchUsageError('--workflows is required');
  if (!values.messages) throw new OfflineMatchUsageError('--messages is required');
  return {
    help: false,
    workflows: values.workflows,
    messages: values.messages,
    model: values.model,
    explain: flags.explain,
  };
}

/**
 * A workflow as the offline `match` CLI reads it: the API's own shape (so an export of
 * GET /v1/workflows can be fed as it is), where only `trigger` is required. Defaults: `id` =
 * its position (`workflow-1`, …), `name` = the id, `status` = enabled, no action, no priority.
 */
export const OfflineWorkflowSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(WorkflowStatusSchema),
    trigger: TriggerSchema,
    action: Type.Optional(ActionSchema),
    // Its priority orders `fired` as the engine orders firings.
    firing: Type.Optional(FiringPolicySchema),
  },
  { additionalProperties: true },
);
export type OfflineWorkflow = Static<typeof OfflineWorkflowSchema>;
const OfflineWorkflowListSchema = Type.Array(OfflineWorkflowSchema, { maxItems: 100_000 });
const offlineWorkflowListValidator = compileValidator(OfflineWorkflowListSchema);
// GET /v1/workflows answers a page, `{ "items": [...] }`; its other fields are no concern here.
const offlineWorkflowPageValidator = compileValidator(
  Type.Object({ items: OfflineWorkflowListSchema }, { additionalProperties: true }),
);
const anyJsonValidator = compileValidator(Type.Unknown());

/**
 * Reads a workflows file: a JSON array of workflows, or an object with an `items` array (the
 * answer of GET /v1/workflows; `morePages` when it is a page with a `nextCursor`, so that later
 * pages' workflows are missing). An invalid one is an InvalidInputError whose issues name the field
 * as it is in the file (`/1/trigger/…`, `/items/1/trigger/…`).
 */
export function parseOfflineWorkflows(text: string): { workflows: OfflineWorkflow[]; morePages: boolean } {
  const file = parseJson(text, anyJsonValidator);
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    return { workflows: offlineWorkflowListValidator.parse(file), morePages: false };
  }
  const page = offlineWorkflowPageValidator.parse(file);
  return { workflows: page.items, morePages: typeof (file as { nextCursor?: unknown }).nextCursor === 'string' };
}

/** One line of the messages file: a contact's message, with what is known of the contact. */
export const OfflineMessageSchema = Type.Object(
  {
    id: Type.Union([Type.String(), Type.Number()]),
    ...SampleMessageFields,
    memory: Type.Optional(NamedValues(Type.Unknown())),
  },
  { additionalProperties: true },
);
export type OfflineMessage = Static<typeof OfflineMessageSchema>;
export const offlineMessageValidator = compileValidator(OfflineMessageSchema);

/**
 * Fields of a message line, or of a workflow (those of the API's workflow view too, so that the
 * answer of GET /v1/workflows reads as it is), that the CLI does not read. Not refused (a file may
 * carry its own labels beside them), but named on standard error: a misspelt `memroy` or `stauts`
 * would otherwise be dropped without a word.
 */
export function unreadFields(value: object, of: 'message' | 'workflow'): string[] {
  const known = of === 'message' ? OFFLINE_MESSAGE_FIELDS : OFFLINE_WORKFLOW_FIELDS;
  return Object.keys(value).filter((field) => !known.has(field));
}
const OFFLINE_MESSAGE_FIELDS = new Set(Object.keys(OfflineMessageSchema.properties));
const OFFLINE_WORKFLOW_FIELDS = new Set([
  ...Object.keys(OfflineWorkflowSchema.properties),
  ...Object.keys(WorkflowViewSchema.properties),
]);

/**
 * Whether a line of the messages file holds a message. Blank and whitespace-only lines (a final
 * newline, spacing between groups) do not: they get no output line and are not counted as
 * messages, but keep their place in the line numbers that errors report.
 */
export function holdsOfflineMessage(line: string): boolean {
  return line.trim() !== '';
}
