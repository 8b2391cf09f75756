export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
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
