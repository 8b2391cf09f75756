import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** What a local Herald keeps between runs: generated secrets and the bootstrap tenant. */
export interface LocalSettings {
  adminToken: string;
  encryptionKey: string;
  tenantId?: string;
  apiKey?: string;
}

/**
 * Loads `.herald/local.json`, generating what is missing. The encryption key must survive restarts,
 * or the secrets stored with it could not be read back.
 */
export function loadLocalSettings(file: string, env: NodeJS.ProcessEnv): LocalSettings {
  const saved = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSettings>)
    : {};
  const settings: LocalSettings = {
    ...saved,
    adminToken:
      env.HERALD_ADMIN_TOKEN ?? saved.adminToken ?? `adm_${randomBytes(24).toString('base64url')}`,
    encryptionKey:
      env.HERALD_ENCRYPTION_KEY ?? saved.encryptionKey ?? randomBytes(32).toString('base64'),
  };
  saveLocalSettings(file, settings);
  return settings;
}

export function saveLocalSettings(file: string, settings: LocalSettings): void {
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
}
