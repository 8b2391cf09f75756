/**
 * Event type globs: `*` matches any run of characters within one dot-separated segment,
 * `**` (or a lone `*`) matches anything, so `meter_data.*` matches `meter_data.received`
 * and `*` matches every type.
 */
export function matchesEventType(glob: string, type: string): boolean {
  if (glob === '*' || glob === '**') return true;
  if (!glob.includes('*')) return glob === type;
  return globToRegExp(glob).test(type);
}

export function matchesAnyEventType(globs: readonly string[], type: string): boolean {
  return globs.some((glob) => matchesEventType(glob, type));
}

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

const EVENT_TYPE_GLOB =
  /^(\*\*?|[A-Za-z0-9_\-/]+(\.([A-Za-z0-9_\-/]+|\*\*?))*|(\*\*?\.)+[A-Za-z0-9_\-/.*]*)$/;

export function isValidEventTypeGlob(glob: string): boolean {
  return glob.length > 0 && glob.length <= 200 && EVENT_TYPE_GLOB.test(glob);
}
