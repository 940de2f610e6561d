/**
 * Text → unit-length vector, so that the dot product of two vectors says how alike the two texts
 * mean (cosine similarity). Embedding runs a model, so it is asynchronous and lives outside the
 * domain (libs/intent-model); the domain only compares the vectors it is handed.
 */
export interface SentenceEncoder {
  /** Names the model, e.g. in benchmark reports. */
  readonly model: string;
  encode(texts: readonly string[]): Promise<Float32Array[]>;
}

/** The vectors of intent phrases (examples and negatives), by phrase text. */
export type PhraseVectors = ReadonlyMap<string, Float32Array>;

/** What the intent matcher needs to compare a message with phrases by meaning. */
export interface IntentSemantics {
  /** Absent when the message was not embedded (a phrase with its very words made it needless). */
  message?: Float32Array;
  /** Also what thresholds are calibrated on, so present whenever a model is loaded. */
  phrases: PhraseVectors;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += a[i]! * b[i]!;
  return sum;
}
