import { Injectable } from '@nestjs/common';
import { TenantsRepository } from '@herald/persistence';

const KNOWN_TTL_MS = 60_000;

/** Answers "does this tenant exist" from memory for known tenants; unknown ones are asked again each time. */
@Injectable()
export class TenantDirectory {
  private readonly known = new Map<string, number>();

  constructor(private readonly tenants: TenantsRepository) {}

  async exists(tenantId: string): Promise<boolean> {
    const seen = this.known.get(tenantId);
    if (seen !== undefined && Date.now() - seen < KNOWN_TTL_MS) return true;
    const exists = await this.tenants.exists(tenantId);
    if (exists) this.known.set(tenantId, Date.now());
    return exists;
  }
}
