import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_HEAP_MB, SERVICE_SEMI_SPACE_MB, serviceNodeOptions } from './service-heap';

const DEFAULTS = `--max-old-space-size=${SERVICE_HEAP_MB} --max-semi-space-size=${SERVICE_SEMI_SPACE_MB}`;

describe('serviceNodeOptions', () => {
  it('caps the heap and names the semi-space when nothing is given', () => {
    expect(serviceNodeOptions(undefined)).toBe(DEFAULTS);
    expect(serviceNodeOptions('  ')).toBe(DEFAULTS);
  });

  it('keeps the options given, after its own', () => {
    expect(serviceNodeOptions('--enable-source-maps')).toBe(`${DEFAULTS} --enable-source-maps`);
  });

  it("leaves an operator's own cap alone, in either spelling", () => {
    expect(serviceNodeOptions('--max-old-space-size=384')).toBe(
      `--max-semi-space-size=${SERVICE_SEMI_SPACE_MB} --max-old-space-size=384`,
    );
    expect(serviceNodeOptions('--max_old_space_size=512 --trace-warnings')).toBe(
      `--max-semi-space-size=${SERVICE_SEMI_SPACE_MB} --max_old_space_size=512 --trace-warnings`,
    );
  });

  it("leaves an operator's own semi-space alone", () => {
    expect(serviceNodeOptions('--max-semi-space-size=32')).toBe(
      `--max-old-space-size=${SERVICE_HEAP_MB} --max-semi-space-size=32`,
    );
    expect(serviceNodeOptions('--max_semi_space_size=8 --max-old-space-size=200')).toBe(
      '--max_semi_space_size=8 --max-old-space-size=200',
    );
  });
});

describe('the image', () => {
  it('sets the heap as the local launchers do', () => {
    const dockerfile = readFileSync(
      join(__dirname, '..', '..', '..', 'deploy', 'Dockerfile'),
      'utf8',
    );
    expect(dockerfile).toContain(`ENV NODE_OPTIONS="${DEFAULTS}"\n`);
  });
});
