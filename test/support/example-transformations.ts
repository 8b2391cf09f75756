import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ExampleTransformation = 'openvolt' | 'opensolar' | 'solarnetwork';

/**
 * The shipped `examples/transformations/<name>.jsonata`, read as a user would copy it, so the seed
 * tests exercise the very files the README points to.
 */
export function exampleTransformation(name: ExampleTransformation): string {
  return readFileSync(
    join(__dirname, '..', '..', 'examples', 'transformations', `${name}.jsonata`),
    'utf8',
  );
}
