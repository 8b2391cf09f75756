import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_HEAP_MB, serviceNodeOptions } from './service-heap';

describe('serviceNodeOptions', () => {
  it('caps the heap when nothing is given', () => {
    expect(serviceNodeOptions(undefined)).toBe(`--max-old-space-size=${SERVICE_HEAP_MB}`);
    expect(serviceNodeOptions('  ')).toBe(`--max-old-space-size=${SERVICE_HEAP_MB}`);
  });

  it('keeps the options given, after the cap', () => {
    expect(serviceNodeOptions('--enable-source-maps')).toBe(
      `--max-old-space-size=${SERVICE_HEAP_MB} --enable-source-maps`,
    );
  });

  it("leaves an operator's own cap alone, in either spelling", () => {
    expect(serviceNodeOptions('--max-old-space-size=384')).toBe('--max-old-space-size=384');
    expect(serviceNodeOptions('--max_old_space_size=512 --trace-warnings')).toBe(
      '--max_old_space_size=512 --trace-warnings',
    );
  });
});

describe('the image', () => {
  it('caps the heap as the local launchers do', () => {
    const dockerfile = readFileSync(
      join(__dirname, '..', '..', '..', 'deploy', 'Dockerfile'),
      'utf8',
    );
    expect(dockerfile).toContain(`ENV NODE_OPTIONS=--max-old-space-size=${SERVICE_HEAP_MB}\n`);
  });
});
