export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  /** How long its events, deliveries and attempts are kept; null: the default, `HERALD_RETENTION`. */
  retentionMs: number | null;
}

export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  /** The first characters of the key, so people can tell keys apart; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}
