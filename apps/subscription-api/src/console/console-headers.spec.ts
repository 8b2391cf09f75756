import { consoleHeaders } from './console-headers';

describe('consoleHeaders', () => {
  it.each([
    { ancestors: [], frameAncestors: "frame-ancestors 'none'", xFrameOptions: 'DENY' },
    {
      ancestors: ['https://app.example.com', 'https://*.example.org'],
      frameAncestors: 'frame-ancestors https://app.example.com https://*.example.org',
      xFrameOptions: undefined,
    },
    { ancestors: ["'self'"], frameAncestors: "frame-ancestors 'self'", xFrameOptions: undefined },
  ])('frames for $ancestors: $frameAncestors', ({ ancestors, frameAncestors, xFrameOptions }) => {
    const headers = consoleHeaders(ancestors);
    expect(headers['content-security-policy'].split('; ')).toContain(frameAncestors);
    expect(headers['x-frame-options']).toBe(xFrameOptions);
  });

  it('allows script from its own origin only, never inline', () => {
    const policy = consoleHeaders([])['content-security-policy'];
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining(["default-src 'none'", "script-src 'self'", "connect-src 'self'"]),
    );
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});
