export { OnnxSentenceEncoder } from './onnx-sentence-encoder';
export { IntentVectors } from './intent-vectors';
export { INTENT_VECTORS, IntentModelEnv, IntentModelModule } from './intent-vectors.provider';
