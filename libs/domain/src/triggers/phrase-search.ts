import { cosine } from './sentence-encoder';

export interface SearchablePhrase<O> {
  vector: Float32Array;
  owner: O;
  /** The owner is found when the query is at least this similar to the phrase. */
  threshold: number;
}

/** Up to this many phrases, a query is compared with every one: exact, and cheap enough. */
export const EXACT_SCAN_LIMIT = 4_096;
/** Clusters a query visits in a larger set; with √n clusters, it compares ~16·√n phrases. */
export const CLUSTERS_PROBED = 16;
const CLUSTERING_ROUNDS = 4;
const ROUNDING = 1e-4;
/** Phrases sampled per cluster to place the cluster centres. */
const SAMPLE_PER_CLUSTER = 32;

/**
 * Which owners have a phrase at least as similar to a query vector as their threshold. Small sets
 * are scanned; larger ones are split into √n clusters (k-means on unit vectors, seeded so every
 * build is the same) and a query only scans the phrases of the clusters whose centres are most
 * similar to it (an inverted-file index, as in FAISS' IVF). That makes the cost per query grow
 * with √n instead of n, at the price of a recall below 1: a phrase in an unvisited cluster is
 * missed. bench/matcher-scaling.ts measures that recall against the full scan.
 */
export class PhraseSearch<O> {
  private readonly clusters: { centre: Float32Array; members: SearchablePhrase<O>[] }[];

  constructor(private readonly phrases: readonly SearchablePhrase<O>[]) {
    this.clusters = phrases.length <= EXACT_SCAN_LIMIT ? [] : cluster(phrases, Math.ceil(Math.sqrt(phrases.length)));
  }

  ownersAtThreshold(query: Float32Array): Set<O> {
    const owners = new Set<O>();
    const scan = (members: readonly SearchablePhrase<O>[]) => {
      for (const { vector, owner, threshold } of members) {
        // Scores are rounded to 4 decimals before they meet thresholds: allow for that.
        if (!owners.has(owner) && cosine(query, vector) >= threshold - ROUNDING) owners.add(owner);
      }
    };
    if (this.clusters.length === 0) {
      scan(this.phrases);
      return owners;
    }
    const nearest = this.clusters
      .map((candidate) => ({ candidate, similarity: cosine(query, candidate.centre) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, CLUSTERS_PROBED);
    for (const { candidate } of nearest) scan(candidate.members);
    return owners;
  }
}

function cluster<O>(
  phrases: readonly SearchablePhrase<O>[],
  count: number,
): { centre: Float32Array; members: SearchablePhrase<O>[] }[] {
  const random = seededRandom(count);
  const pick = () => phrases[Math.floor(random() * phrases.length)]!;
  const sample = Array.from({ length: Math.min(phrases.length, count * SAMPLE_PER_CLUSTER) }, pick);
  let centres = Array.from({ length: count }, () => Float32Array.from(pick().vector));
  for (let round = 0; round < CLUSTERING_ROUNDS; round += 1) {
    const sums = centres.map((centre) => new Float32Array(centre.length));
    for (const { vector } of sample) {
      const sum = sums[nearestCentre(centres, vector)]!;
      for (let i = 0; i < vector.length; i += 1) sum[i]! += vector[i]!;
    }
    // An empty cluster keeps its centre; the others move to their members' mean direction.
    centres = sums.map((sum, index) => (normalise(sum) ? sum : centres[index]!));
  }
  const clusters = centres.map((centre) => ({ centre, members: [] as SearchablePhrase<O>[] }));
  for (const phrase of phrases) clusters[nearestCentre(centres, phrase.vector)]!.members.push(phrase);
  return clusters.filter(({ members }) => members.length > 0);
}

function nearestCentre(centres: readonly Float32Array[], vector: Float32Array): number {
  let best = 0;
  let bestSimilarity = -Infinity;
  centres.forEach((centre, index) => {
    const similarity = cosine(centre, vector);
    if (similarity > bestSimilarity) {
      best = index;
      bestSimilarity = similarity;
    }
  });
  return best;
}

/** Scales to unit length in place; false for a zero vector. */
function normalise(vector: Float32Array): boolean {
  const length = Math.sqrt(cosine(vector, vector));
  if (length === 0) return false;
  for (let i = 0; i < vector.length; i += 1) vector[i]! /= length;
  return true;
}

/** mulberry32: the same clusters on every build of the same phrases. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
