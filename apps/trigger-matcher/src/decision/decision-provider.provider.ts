import type { Provider } from '@nestjs/common';
import { listOf } from '@app/config';
import { OutboundAddressPolicy, type DecisionProvider } from '@app/domain';
import { GuardedHttpClient } from '@app/http';
import { APP_CONFIG } from '@app/platform';
import type { TriggerMatcherConfig } from '../config';
import { CHAT_COMPLETION_MAX_RESPONSE_BYTES, ChatCompletionsDecisionProvider } from './chat-completions.provider';

export const DECISION_PROVIDER = Symbol('DECISION_PROVIDER');

/** The configured decision provider, or null (the default: intent matching decides). */
export const decisionProviderProvider: Provider = {
  provide: DECISION_PROVIDER,
  inject: [APP_CONFIG],
  useFactory: (config: TriggerMatcherConfig): DecisionProvider | null => {
    if (config.DECISION_PROVIDER_URL === '') return null;
    const http = new GuardedHttpClient(new OutboundAddressPolicy(listOf(config.OUTBOUND_ALLOWED_CIDRS)), {
      timeoutMs: config.DECISION_PROVIDER_TIMEOUT_MS,
      connectTimeoutMs: Math.min(config.DECISION_PROVIDER_TIMEOUT_MS, 5_000),
      maxResponseBytes: CHAT_COMPLETION_MAX_RESPONSE_BYTES,
    });
    return new ChatCompletionsDecisionProvider(http, {
      url: config.DECISION_PROVIDER_URL,
      model: config.DECISION_PROVIDER_MODEL,
      apiKey: config.DECISION_PROVIDER_API_KEY,
    });
  },
};
