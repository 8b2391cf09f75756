/**
 * Event type globs: `*` matches any run of characters within one dot-separated segment,
 * `**` (or a lone `*`) matches anything, so `meter_data.*` matches `meter_data.received`
 * and `*` matches every type — except Herald's own operational types (`herald.…`), which only globs
 * that name them (`herald.**`, `herald.delivery.*`) match, so a catch-all subscription does not
 * start receiving Herald's operational events.
 */
export function matchesEventType(glob: string, type: string): boolean {
  if (type.startsWith(OPERATIONAL_PREFIX) && !glob.startsWith(OPERATIONAL_PREFIX)) return false;
  if (glob === '*' || glob === '**') return true;
  if (!glob.includes('*')) return glob === type;
  return globToRegExp(glob).test(type);
}

export function matchesAnyEventType(globs: readonly string[], type: string): boolean {
  return globs.some((glob) => matchesEventType(glob, type));
}

const OPERATIONAL_PREFIX = 'herald.';

const cache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let cached = cache.get(glob);
  if (!cached) {
    const source = glob
      .split(/(\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^.]*' : escapeRegExp(part)))
      .join('');
    cached = new RegExp(`^${source}$`);
    cache.set(glob, cached);
  }
  return cached;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** What `isValidEventTypeGlob` accepts (length aside), as a regular expression. */
export const EVENT_TYPE_GLOB =
  /^(\*\*?|[A-Za-z0-9_\-/]+(\.([A-Za-z0-9_\-/]+|\*\*?))*|(\*\*?\.)+[A-Za-z0-9_\-/.*]*)$/;

export function isValidEventTypeGlob(glob: string): boolean {
  return glob.length > 0 && glob.length <= 200 && EVENT_TYPE_GLOB.test(glob);
}
