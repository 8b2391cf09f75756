import type { Theme } from './session';

/**
 * Applies a console link's theme to the page: the accent as the `--accent` custom property (set
 * through the CSSOM, which the policy's `style-src 'self'` allows, unlike a `style` attribute) and
 * the mode as `data-theme` on the root, which the style sheet maps to `color-scheme`. No theme puts
 * the console's own look back.
 */
export function applyTheme(theme: Theme | null | undefined): void {
  const root = document.documentElement;
  const accent = theme?.accent;
  // The API accepts hex colours only; checked again so nothing else reaches the style sheet.
  if (accent && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(accent))
    root.style.setProperty('--accent', accent);
  else root.style.removeProperty('--accent');
  root.dataset.theme = theme?.mode ?? 'auto';
}
