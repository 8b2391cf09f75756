import Ajv, { type ValidateFunction } from 'ajv';
import type { EventData, InvalidEvent } from './event';
import type { JsonObject } from './json';

export type SchemaLoader = (tenantId: string, type: string) => Promise<JsonObject | null>;

interface Cached {
  validate: ValidateFunction | null;
  loadedAt: number;
}

const MAX_CACHED = 10_000;

/**
 * Checks an event's `data` against the JSON Schema registered for its type, compiling each schema
 * once and asking for it again after `ttlMs`, so a schema change reaches ingest within that time.
 */
export class EventSchemas {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly load: SchemaLoader,
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

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

  private async validatorFor(tenantId: string, type: string): Promise<ValidateFunction | null> {
    const key = `${tenantId}\u0000${type}`;
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.loadedAt < this.ttlMs) return cached.validate;
    const schema = await this.load(tenantId, type);
    let validate: ValidateFunction | null = null;
    if (schema) {
      try {
        validate = new Ajv({ strict: false, allErrors: false }).compile(schema);
      } catch {
        // The API refuses schemas that do not compile; one that slipped in checks nothing.
        validate = null;
      }
    }
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { validate, loadedAt: this.now() });
    return validate;
  }
}
