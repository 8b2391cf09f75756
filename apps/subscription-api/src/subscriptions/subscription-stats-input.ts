import { QueryReader, type Query } from '../common/query-reader';
import { STATS_WINDOWS, type StatsWindow } from './subscription-stats-window';

/** `window` (default `24h`); any other parameter is refused, as on every list. */
export function readStatsQuery(query: Query): { window: StatsWindow } {
  const reader = new QueryReader(query);
  const window = reader.oneOf('window', STATS_WINDOWS);
  reader.onlyKnown(['window']);
  reader.assertValid();
  return { window: window ?? '24h' };
}
