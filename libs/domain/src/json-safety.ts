/**
 * The deepest nesting Herald takes in any JSON it is given (events, schemas, filters). Far beyond
 * what real payloads use, and far below what recursive code — `JSON.stringify`, PostgreSQL's jsonb,
 * a schema validator — can walk without running out of stack.
 */
export const MAX_JSON_DEPTH = 64;

export type UnsafeJsonKind = 'nul_character' | 'unpaired_surrogate' | 'too_deep';

/** Why a JSON value cannot be taken, and where: `path` is like `data.meters[0].name` ('' for the value itself). */
export interface UnsafeJson {
  kind: UnsafeJsonKind;
  path: string;
  message: string;
}

/** A NUL (PostgreSQL text and jsonb refuse it) or a lone UTF-16 surrogate (not Unicode at all). */
const UNSAFE_CHARACTER = /[\0\p{Cs}]/u;
const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

interface Step {
  value: unknown;
  depth: number;
  parent: Step | null;
  key: string | number | null;
}

function pathOf(step: Step, root: string): string {
  const parts: string[] = [];
  for (let at: Step | null = step; at !== null && at.key !== null; at = at.parent) {
    const key = at.key;
    parts.push(
      typeof key === 'number'
        ? `[${key}]`
        : IDENTIFIER.test(key)
          ? `.${key}`
          : `[${JSON.stringify(key)}]`,
    );
  }
  const path = root + parts.reverse().join('');
  return path.startsWith('.') ? path.slice(1) : path;
}

function characterProblem(text: string): UnsafeJsonKind | null {
  if (!UNSAFE_CHARACTER.test(text)) return null;
  return text.includes('\0') ? 'nul_character' : 'unpaired_surrogate';
}

const DESCRIPTIONS: Record<UnsafeJsonKind, string> = {
  nul_character: 'holds a NUL character (\\u0000), which Herald cannot store',
  unpaired_surrogate:
    'holds an unpaired UTF-16 surrogate (e.g. \\ud800), which is not valid Unicode',
  too_deep: `is nested more than ${MAX_JSON_DEPTH} levels deep`,
};

/**
 * The first thing in a decoded JSON value that Herald cannot take — a string or key holding a NUL
 * or an unpaired surrogate, or nesting deeper than `maxDepth` — or null when it is all safe.
 * Iterative, so a hostile depth cannot overflow the stack here either. `root` names the value in
 * the path (e.g. `data`).
 */
export function findUnsafeJson(
  value: unknown,
  root = '',
  maxDepth: number = MAX_JSON_DEPTH,
): UnsafeJson | null {
  const problem = (kind: UnsafeJsonKind, step: Step, keyText?: string): UnsafeJson => {
    const path = pathOf(step, root);
    const at = path || 'the value';
    const subject = keyText === undefined ? at : `a key of ${at}`;
    return { kind, path, message: `${subject} ${DESCRIPTIONS[kind]}` };
  };
  const stack: Step[] = [{ value, depth: 0, parent: null, key: null }];
  while (stack.length > 0) {
    const step = stack.pop() as Step;
    const current = step.value;
    if (typeof current === 'string') {
      const kind = characterProblem(current);
      if (kind) return problem(kind, step);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (step.depth >= maxDepth) return problem('too_deep', step);
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], depth: step.depth + 1, parent: step, key: index });
      }
      continue;
    }
    const keys = Object.keys(current);
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index];
      const kind = characterProblem(key);
      if (kind) return problem(kind, step, key);
      stack.push({
        value: (current as Record<string, unknown>)[key],
        depth: step.depth + 1,
        parent: step,
        key,
      });
    }
  }
  return null;
}
