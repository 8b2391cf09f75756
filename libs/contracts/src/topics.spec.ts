import { allTopics } from './topics';

describe('the topics Herald creates at start-up', () => {
  it('are the pipeline’s, one retry topic per distinct delay, and no herald.events.accepted', () => {
    // Event-ingest matches the events it stores: nothing travels between ingest and matching.
    expect(allTopics([5_000, 30_000, 30_000]).map((topic) => topic.name)).toEqual([
      'herald.events.inbound',
      'herald.events.invalid',
      'herald.deliveries',
      'herald.deliveries.dlq',
      'herald.subscriptions.changelog',
      'herald.deliveries.retry.5s',
      'herald.deliveries.retry.30s',
    ]);
  });
});
