import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A button whose action is asked about in place, without a dialog: the question replaces it with
 * the confirming button focused; Cancel or Escape puts the first button back, focused again.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled = false,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  const returning = useRef(false);

  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (returning.current) {
      returning.current = false;
      start.current?.focus();
    }
  }, [asking]);

  const cancel = () => {
    returning.current = true;
    setAsking(false);
  };

  if (!asking) {
    return (
      <button ref={start} type="button" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span
      class="inline-confirm"
      role="group"
      aria-label={question}
      onKeyDown={(event) => {
        if (event.key === 'Escape') cancel();
      }}
    >
      <span>{question}</span>
      <button
        ref={confirm}
        type="button"
        class="danger"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void onConfirm().finally(() => {
            setBusy(false);
            setAsking(false);
          });
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </span>
  );
}

/** A secret shown this once, in a read-only field that selects whole on focus, with a copy button. */
export function ShownOnce({
  id,
  label,
  value,
  note,
  onDone,
}: {
  id: string;
  label: string;
  value: string;
  note: string;
  onDone: () => void;
}) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, [value]);

  const copy = () => {
    field.current?.select();
    navigator.clipboard
      .writeText(value)
      .then(() => setCopied('Copied.'))
      .catch(() => setCopied('Select the text and copy it.'));
  };

  return (
    <div class="shown-once" data-shown-once={id}>
      <label for={id}>{label}</label>
      <div class="shown-once-row">
        <input
          ref={field}
          id={id}
          type="text"
          readOnly
          spellcheck={false}
          autocomplete="off"
          value={value}
          aria-describedby={`${id}-note`}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p id={`${id}-note`} class="note">
        {note}
      </p>
      {copied && <p aria-live="polite">{copied}</p>}
    </div>
  );
}

export const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : '—');
