import { parseDuration } from '@herald/domain';
import { assertNoProblems } from '../common/body-reader';
import { bodyValidator, type BodyCheck } from '../common/request-schema';
import { NewTenantBody, TenantChangesBody } from './tenant.schema';

const MAX_RETENTION_MS = 3650 * 86_400_000;

const readNew = bodyValidator(NewTenantBody);
const readChanges = bodyValidator(TenantChangesBody);

/**
 * `retention`: a duration such as `90d` (1s to 3650d) for the tenant's own retention, null for
 * `HERALD_RETENTION`; undefined when the body leaves it out. The range is what the schema cannot say.
 */
function retentionIn({
  value,
  problems,
  fits,
}: BodyCheck<TenantChangesBody>): number | null | undefined {
  if (value.retention === undefined || value.retention === null || !fits('retention')) {
    return value.retention === null ? null : undefined;
  }
  const ms = parseDuration(value.retention);
  if (ms === null) return undefined;
  if (ms < 1000 || ms > MAX_RETENTION_MS) {
    problems.push({ field: 'retention', message: 'must be from 1s to 3650d' });
    return undefined;
  }
  return ms;
}

export function readNewTenant(body: unknown): { name: string; retention: number | null } {
  const checked = readNew(body);
  const retention = retentionIn(checked);
  assertNoProblems(checked.problems);
  return { name: checked.value.name, retention: retention ?? null };
}

/** The changes a PATCH names; today that is the tenant's retention (undefined: unchanged). */
export function readTenantChanges(body: unknown): { retention: number | null | undefined } {
  const checked = readChanges(body);
  const retention = retentionIn(checked);
  assertNoProblems(checked.problems);
  return { retention };
}
