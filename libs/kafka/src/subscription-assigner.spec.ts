import { AssignerProtocol, type Cluster } from 'kafkajs';
import { assignBySubscription, subscriptionAssigner } from './subscription-assigner';

const partitions = (count: number) => () => Array.from({ length: count }, (_, index) => index);

describe('assignBySubscription', () => {
  it('gives every partition of every subscribed topic to one of its subscribers', () => {
    const assignment = assignBySubscription(
      [
        { id: 'b', topics: ['deliveries', 'retry.1s', 'retry.2s'] },
        { id: 'a', topics: ['deliveries', 'retry.300ms'] },
      ],
      partitions(3),
    );
    // Each topic only to members subscribing to it, and every partition given out once.
    expect(assignment.get('a')?.['retry.1s']).toBeUndefined();
    expect(assignment.get('a')?.['retry.2s']).toBeUndefined();
    expect(assignment.get('b')?.['retry.300ms']).toBeUndefined();
    expect(assignment.get('b')?.['retry.1s']).toEqual([0, 1, 2]);
    expect(assignment.get('b')?.['retry.2s']).toEqual([0, 1, 2]);
    expect(assignment.get('a')?.['retry.300ms']).toEqual([0, 1, 2]);
    const deliveries = [
      ...(assignment.get('a')?.deliveries ?? []),
      ...(assignment.get('b')?.deliveries ?? []),
    ];
    expect(deliveries.sort()).toEqual([0, 1, 2]);
  });

  it('balances members with the same topics, the same whichever order they come in', () => {
    const members = [
      { id: 'm2', topics: ['t1', 't2'] },
      { id: 'm1', topics: ['t1', 't2'] },
      { id: 'm3', topics: ['t1', 't2'] },
    ];
    const one = assignBySubscription(members, partitions(4));
    const other = assignBySubscription([...members].reverse(), partitions(4));
    expect(other).toEqual(one);
    const counts = [...one.values()].map((topics) =>
      Object.values(topics).reduce((sum, list) => sum + list.length, 0),
    );
    expect(counts.sort()).toEqual([2, 3, 3]);
  });

  it('lists a member with nothing to take, with nothing', () => {
    const assignment = assignBySubscription(
      [
        { id: 'a', topics: ['t'] },
        { id: 'b', topics: ['t'] },
      ],
      partitions(1),
    );
    expect(assignment.get('a')).toEqual({ t: [0] });
    expect(assignment.get('b')).toEqual({});
  });
});

describe('subscriptionAssigner', () => {
  it("reads the members' topics from their metadata and looks up the partitions of every one", async () => {
    const looked: string[][] = [];
    const cluster = {
      addMultipleTargetTopics: (topics: string[]) => Promise.resolve(void looked.push(topics)),
      findTopicPartitionMetadata: (topic: string) =>
        (topic === 'only-b' ? [0, 1] : [0]).map((partitionId) => ({ partitionId })),
    } as unknown as Cluster;
    const assigner = subscriptionAssigner({ cluster, groupId: 'g', logger: null as never });
    const metadata = (topics: string[]) => assigner.protocol({ topics }).metadata;
    const result = await assigner.assign({
      members: [
        { memberId: 'a', memberMetadata: metadata(['shared']) },
        { memberId: 'b', memberMetadata: metadata(['shared', 'only-b']) },
      ],
      topics: ['shared'],
    });
    expect(looked).toEqual([['shared', 'only-b']]);
    const decoded = Object.fromEntries(
      result.map(({ memberId, memberAssignment }) => [
        memberId,
        AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment,
      ]),
    );
    expect(decoded).toEqual({ a: { shared: [0] }, b: { 'only-b': [0, 1] } });
  });
});
