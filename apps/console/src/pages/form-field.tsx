import type { ComponentChildren } from 'preact';

/**
 * A labelled text control with its help below it (and described by it): one line of text, a number
 * within a range, or `rows` lines (JSON, JSONata). Spelling is not checked: these hold names, paths
 * and code.
 */
export function TextField({
  id,
  label,
  help,
  value,
  onValue,
  rows,
  range,
}: {
  id: string;
  label: ComponentChildren;
  help: ComponentChildren;
  value: string;
  onValue: (value: string) => void;
  /** A text area of this many rows. */
  rows?: number;
  /** A whole number from `min` to `max`. */
  range?: { min: number; max: number };
}) {
  const helpId = `${id}-help`;
  const control = {
    id,
    value,
    'aria-describedby': helpId,
    onInput: (event: { currentTarget: { value: string } }) => onValue(event.currentTarget.value),
  };
  return (
    <div class="sub-field">
      <label for={id}>{label}</label>
      {rows !== undefined ? (
        <textarea {...control} rows={rows} spellcheck={false} />
      ) : range ? (
        <input {...control} type="number" min={range.min} max={range.max} step={1} />
      ) : (
        <input {...control} type="text" spellcheck={false} />
      )}
      <small id={helpId} class="sub-help">
        {help}
      </small>
    </div>
  );
}
