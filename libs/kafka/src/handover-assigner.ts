import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import type { Logger } from 'pino';
import type { PartitionOffset } from './group-commit';

export interface HandoverOptions {
  /** This member's commits still on their way: the offset each partition will have once they landed. */
  pending: () => PartitionOffset[];
  /** The group's committed offsets of these partitions now. */
  committed: (partitions: readonly PartitionOffset[]) => Promise<PartitionOffset[]>;
  /** Longest wait; kept below the session timeout, so that the group leader is not thought dead. */
  timeoutMs: number;
  pollMs?: number;
  logger: Logger;
}

/**
 * Wraps a partition assigner so that a rebalance hands partitions over only once the commits
 * their members still had on the way have landed (what Kafka's KIP-447 achieves in the Java client
 * with stable offset fetches). A consumer that commits in the background (pipelined commits) may
 * be asked to rejoin its group while a batch's transaction is still committing; without this, the
 * partition's next owner could read the previous committed offset and process that batch again.
 * Each member states in its join metadata the offsets its commits in flight will store; the
 * group leader, before assigning, waits until the group's committed offsets reach them, or until
 * `timeoutMs` (a commit that failed never will: its batches are read again by whoever owns them).
 * The protocol name is the wrapped assigner's, so members with and without it can share a group.
 */
export function handoverAssigner(inner: PartitionAssigner, options: HandoverOptions): PartitionAssigner {
  return (config) => {
    const assigner = inner(config);
    return {
      name: assigner.name,
      version: assigner.version,
      protocol(subscription) {
        const state = assigner.protocol(subscription);
        const metadata = AssignerProtocol.MemberMetadata.decode(state.metadata);
        return {
          name: state.name,
          metadata: AssignerProtocol.MemberMetadata.encode({
            version: metadata?.version ?? assigner.version,
            topics: metadata?.topics ?? subscription.topics,
            userData: Buffer.from(JSON.stringify(options.pending())),
          }),
        };
      },
      async assign(group) {
        const pending = group.members.flatMap(({ memberMetadata }) => pendingOf(memberMetadata));
        if (pending.length > 0) await waitForHandover(pending, options);
        return assigner.assign(group);
      },
    };
  };
}

/** Waits until every offset of `pending` is committed, or `timeoutMs`; true when they all were. */
export async function waitForHandover(pending: readonly PartitionOffset[], options: HandoverOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const committed = await options.committed(pending).catch((error: unknown) => {
      options.logger.warn({ err: error }, 'reading committed offsets for a partition handover failed; retrying');
      return [];
    });
    const waiting = pending.filter(
      (target) =>
        !committed.some(
          (offset) =>
            offset.topic === target.topic &&
            offset.partition === target.partition &&
            BigInt(offset.offset) >= BigInt(target.offset),
        ),
    );
    if (waiting.length === 0) return true;
    if (Date.now() >= deadline) {
      options.logger.warn(
        { waiting },
        'commits in flight did not land before the partition handover; their batches may be processed again',
      );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
}

function pendingOf(memberMetadata: Buffer): PartitionOffset[] {
  const userData = AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData;
  if (!userData || userData.length === 0) return [];
  try {
    const parsed: unknown = JSON.parse(userData.toString('utf8'));
    return Array.isArray(parsed) ? parsed.filter(isPartitionOffset) : [];
  } catch {
    return [];
  }
}

function isPartitionOffset(value: unknown): value is PartitionOffset {
  const candidate = value as Partial<PartitionOffset> | null;
  return (
    typeof candidate?.topic === 'string' &&
    typeof candidate.partition === 'number' &&
    typeof candidate.offset === 'string' &&
    /^\d+$/.test(candidate.offset)
  );
}
