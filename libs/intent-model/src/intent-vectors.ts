import type { CandidateWorkflow, IntentSemantics, PhraseVectors, SentenceEncoder } from '@app/domain';

/** Distinct phrases kept with their vectors (1.5 KiB each), across tenants and definition changes. */
const PHRASE_CACHE_SIZE = 200_000;
/** Recent messages kept with their vectors: short replies ("yes", "thanks") recur across conversations. */
const MESSAGE_CACHE_SIZE = 1_000;

/**
 * Embeds for the intent matcher: the phrases of a set of workflows (each distinct text once,
 * reused across rebuilds) and contact messages (a small cache of recent ones). The domain compares
 * the vectors; this class only produces them.
 */
export class IntentVectors {
  private readonly phraseCache = new Map<string, Float32Array>();
  private readonly messageCache = new Map<string, Float32Array>();

  constructor(readonly encoder: SentenceEncoder) {}

  /**
   * Vectors of every example and negative phrase of the workflows' intent triggers. Phrases
   * embedded by an earlier call are reused (the cache starts over when full).
   */
  async phraseVectorsOf(workflows: Iterable<CandidateWorkflow>): Promise<PhraseVectors> {
    const phrases = new Set<string>();
    for (const { trigger } of workflows) {
      if (trigger.type !== 'intent') continue;
      for (const phrase of [...trigger.phrases, ...(trigger.negativePhrases ?? [])]) phrases.add(phrase);
    }
    const vectors = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const phrase of phrases) {
      const cached = this.phraseCache.get(phrase);
      if (cached) vectors.set(phrase, cached);
      else missing.push(phrase);
    }
    const embedded = await this.encoder.encode(missing);
    if (this.phraseCache.size + missing.length > PHRASE_CACHE_SIZE) this.phraseCache.clear();
    missing.forEach((phrase, index) => {
      vectors.set(phrase, embedded[index]!);
      this.phraseCache.set(phrase, embedded[index]!);
    });
    return vectors;
  }

  async messageVector(text: string): Promise<Float32Array> {
    const cached = this.messageCache.get(text);
    if (cached) {
      // Map order is insertion order: re-inserting makes it the most recent.
      this.messageCache.delete(text);
      this.messageCache.set(text, cached);
      return cached;
    }
    const [vector] = await this.encoder.encode([text]);
    if (this.messageCache.size >= MESSAGE_CACHE_SIZE) this.messageCache.delete(this.messageCache.keys().next().value!);
    this.messageCache.set(text, vector!);
    return vector!;
  }

  /**
   * What `judgeConversation` looks up for each contact message of a conversation (its
   * `semanticsOf`): every distinct text embedded once, all with the same phrase vectors.
   */
  async semanticsByText(texts: Iterable<string>, phrases: PhraseVectors): Promise<Map<string, IntentSemantics>> {
    const semantics = new Map<string, IntentSemantics>();
    for (const text of texts) {
      if (!semantics.has(text)) semantics.set(text, { message: await this.messageVector(text), phrases });
    }
    return semantics;
  }

  /** What `explainWorkflows` needs to compare a message with the workflows' phrases by meaning. */
  async semanticsFor(text: string, workflows: Iterable<CandidateWorkflow>): Promise<IntentSemantics> {
    return { message: await this.messageVector(text), phrases: await this.phraseVectorsOf(workflows) };
  }
}
