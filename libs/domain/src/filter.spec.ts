import { matchesFilter, validateFilter, type Filter, type FilterTarget } from './filter';

const datum = (
  nodeId: number,
  sourceId: string,
  extra: Record<string, unknown> = {},
): FilterTarget => ({
  subject: `node/${nodeId}/source${sourceId}`,
  type: 'datum/agg/update',
  data: {
    nodeId,
    sourceId,
    aggregationKey: 'Hour',
    timestamp: '2024-05-02T12:00:00Z',
    ...extra,
  },
});

/** SolarNetwork's hook filter: nodes 1 and 2, sources under /test. */
const solarNetwork: Filter = {
  'data.nodeId': { $in: [1, 2] },
  'data.sourceId': { $glob: '/test/**' },
};

describe('filters', () => {
  it.each<[string, Filter | null, FilterTarget, boolean]>([
    ['no filter matches everything', null, datum(9, '/x'), true],
    ['SolarNetwork: node 1, /test/a', solarNetwork, datum(1, '/test/a'), true],
    ['SolarNetwork: node 2, /test/a/b', solarNetwork, datum(2, '/test/a/b'), true],
    ['SolarNetwork: node 3 is out', solarNetwork, datum(3, '/test/a'), false],
    ['SolarNetwork: /prod/a is out', solarNetwork, datum(1, '/prod/a'), false],
    ['plain value is $eq', { 'data.aggregationKey': 'Hour' }, datum(1, '/a'), true],
    ['plain value mismatch', { 'data.aggregationKey': 'Day' }, datum(1, '/a'), false],
    ['$ne', { 'data.aggregationKey': { $ne: 'Day' } }, datum(1, '/a'), true],
    ['$ne holds when missing', { 'data.missing': { $ne: 1 } }, datum(1, '/a'), true],
    ['$nin', { 'data.nodeId': { $nin: [1, 2] } }, datum(3, '/a'), true],
    ['$gt numbers', { 'data.nodeId': { $gt: 1 } }, datum(2, '/a'), true],
    ['$gte and $lt together', { 'data.nodeId': { $gte: 2, $lt: 3 } }, datum(3, '/a'), false],
    [
      '$lte on ISO strings',
      { 'data.timestamp': { $lte: '2024-06-01T00:00:00Z' } },
      datum(1, '/a'),
      true,
    ],
    ['no comparing a number with a string', { 'data.nodeId': { $gt: '0' } }, datum(1, '/a'), false],
    ['$exists true', { 'data.sourceId': { $exists: true } }, datum(1, '/a'), true],
    ['$exists false', { 'data.gone': { $exists: false } }, datum(1, '/a'), true],
    ['missing path fails $eq', { 'data.gone': 1 }, datum(1, '/a'), false],
    [
      '$glob on subject',
      { subject: { $glob: 'node/*/source/test/**' } },
      datum(7, '/test/x'),
      true,
    ],
    ['$glob list', { 'data.sourceId': { $glob: ['/a/*', '/b/*'] } }, datum(1, '/b/x'), true],
    ['type', { type: 'datum/agg/update' }, datum(1, '/a'), true],
    ['$or', { $or: [{ 'data.nodeId': 5 }, { 'data.sourceId': '/a' }] }, datum(1, '/a'), true],
    ['$or none', { $or: [{ 'data.nodeId': 5 }, { 'data.sourceId': '/b' }] }, datum(1, '/a'), false],
    ['$and', { $and: [{ 'data.nodeId': 1 }, { 'data.sourceId': '/a' }] }, datum(1, '/a'), true],
    ['$not', { $not: { 'data.nodeId': 1 } }, datum(1, '/a'), false],
    [
      'through arrays',
      { 'data.meters.meter_id': 'm-2' },
      datum(1, '/a', { meters: [{ meter_id: 'm-1' }, { meter_id: 'm-2' }] }),
      true,
    ],
    [
      'array leaf $in',
      { 'data.tags': { $in: ['blue'] } },
      datum(1, '/a', { tags: ['red', 'blue'] }),
      true,
    ],
    [
      'array leaf equals whole',
      { 'data.tags': ['red', 'blue'] },
      datum(1, '/a', { tags: ['red', 'blue'] }),
      true,
    ],
    [
      'object equality',
      { 'data.place': { city: 'Perth' } },
      datum(1, '/a', { place: { city: 'Perth' } }),
      true,
    ],
  ])('%s', (_name, filter, target, expected) => {
    expect(matchesFilter(filter, target)).toBe(expected);
  });

  /** Openvolt's meter_data.received: the data is a list of readings. */
  const readings = (...meterIds: string[]): FilterTarget => ({
    subject: null,
    type: 'meter_data.received',
    data: meterIds.map((meter_id) => ({
      meter_id,
      start_interval: '2024-05-02T12:00:00Z',
      end_interval: '2024-05-02T12:30:00Z',
    })),
  });
  const scalar = (data: string | number | boolean): FilterTarget => ({
    subject: null,
    type: 'meter.count',
    data,
  });

  it.each<[string, Filter, FilterTarget, boolean]>([
    [
      'list data: a path looks in every element',
      { 'data.meter_id': 'm-2' },
      readings('m-1', 'm-2'),
      true,
    ],
    ['list data: no element matches', { 'data.meter_id': 'm-3' }, readings('m-1', 'm-2'), false],
    [
      'list data: $in on any element',
      { 'data.meter_id': { $in: ['m-9', 'm-1'] } },
      readings('m-1'),
      true,
    ],
    ['list data: $glob', { 'data.meter_id': { $glob: 'm-*' } }, readings('m-1'), true],
    [
      'list data: $nin holds when no element has it',
      { 'data.meter_id': { $nin: ['m-3'] } },
      readings('m-1', 'm-2'),
      true,
    ],
    [
      'list data: $nin fails when one element has it',
      { 'data.meter_id': { $nin: ['m-2'] } },
      readings('m-1', 'm-2'),
      false,
    ],
    ['list data: $exists', { 'data.end_interval': { $exists: true } }, readings('m-1'), true],
    [
      'empty list data: a path is missing',
      { 'data.meter_id': { $exists: false } },
      readings(),
      true,
    ],
    [
      'list data: data alone is the list, whole',
      { data: [{ a: 1 }] },
      { subject: null, type: 't', data: [{ a: 1 }] },
      true,
    ],
    [
      'list data: data alone is each element too',
      { data: 'b' },
      { subject: null, type: 't', data: ['a', 'b'] },
      true,
    ],
    ['scalar data: data alone is the value', { data: 'm-1' }, scalar('m-1'), true],
    ['scalar data: compared', { data: { $gte: 10 } }, scalar(12), true],
    ['scalar data: not equal', { data: true }, scalar(false), false],
    [
      'scalar data: a path with keys is missing',
      { 'data.meter_id': { $exists: false } },
      scalar('m-1'),
      true,
    ],
    ['scalar data: a path with keys matches nothing', { 'data.length': 3 }, scalar('abc'), false],
    ['scalar data: $ne holds on a missing path', { 'data.x': { $ne: 1 } }, scalar(1), true],
  ])('%s', (_name, filter, target, expected) => {
    expect(matchesFilter(filter, target)).toBe(expected);
  });

  it('accepts a valid filter', () => {
    expect(validateFilter(solarNetwork)).toEqual([]);
    expect(
      validateFilter({
        $or: [{ subject: { $glob: 'a/**' } }, { $not: { 'data.x': { $exists: true } } }],
      }),
    ).toEqual([]);
  });

  it.each<[string, unknown, { path: string; message: string }]>([
    ['not an object', [1], { path: 'filter', message: 'must be a JSON object' }],
    [
      'unknown path root',
      { nodeId: 1 },
      { path: 'filter.nodeId', message: 'must be subject, type, or data followed by dotted keys' },
    ],
    [
      'unknown operator',
      { 'data.x': { $regex: 'a' } },
      {
        path: 'filter.data.x.$regex',
        message: expect.stringContaining('is not an operator') as string,
      },
    ],
    [
      '$in not a list',
      { 'data.x': { $in: 1 } },
      { path: 'filter.data.x.$in', message: 'must be a list' },
    ],
    [
      '$exists not boolean',
      { 'data.x': { $exists: 'yes' } },
      { path: 'filter.data.x.$exists', message: 'must be true or false' },
    ],
    [
      '$glob not a pattern',
      { 'data.x': { $glob: 5 } },
      { path: 'filter.data.x.$glob', message: 'must be a pattern or a list of patterns' },
    ],
    [
      '$gt an object',
      { 'data.x': { $gt: {} } },
      { path: 'filter.data.x.$gt', message: 'must be a number or a string' },
    ],
    [
      '$or empty',
      { $or: [] },
      { path: 'filter.$or', message: 'must be a non-empty list of filters' },
    ],
    [
      'top-level operator',
      { $in: [1] },
      {
        path: 'filter.$in',
        message: expect.stringContaining('is not a filter operator here') as string,
      },
    ],
  ])('names the problem: %s', (_name, filter, problem) => {
    expect(validateFilter(filter)).toContainEqual(problem);
  });
});
