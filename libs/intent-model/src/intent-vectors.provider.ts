import { Global, Module, type Provider } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { APP_CONFIG } from '@app/platform';
import { IntentVectors } from './intent-vectors';
import { OnnxSentenceEncoder } from './onnx-sentence-encoder';

export const INTENT_VECTORS = Symbol('INTENT_VECTORS');

/** The env variable of the services that match intent triggers (trigger-matcher, api, history). */
export const IntentModelEnv = {
  INTENT_MODEL_DIR: Type.String({
    default: '.data/cache/bge-small-en-v1.5-q',
    description:
      'Folder with model.onnx and tokenizer.json of the intent model (fetched by npm start / npm test); empty: off, intent triggers only match phrases with the same words.',
  }),
};

/** The intent model loaded at start-up (a missing model fails the start, naming the folder), or null when switched off. */
export const intentVectorsProvider: Provider = {
  provide: INTENT_VECTORS,
  inject: [APP_CONFIG],
  useFactory: async (config: { INTENT_MODEL_DIR: string }): Promise<IntentVectors | null> =>
    config.INTENT_MODEL_DIR === ''
      ? null
      : new IntentVectors(
          await OnnxSentenceEncoder.load(config.INTENT_MODEL_DIR).catch((error: Error) => {
            throw new Error(`${error.message} (INTENT_MODEL_DIR)`);
          }),
        ),
};

/** Loads the model once per process and lends it to every module that matches intents. */
@Global()
@Module({ providers: [intentVectorsProvider], exports: [INTENT_VECTORS] })
export class IntentModelModule {}
