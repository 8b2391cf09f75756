import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import {
  EventSchemas,
  isReservedEventType,
  newId,
  stableId,
  parseInboundEvent,
  type HeraldEvent,
  type InvalidEvent,
} from '@herald/domain';
import { EventsRepository, EventTypesRepository, type StoredEvent } from '@herald/persistence';
import { EventTypeRegistrar } from './event-type-registrar';
import { TenantDirectory } from './tenant-directory';
import { MatchingService, type MatchResult } from '../matching/matching.service';
import type { EventIngestConfig } from '../event-ingest.config';

/** Where an inbound message came from: Herald's own events may use the reserved `herald.*` types. */
export interface IngestSource {
  heraldOrigin: boolean;
  /**
   * The Kafka record it was read from: an event without an id gets one derived from it, the same
   * each time the record is handled (see `stableId`).
   */
  record?: { topic: string; partition: number; offset: string; timestamp: number };
}

export type IngestResult =
  | {
      status: 'accepted';
      event: HeraldEvent;
      duplicate: boolean;
      /** What matching the event made of it; null for a duplicate left to the record that stored it. */
      match: MatchResult | null;
    }
  | { status: 'rejected'; error: InvalidEvent };

@Injectable()
export class IngestService {
  private readonly eventTypes: EventTypeRegistrar;
  private readonly schemas: EventSchemas;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: EventIngestConfig,
    private readonly tenants: TenantDirectory,
    private readonly events: EventsRepository,
    private readonly matching: MatchingService,
    eventTypes: EventTypesRepository,
  ) {
    this.eventTypes = new EventTypeRegistrar(eventTypes);
    this.schemas = new EventSchemas(
      async (tenantId, type) => (await eventTypes.get(tenantId, type))?.schema ?? null,
    );
  }

  /**
   * Validates, stores and matches a batch of inbound events, in order: one INSERT for all the events,
   * one for their deliveries, and the deliveries' sends coalesced into one request (each event's in
   * its own trace context). Only once it resolves may the records' offsets be committed: every event
   * is then stored and its deliveries stored and on `herald.deliveries`. A record read again after a
   * crash matches its event again (it may not have gone out; its deliveries keep their ids, so their
   * `webhook-id`); another record with an event id stored before is a duplicate and emits nothing.
   */
  async ingestAll(
    items: readonly {
      raw: Buffer;
      source?: IngestSource;
      within?: <R>(work: () => R) => R;
    }[],
    now: Date = new Date(),
  ): Promise<IngestResult[]> {
    const checked = await Promise.all(
      items.map((item) => this.check(item.raw, now, item.source ?? { heraldOrigin: false })),
    );
    const valid = checked.flatMap((result, index) =>
      result.ok ? [{ event: result.event, index }] : [],
    );
    const stored = await this.events.storeAll(
      valid.map(({ event }) => event),
      valid.map(({ index }) => recordName(items[index].source?.record)),
    );
    const storedAt = new Map(valid.map(({ index }, position) => [index, stored[position]]));
    const toMatch = valid.flatMap(({ index }) => {
      const { event, published } = storedAt.get(index) as StoredEvent;
      return published ? [] : [{ index, event, within: items[index].within }];
    });
    const matched = await this.matching.matchAll(toMatch);
    const matchAt = new Map(toMatch.map(({ index }, position) => [index, matched[position]]));
    return checked.map((result, index): IngestResult => {
      if (!result.ok) return { status: 'rejected', error: result.error };
      const { event, created } = storedAt.get(index) as StoredEvent;
      return { status: 'accepted', event, duplicate: !created, match: matchAt.get(index) ?? null };
    });
  }

  /**
   * Records on the stored event why its record was parked — matching it failed for good — and
   * dead-letters its deliveries that never went out, so a redrive sends them once the cause is
   * fixed. Only the record that stored the event speaks for it: a producer's duplicate parked for
   * its own reasons leaves the event alone. A message that is not an event was never stored.
   */
  async markFailed(
    raw: Buffer | null,
    record: NonNullable<IngestSource['record']>,
    code: string,
    reason: string,
  ): Promise<void> {
    if (raw === null) return;
    const parsed = parseInboundEvent(raw, this.config.ingest.maxEventBytes);
    if (!parsed.ok) return;
    const id = parsed.value.id ?? idFor(record, new Date());
    await this.events.markFailed(parsed.value.tenantId, id, code, reason, recordName(record));
  }

  /** Everything but storing: the envelope, the reserved types, the tenant, the schema, the type's registration. */
  private async check(
    raw: Buffer,
    now: Date,
    source: IngestSource,
  ): Promise<{ ok: true; event: HeraldEvent } | { ok: false; error: InvalidEvent }> {
    const parsed = parseInboundEvent(raw, this.config.ingest.maxEventBytes);
    if (!parsed.ok) return parsed;
    const inbound = parsed.value;
    const reserved = isReservedEventType(inbound.type);
    if (reserved && !source.heraldOrigin) {
      return {
        ok: false,
        error: {
          code: 'reserved_event_type',
          message: `event types starting with herald. are Herald's own; ${inbound.type} cannot be published`,
          field: 'type',
        },
      };
    }
    if (!(await this.tenants.exists(inbound.tenantId))) {
      return {
        ok: false,
        error: {
          code: 'unknown_tenant',
          message: `tenant ${inbound.tenantId} does not exist`,
          field: 'tenant_id',
        },
      };
    }
    // Herald's own events have Herald's shape; a schema a tenant put on the name must not drop them.
    const schemaProblem = reserved
      ? null
      : await this.schemas.check(inbound.tenantId, inbound.type, inbound.data);
    if (schemaProblem) return { ok: false, error: schemaProblem };
    await this.eventTypes.register(inbound.tenantId, inbound.type);
    const receivedAt = now.toISOString();
    return {
      ok: true,
      event: {
        id: inbound.id ?? idFor(source.record, now),
        tenantId: inbound.tenantId,
        type: inbound.type,
        occurredAt: inbound.occurredAt ?? receivedAt,
        receivedAt,
        subject: inbound.subject,
        changedFields: inbound.changedFields,
        data: inbound.data,
      },
    };
  }
}

/** The id of an event sent without one: from its Kafka record when there is one, else a new one. */
function idFor(record: IngestSource['record'], now: Date): string {
  if (!record) return newId('evt', now.getTime());
  const { timestamp } = record;
  const time = Number.isFinite(timestamp) && timestamp > 0 ? timestamp : now.getTime();
  return stableId('evt', time, recordName(record) as string);
}

/** How a Kafka record is named on the event it brought: `topic/partition/offset`. */
function recordName(record: IngestSource['record']): string | null {
  return record ? `${record.topic}/${record.partition}/${record.offset}` : null;
}
