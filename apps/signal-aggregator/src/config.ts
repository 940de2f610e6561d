import { Type, type Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';

export const SignalAggregatorEnvSchema = serviceEnvSchema(3004, {
  AGGREGATION_GRACE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 7 * 24 * 3600,
    default: 3600,
    description:
      'How long after its minute window ends a record is still counted (by its Kafka arrival time); later ones are dead-lettered as too_late.',
  }),
  COUNTED_RECORD_RETENTION_HOURS: Type.Integer({
    minimum: 1,
    maximum: 24 * 365,
    default: 168,
    description: 'How long the ids of counted records are remembered to refuse a second delivery.',
  }),
  PREVIEW_CONVERSATION_RETENTION_HOURS: Type.Integer({
    minimum: 1,
    maximum: 24 * 365,
    default: 168,
    description:
      'How long after its last event marked preview a conversation stays a preview one, whose detected intents are not counted.',
  }),
});
export type SignalAggregatorConfig = Static<typeof SignalAggregatorEnvSchema>;

/**
 * A record may be counted up to AGGREGATION_GRACE_SECONDS after its window ends: its id must be
 * remembered at least that long, or a second delivery within the grace, or a replay after the
 * grace was raised, would be counted again. (The defaults, and the largest grace with the default
 * retention, 7 days each, pass.)
 */
export function signalAggregatorConfigProblems(config: SignalAggregatorConfig): string[] {
  const graceHours = config.AGGREGATION_GRACE_SECONDS / 3600;
  return config.COUNTED_RECORD_RETENTION_HOURS * 3600 >= config.AGGREGATION_GRACE_SECONDS
    ? []
    : [
        `COUNTED_RECORD_RETENTION_HOURS (${config.COUNTED_RECORD_RETENTION_HOURS}) must cover AGGREGATION_GRACE_SECONDS ` +
          `(${config.AGGREGATION_GRACE_SECONDS} s, ${graceHours.toFixed(2)} h): a record counted within ` +
          'the grace could otherwise be counted again',
      ];
}
