import type { DecisionProvider, DecisionRequest } from '@app/domain';
import type { GuardedHttpClient } from '@app/http';

export interface ChatCompletionsOptions {
  /** Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 (…/chat/completions is appended). */
  url: string;
  model: string;
  apiKey: string;
}

interface ToolCall {
  function?: { name?: string };
}

/** A completion naming a few tools is a few KiB: more than this is not read. */
export const CHAT_COMPLETION_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Asks any OpenAI-compatible chat-completions endpoint which workflows a message calls for: each
 * workflow is offered as a tool (named `workflow_<n>`, described by its name and example phrases);
 * the tools the model calls are the workflows chosen. Anything but a well-formed answer rejects,
 * and the engine falls back to intent matching.
 */
export class ChatCompletionsDecisionProvider implements DecisionProvider {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly options: ChatCompletionsOptions,
  ) {}

  async choose(request: DecisionRequest): Promise<string[]> {
    if (request.workflows.length === 0) return [];
    const toolName = (index: number) => `workflow_${index}`;
    const body = {
      model: this.options.model,
      temperature: 0,
      tool_choice: 'auto',
      messages: [
        {
          role: 'system',
          content:
            'You route customer-service messages to workflows. Call the tool of each workflow the ' +
            "customer's last message asks for, and none if it asks for none. Do not answer the customer.",
        },
        ...request.transcript.slice(-10).map((entry) => ({
          role: entry.role === 'contact' ? 'user' : 'assistant',
          content: entry.text,
        })),
        { role: 'user', content: request.message },
      ],
      tools: request.workflows.map((workflow, index) => ({
        type: 'function',
        function: {
          name: toolName(index),
          description: `${workflow.name}. For messages like: ${workflow.phrases.slice(0, 10).join(' | ')}`,
          parameters: { type: 'object', properties: {} },
        },
      })),
    };
    const result = await this.http.post(
      `${this.options.url.replace(/\/+$/, '')}/chat/completions`,
      JSON.stringify(body),
      {
        'content-type': 'application/json',
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
    );
    if (result.error !== undefined) throw new Error(`decision provider unreachable: ${result.error}`);
    if (result.statusCode !== 200) throw new Error(`decision provider answered HTTP ${result.statusCode}`);
    const calls = parseToolCalls(result.body ?? '');
    const chosen = calls.flatMap((name) => {
      const index = request.workflows.findIndex((_, candidate) => toolName(candidate) === name);
      const workflow = request.workflows[index];
      return workflow ? [workflow.id] : [];
    });
    // Calls of tools it was not offered only are no decision (not "none of them"): intent matching decides.
    if (calls.length > 0 && chosen.length === 0) {
      throw new Error(
        `decision provider called no tool it was offered (${calls.slice(0, 3).join(', ').slice(0, 200)})`,
      );
    }
    return chosen;
  }
}

function parseToolCalls(body: string): string[] {
  let parsed: { choices?: { message?: { tool_calls?: ToolCall[] } }[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new Error('decision provider answered with something that is not JSON');
  }
  const message = parsed.choices?.[0]?.message;
  if (!message) throw new Error('decision provider answered without choices[0].message');
  return (message.tool_calls ?? []).flatMap((call) => (call.function?.name ? [call.function.name] : []));
}
