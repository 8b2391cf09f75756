/**
 * The headers of every console response. The policy allows scripts, styles and requests from the
 * console's own origin only (no inline script, so text shown from payloads can never run), and
 * framing by the configured origins only; none by default. Images may also come over `https:`, for a
 * console link's themed logo (the console renders no HTML from data, so only that one `<img>` can
 * load, and `no-referrer` tells its host nothing).
 */
export function consoleHeaders(frameAncestors: readonly string[]): Record<string, string> {
  const ancestors = frameAncestors.length === 0 ? "'none'" : frameAncestors.join(' ');
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: https:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${ancestors}`,
    ].join('; '),
    // For browsers without frame-ancestors; it cannot name several origins, so it is sent only to deny.
    ...(frameAncestors.length === 0 ? { 'x-frame-options': 'DENY' } : {}),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}
