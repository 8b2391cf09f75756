import { type DataSource } from 'typeorm';
import { generateApiKey, hashApiKey, newId, type ApiKey, type Tenant } from '@herald/domain';
import { enqueueOutboxMessage, type PendingMessage } from './outbox.repository';
import { iso, isoRequired, toPage, type Page, type PageRequest } from '../rows';

interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
  retention_ms: string | null;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  name: row.name,
  createdAt: isoRequired(row.created_at),
  retentionMs: row.retention_ms === null ? null : Number(row.retention_ms),
});

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  prefix: row.prefix,
  createdAt: isoRequired(row.created_at),
  expiresAt: iso(row.expires_at),
  revokedAt: iso(row.revoked_at),
});

export class TenantsRepository {
  constructor(private readonly db: DataSource) {}

  async create(name: string, retentionMs: number | null = null): Promise<Tenant> {
    const rows: TenantRow[] = await this.db.query(
      'INSERT INTO tenants (id, name, retention_ms) VALUES ($1, $2, $3) RETURNING *',
      [newId('ten'), name, retentionMs],
    );
    return toTenant(rows[0]);
  }

  async get(id: string): Promise<Tenant | null> {
    const rows: TenantRow[] = await this.db.query('SELECT * FROM tenants WHERE id = $1', [id]);
    return rows[0] ? toTenant(rows[0]) : null;
  }

  async exists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM tenants WHERE id = $1', [id]);
    return rows.length > 0;
  }

  async list(page: PageRequest): Promise<Page<Tenant>> {
    const rows: TenantRow[] = await this.db.query(
      'SELECT * FROM tenants WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2',
      [page.after, page.limit + 1],
    );
    return toPage(rows.map(toTenant), page.limit);
  }

  /** Creates an API key; the plain key is returned once and only its hash is kept. */
  async createApiKey(tenantId: string, name: string): Promise<{ apiKey: ApiKey; key: string }> {
    const key = generateApiKey();
    const rows: ApiKeyRow[] = await this.db.query(
      `INSERT INTO api_keys (id, tenant_id, name, prefix, hash) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, tenant_id, name, prefix, created_at, expires_at, revoked_at`,
      [newId('key'), tenantId, name, key.slice(0, 10), hashApiKey(key)],
    );
    return { apiKey: toApiKey(rows[0]), key };
  }

  /** A page of a tenant's keys, revoked and expired ones included; never their hashes. */
  async listApiKeys(tenantId: string, page: PageRequest): Promise<Page<ApiKey>> {
    const rows: ApiKeyRow[] = await this.db.query(
      `SELECT id, tenant_id, name, prefix, created_at, expires_at, revoked_at FROM api_keys
       WHERE tenant_id = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [tenantId, page.after, page.limit + 1],
    );
    return toPage(rows.map(toApiKey), page.limit);
  }

  /** Revokes a key of the tenant at once (revoking it again keeps the first time); false when it has none of that id. */
  async revokeApiKey(tenantId: string, keyId: string): Promise<boolean> {
    const [, affected] = await this.db.query<[unknown[], number]>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE tenant_id = $1 AND id = $2`,
      [tenantId, keyId],
    );
    return affected > 0;
  }

  /**
   * Replaces a live key with a new one of the same tenant: the new key is returned once, and the old
   * one stays valid for `graceMs` more (or less, if it was already due to expire sooner). Null when
   * the old key is not a live key of the tenant.
   */
  async rotateApiKey(
    tenantId: string,
    keyId: string,
    graceMs: number,
    name: string | undefined,
    /** A message announcing the rotation, queued in the same transaction (transactional outbox). */
    announce: (rotated: { apiKey: ApiKey; previous: ApiKey }) => PendingMessage,
  ): Promise<{ apiKey: ApiKey; key: string; previous: ApiKey } | null> {
    return this.db.transaction(async (tx) => {
      const [previousRows] = await tx.query<[ApiKeyRow[], number]>(
        `UPDATE api_keys
         SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + $3::double precision * interval '1 millisecond')
         WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
         RETURNING id, tenant_id, name, prefix, created_at, expires_at, revoked_at`,
        [tenantId, keyId, graceMs],
      );
      if (!previousRows[0]) return null;
      const key = generateApiKey();
      const rows: ApiKeyRow[] = await tx.query(
        `INSERT INTO api_keys (id, tenant_id, name, prefix, hash) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, tenant_id, name, prefix, created_at, expires_at, revoked_at`,
        [newId('key'), tenantId, name ?? previousRows[0].name, key.slice(0, 10), hashApiKey(key)],
      );
      const rotated = { apiKey: toApiKey(rows[0]), key, previous: toApiKey(previousRows[0]) };
      await enqueueOutboxMessage(tx, announce(rotated));
      return rotated;
    });
  }

  /** The tenant a live key belongs to, or null for an unknown, revoked or expired key. */
  async tenantForApiKey(key: string): Promise<{ tenantId: string; keyId: string } | null> {
    const rows: { id: string; tenant_id: string }[] = await this.db.query(
      `SELECT id, tenant_id FROM api_keys
       WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [hashApiKey(key)],
    );
    return rows[0] ? { tenantId: rows[0].tenant_id, keyId: rows[0].id } : null;
  }
}
