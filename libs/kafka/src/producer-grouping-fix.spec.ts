import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterKafkajsLoads } from '@herald/testing';
import { GROUPING_MODULE, groupMessagesPerPartition } from './producer-grouping-fix';

const byKey = ({ message }: { message: { key: string } }) => Number(message.key.split('-')[0]);

describe("kafkajs's grouping of a send's messages into partitions, as Herald replaces it", () => {
  it('is the kafkajs version the fix was written against, whose producer requires the module by that path', () => {
    const manifest = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe('2.2.4');
    const sendMessages = readFileSync(join(GROUPING_MODULE, '..', 'sendMessages.js'), 'utf8');
    expect(sendMessages).toContain("require('./groupMessagesPerPartition')");
  });

  it('is what kafkajs loads once Herald is imported first (plain Node: Jest keeps its own module registry)', () => {
    expect(
      afterKafkajsLoads(
        join(__dirname, 'producer-grouping-fix.ts'),
        'require(fix.GROUPING_MODULE) === fix.groupMessagesPerPartition',
      ),
    ).toBe(true);
  });

  it('groups messages by the partitioner, keeping their order within each partition', () => {
    const messages = ['0-a', '1-b', '0-c', '2-d', '1-e', '0-f'].map((key) => ({ key }));
    expect(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [{}, {}, {}],
        messages,
        partitioner: byKey,
      }),
    ).toEqual({
      0: [{ key: '0-a' }, { key: '0-c' }, { key: '0-f' }],
      1: [{ key: '1-b' }, { key: '1-e' }],
      2: [{ key: '2-d' }],
    });
  });

  it('groups nothing when the topic has no partition metadata (kafkajs then refuses the send)', () => {
    const partitioner = jest.fn(byKey);
    expect(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [],
        messages: [{ key: '0' }],
        partitioner,
      }),
    ).toEqual({});
    expect(partitioner).not.toHaveBeenCalled();
  });
});
