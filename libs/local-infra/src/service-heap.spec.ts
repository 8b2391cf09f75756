import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SERVICE_HEAP_MB,
  SERVICE_MALLOC_MMAP_THRESHOLD,
  SERVICE_SEMI_SPACE_MB,
  serviceEnvironment,
  serviceNodeOptions,
  type HeapRole,
} from './service-heap';

const semiSpace = (role: HeapRole): string =>
  `--max-semi-space-size=${SERVICE_SEMI_SPACE_MB[role]}`;
const defaults = (role: HeapRole): string =>
  `--max-old-space-size=${SERVICE_HEAP_MB} ${semiSpace(role)}`;
const ROLES = Object.keys(SERVICE_SEMI_SPACE_MB) as HeapRole[];

describe('serviceNodeOptions', () => {
  it('caps the heap and names the semi-space of each role when nothing is given', () => {
    for (const role of ROLES) {
      expect(serviceNodeOptions(undefined, role)).toBe(defaults(role));
      expect(serviceNodeOptions('  ', role)).toBe(defaults(role));
    }
    expect(SERVICE_SEMI_SPACE_MB).toEqual({
      'subscription-api': 8,
      'event-ingest': 8,
      deliverer: 16,
    });
  });

  it('keeps the options given, after its own', () => {
    expect(serviceNodeOptions('--enable-source-maps', 'deliverer')).toBe(
      `${defaults('deliverer')} --enable-source-maps`,
    );
  });

  it("leaves an operator's own cap alone, in either spelling", () => {
    expect(serviceNodeOptions('--max-old-space-size=384', 'event-ingest')).toBe(
      `${semiSpace('event-ingest')} --max-old-space-size=384`,
    );
    expect(serviceNodeOptions('--max_old_space_size=512 --trace-warnings', 'deliverer')).toBe(
      `${semiSpace('deliverer')} --max_old_space_size=512 --trace-warnings`,
    );
  });

  it("leaves an operator's own semi-space alone", () => {
    expect(serviceNodeOptions('--max-semi-space-size=32', 'deliverer')).toBe(
      `--max-old-space-size=${SERVICE_HEAP_MB} --max-semi-space-size=32`,
    );
    expect(
      serviceNodeOptions('--max_semi_space_size=8 --max-old-space-size=200', 'deliverer'),
    ).toBe('--max_semi_space_size=8 --max-old-space-size=200');
  });
});

describe('serviceEnvironment', () => {
  it("sets glibc's mmap threshold and the role's node options", () => {
    expect(serviceEnvironment({}, 'deliverer')).toEqual({
      NODE_OPTIONS: defaults('deliverer'),
      MALLOC_MMAP_THRESHOLD_: '131072',
    });
    expect(SERVICE_MALLOC_MMAP_THRESHOLD).toBe(131072);
  });

  it("keeps an operator's own settings", () => {
    expect(
      serviceEnvironment(
        { NODE_OPTIONS: '--max-old-space-size=300', MALLOC_MMAP_THRESHOLD_: '65536' },
        'event-ingest',
      ),
    ).toEqual({
      NODE_OPTIONS: `${semiSpace('event-ingest')} --max-old-space-size=300`,
      MALLOC_MMAP_THRESHOLD_: '65536',
    });
  });
});

describe('the image', () => {
  const deploy = join(__dirname, '..', '..', '..', 'deploy');

  it("leaves the heap to the entrypoint, which sets each role's as the local launchers do", () => {
    expect(readFileSync(join(deploy, 'Dockerfile'), 'utf8')).not.toMatch(/^ENV NODE_OPTIONS/m);
    const entrypoint = readFileSync(join(deploy, 'docker-entrypoint.sh'), 'utf8');
    expect(entrypoint).toContain(
      'export NODE_OPTIONS="--max-old-space-size=144 --max-semi-space-size=$semi_space"',
    );
    expect(SERVICE_HEAP_MB).toBe(144);
    expect(entrypoint).toContain(`deliverer) semi_space=${SERVICE_SEMI_SPACE_MB.deliverer} ;;`);
    expect(entrypoint).toContain(`*) semi_space=${SERVICE_SEMI_SPACE_MB['event-ingest']} ;;`);
    expect(SERVICE_SEMI_SPACE_MB['subscription-api']).toBe(SERVICE_SEMI_SPACE_MB['event-ingest']);
    expect(entrypoint).toContain(
      `export MALLOC_MMAP_THRESHOLD_="\${MALLOC_MMAP_THRESHOLD_:-${SERVICE_MALLOC_MMAP_THRESHOLD}}"`,
    );
  });
});
