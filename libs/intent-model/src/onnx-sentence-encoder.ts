import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { SentenceEncoder } from '@app/domain';
import * as ort from 'onnxruntime-node';

/** Longer texts are cut: intents are stated early, and attention cost grows with the square of the length. */
const MAX_TOKENS = 128;
/** Texts per model run when many are embedded at once (phrases at load time). */
const BATCH_SIZE = 32;

/**
 * A BERT-family sentence-embedding model in ONNX (bge-small-en-v1.5 int8 by default, see
 * libs/infra/src/intent-model.ts), run in-process by onnxruntime-node on the CPU, with the
 * model's own tokenizer.json read by @huggingface/tokenizers (pure JS). Vectors are the [CLS]
 * token's hidden state scaled to unit length — bge's pooling.
 */
export class OnnxSentenceEncoder implements SentenceEncoder {
  private constructor(
    readonly model: string,
    private readonly tokenizer: Tokenizer,
    private readonly session: ort.InferenceSession,
  ) {}

  /**
   * Loads `model.onnx` and `tokenizer.json` from `modelDir`. One intra-op thread: a service embeds
   * one message at a time, and its other cores serve other partitions.
   */
  static async load(modelDir: string, threads = 1): Promise<OnnxSentenceEncoder> {
    const tokenizerFile = path.join(modelDir, 'tokenizer.json');
    const tokenizerJson = await readFile(tokenizerFile, 'utf8').catch((error: Error) => {
      throw new Error(`cannot read the intent model in ${modelDir}: ${error.message}`);
    });
    let tokenizerConfig: object;
    try {
      tokenizerConfig = JSON.parse(tokenizerJson) as object;
    } catch (error) {
      throw new Error(`${tokenizerFile} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const tokenizer = new Tokenizer(tokenizerConfig, {});
    const session = await ort.InferenceSession.create(path.join(modelDir, 'model.onnx'), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OnnxSentenceEncoder(path.basename(modelDir), tokenizer, session);
  }

  async encode(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += BATCH_SIZE) {
      vectors.push(...(await this.encodeBatch(texts.slice(start, start + BATCH_SIZE))));
    }
    return vectors;
  }

  private async encodeBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const encoded = texts.map((text) => {
      const ids = this.tokenizer.encode(text).ids;
      // Cut in the middle of the sequence, keeping the closing [SEP].
      return ids.length > MAX_TOKENS ? [...ids.slice(0, MAX_TOKENS - 1), ids[ids.length - 1]!] : ids;
    });
    const rows = encoded.length;
    const width = Math.max(...encoded.map((ids) => ids.length));
    const inputIds = new BigInt64Array(rows * width);
    const attentionMask = new BigInt64Array(rows * width);
    encoded.forEach((ids, row) =>
      ids.forEach((id, column) => {
        inputIds[row * width + column] = BigInt(id);
        attentionMask[row * width + column] = 1n;
      }),
    );
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [rows, width]),
      attention_mask: new ort.Tensor('int64', attentionMask, [rows, width]),
    };
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(rows * width), [rows, width]);
    }
    const outputName = this.session.outputNames[0]!;
    const hidden = (await this.session.run(feeds, [outputName]))[outputName]!;
    const dimensions = hidden.dims[2]!;
    const data = hidden.data as Float32Array;
    return encoded.map((_, row) => {
      const start = row * width * dimensions; // the [CLS] token opens each row
      return unitLength(Float32Array.from(data.subarray(start, start + dimensions)));
    });
  }
}

function unitLength(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const value of vector) squares += value * value;
  const length = Math.sqrt(squares) || 1;
  for (let i = 0; i < vector.length; i += 1) vector[i]! /= length;
  return vector;
}
