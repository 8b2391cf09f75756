import Ajv, { type ValidateFunction } from 'ajv';
import type { EventData, InvalidEvent } from './event';
import { FreshCache } from './fresh-cache';
import type { JsonObject } from './json';

export type SchemaLoader = (tenantId: string, type: string) => Promise<JsonObject | null>;

const MAX_CACHED = 10_000;

/**
 * Checks an event's `data` against the JSON Schema registered for its type, compiling each schema
 * once and asking for it again after `ttlMs`, so a schema change reaches ingest within that time.
 * A batch of events of one type asks once, however many of them are checked at the same time.
 */
export class EventSchemas {
  private readonly cache: FreshCache<ValidateFunction | null>;

  constructor(
    private readonly load: SchemaLoader,
    ttlMs = 10_000,
    now: () => number = Date.now,
  ) {
    this.cache = new FreshCache(ttlMs, MAX_CACHED, now);
  }

  async check(tenantId: string, type: string, data: EventData): Promise<InvalidEvent | null> {
    const validate = await this.validatorFor(tenantId, type);
    if (!validate || validate(data)) return null;
    const error = validate.errors?.[0];
    const missing = (error?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const segments = [
      ...(error?.instancePath ? error.instancePath.slice(1).split('/') : []),
      ...(missing ? [missing] : []),
    ];
    const path = segments.join('.');
    return {
      code: 'schema_invalid',
      message: `data does not match the schema of ${type}: ${path ? `data.${path}` : 'data'} ${missing ? 'is required' : (error?.message ?? 'is invalid')}`,
      field: path ? `data.${path}` : 'data',
    };
  }

  private validatorFor(tenantId: string, type: string): Promise<ValidateFunction | null> {
    return this.cache.load(`${tenantId}\u0000${type}`, async () => {
      const schema = await this.load(tenantId, type);
      if (!schema) return null;
      try {
        return new Ajv({ strict: false, allErrors: false }).compile(schema);
      } catch {
        // The API refuses schemas that do not compile; one that slipped in checks nothing.
        return null;
      }
    });
  }
}
