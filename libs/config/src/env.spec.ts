import { Type } from '@sinclair/typebox';
import { ConfigurationError, kafkaBrokers, loadConfig, serviceEnvSchema } from './env';

const schema = serviceEnvSchema(3001, {
  RETRY_LIMIT: Type.Integer({ minimum: 0, default: 3 }),
  RETRY_SCHEDULE: Type.String({ default: '0,5s' }),
});

describe('loadConfig', () => {
  it('applies documented defaults and coerces numbers', () => {
    const config = loadConfig(schema, { HTTP_PORT: '4001' });
    expect(config.HTTP_PORT).toBe(4001);
    expect(config.RETRY_LIMIT).toBe(3);
    expect(config.LOG_LEVEL).toBe('info');
    expect(kafkaBrokers({ KAFKA_BROKERS: 'a:9092, b:9092,' })).toEqual(['a:9092', 'b:9092']);
  });

  it('keeps an empty value where a text variable accepts one, and uses the default where it does not', () => {
    const config = loadConfig(schema, { RETRY_SCHEDULE: '', RETRY_LIMIT: '', KAFKA_BROKERS: '' });
    expect(config.RETRY_SCHEDULE).toBe('');
    expect(config.RETRY_LIMIT).toBe(3);
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:19092');
  });

  it('lists every invalid variable with its value', () => {
    expect(() => loadConfig(schema, { HTTP_PORT: 'eighty', RETRY_LIMIT: '-1', LOG_LEVEL: 'loud' })).toThrow(
      ConfigurationError,
    );
    try {
      loadConfig(schema, { HTTP_PORT: 'eighty', RETRY_LIMIT: '-1' });
    } catch (error) {
      const { problems } = error as ConfigurationError;
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^HTTP_PORT: .*"eighty"/),
          expect.stringMatching(/^RETRY_LIMIT: .*"-1"/),
        ]),
      );
    }
  });
});
