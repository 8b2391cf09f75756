import { AssignerProtocol, type Assigner, type PartitionAssigner } from 'kafkajs';

/** The name members agree on; kafkajs's round robin stays listed second for mixed-version groups. */
export const SUBSCRIPTION_ASSIGNER = 'HeraldSubscriptionAssigner';

/**
 * Which member gets which partitions: every partition of every topic some member subscribes to goes
 * to one of the members that subscribe to it, the one holding fewest so far (ties to the lowest id),
 * topics and partitions taken in order, so every member computes the same.
 */
export function assignBySubscription(
  members: readonly { id: string; topics: readonly string[] }[],
  partitionsOf: (topic: string) => readonly number[],
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const assignment = new Map<string, Record<string, number[]>>(
    sorted.map((member) => [member.id, {}]),
  );
  const held = new Map<string, number>(sorted.map((member) => [member.id, 0]));
  const topics = [...new Set(sorted.flatMap((member) => member.topics))].sort();
  for (const topic of topics) {
    const subscribers = sorted.filter((member) => member.topics.includes(topic));
    for (const partition of [...partitionsOf(topic)].sort((a, b) => a - b)) {
      let chosen = subscribers[0];
      for (const member of subscribers) {
        if ((held.get(member.id) ?? 0) < (held.get(chosen.id) ?? 0)) chosen = member;
      }
      const mine = assignment.get(chosen.id) as Record<string, number[]>;
      (mine[topic] ??= []).push(partition);
      held.set(chosen.id, (held.get(chosen.id) ?? 0) + 1);
    }
  }
  return assignment;
}

/**
 * A partition assigner that reads what each member subscribes to. kafkajs's own assigners give out
 * the partitions of the leader's topics alone, round robin over every member: while members with
 * different topics share a group — deliverers with different retry schedules during a rolling
 * change, say — a topic only the others subscribe to is given to nobody, and a partition given to a
 * member that does not subscribe to its topic is dropped by it. Either way its messages wait until
 * the group changes again. Here every topic any member subscribes to is given out, and only to its
 * subscribers.
 */
export const subscriptionAssigner: PartitionAssigner = ({ cluster }): Assigner => ({
  name: SUBSCRIPTION_ASSIGNER,
  version: 0,
  async assign({ members }) {
    const subscribed = members.map((member) => ({
      id: member.memberId,
      topics: AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics ?? [],
    }));
    // The leader knows the partitions of its own topics; the others' are looked up. One that does not
    // exist (yet) has none to give out.
    try {
      await cluster.addMultipleTargetTopics([...new Set(subscribed.flatMap((m) => m.topics))]);
    } catch {
      // Given out as far as known.
    }
    const assignment = assignBySubscription(subscribed, (topic) =>
      cluster.findTopicPartitionMetadata(topic).map((partition) => partition.partitionId),
    );
    return [...assignment].map(([memberId, topics]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: topics,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: SUBSCRIPTION_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});
