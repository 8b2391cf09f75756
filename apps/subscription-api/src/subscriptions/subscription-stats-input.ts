import { assertNoProblems } from '../common/body-reader';
import { queryValidator, type Query } from '../common/query-schema';
import { StatsQuery } from './subscription-stats.schema';
import type { StatsWindow } from './subscription-stats-window';

const readQuery = queryValidator(StatsQuery);

/** `window` (default `24h`); any other parameter is refused, as on every list. */
export function readStatsQuery(query: Query): { window: StatsWindow } {
  const { value, problems } = readQuery(query);
  assertNoProblems(problems);
  return { window: value.window ?? '24h' };
}
