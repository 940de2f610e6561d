import { cosine } from './sentence-encoder';
import { seededRandom } from '../random/seeded-random';

export interface SearchablePhrase<O> {
  vector: Float32Array;
  owner: O;
}

/** Up to this many distinct phrase vectors, a query is compared with every one: exact, and cheap enough. */
export const EXACT_SCAN_LIMIT = 4_096;
/** Clusters a query visits in a larger set; with √n clusters, it compares ~16·√n vectors. */
export const CLUSTERS_PROBED = 16;
const CLUSTERING_ROUNDS = 3;
/** Vectors sampled per cluster to place the cluster centres. */
const SAMPLE_PER_CLUSTER = 24;

/** One distinct vector and every owner of a phrase with that vector (phrases recur across workflows). */
interface Entry<O> {
  vector: Float32Array;
  owners: O[];
}

/**
 * The owners of the phrases at least `floor`-similar to a query vector, each with its most
 * similar phrase's similarity. Small sets are scanned; larger ones are split into √n clusters
 * (k-means on the unit vectors, seeded so every build is the same) and a query only scans the
 * clusters whose centres are most similar to it (an inverted-file index, as in FAISS' IVF). The
 * cost per query then grows with √n instead of n, at a recall below 1: a phrase in an unvisited
 * cluster is missed. bench/matcher-scaling.ts measures that recall against a full scan.
 */
export class PhraseSearch<O> {
  private readonly entries: Entry<O>[];
  private readonly clusters: { centre: Float32Array; members: Entry<O>[] }[];

  constructor(phrases: Iterable<SearchablePhrase<O>>) {
    const byVector = new Map<Float32Array, O[]>();
    for (const { vector, owner } of phrases) {
      const owners = byVector.get(vector);
      if (owners) owners.push(owner);
      else byVector.set(vector, [owner]);
    }
    this.entries = [...byVector].map(([vector, owners]) => ({ vector, owners }));
    this.clusters =
      this.entries.length <= EXACT_SCAN_LIMIT ? [] : cluster(this.entries, Math.ceil(Math.sqrt(this.entries.length)));
  }

  /** Each owner with a phrase at least `floor`-similar to the query, and its best similarity. */
  nearOwners(query: Float32Array, floor: number): Map<O, number> {
    const near = new Map<O, number>();
    const scan = (entries: readonly Entry<O>[]) => {
      for (const { vector, owners } of entries) {
        const similarity = cosine(query, vector);
        if (similarity < floor) continue;
        for (const owner of owners) if (!(near.get(owner)! >= similarity)) near.set(owner, similarity);
      }
    };
    if (this.clusters.length === 0) {
      scan(this.entries);
      return near;
    }
    const nearest = this.clusters
      .map((candidate) => ({ candidate, similarity: cosine(query, candidate.centre) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, CLUSTERS_PROBED);
    for (const { candidate } of nearest) scan(candidate.members);
    return near;
  }
}

function cluster<O>(entries: readonly Entry<O>[], count: number): { centre: Float32Array; members: Entry<O>[] }[] {
  const random = seededRandom(count);
  const pick = () => entries[Math.floor(random() * entries.length)]!;
  const sample = Array.from({ length: Math.min(entries.length, count * SAMPLE_PER_CLUSTER) }, pick);
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
  const clusters = centres.map((centre) => ({ centre, members: [] as Entry<O>[] }));
  for (const entry of entries) clusters[nearestCentre(centres, entry.vector)]!.members.push(entry);
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
