import { useEffect, useId, useRef, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';
import { BASE, navigate } from '../lib/router.js';
import { codeLabel } from '../lib/format.js';

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  return (
    <a
      href={`${BASE}${to}`}
      {...rest}
      onClick={(e) => {
        rest.onClick?.(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export function PageHead({ title, intro, children }: { title: string; intro?: ReactNode; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Keyplane console`;
  }, [title]);
  return (
    <div className="page-head">
      <div>
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {intro && <p>{intro}</p>}
      </div>
      {children && <div className="actions">{children}</div>}
    </div>
  );
}

export function ErrorNotice({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert">
      {error}
    </div>
  );
}

/** The one row a table shows when it has nothing to list. */
export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="empty">
        {children}
      </td>
    </tr>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="empty" role="status">
      {what}…
    </p>
  );
}

type FieldProps = {
  label: string;
  hint?: ReactNode;
  error?: string;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
};

/** A labelled control with its hint and error wired up for assistive technology. */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errId}>
          {error}
        </p>
      )}
    </div>
  );
}

const STATUS_TONE: Record<string, string> = {
  ACTIVE: 'ok',
  SUCCEEDED: 'ok',
  VALID: 'ok',
  ENABLED: 'ok',
  REVOKED: 'bad',
  RATE_LIMITED: 'warn',
  USAGE_EXCEEDED: 'warn',
  NOT_YET_VALID: 'warn',
  IP_NOT_ALLOWED: 'bad',
  INSUFFICIENT_PERMISSIONS: 'bad',
  UNKNOWN_PERMISSION: 'bad',
  USER_DISABLED: 'bad',
  NOT_FOUND: 'bad',
  MALFORMED: 'bad',
  FAILED: 'bad',
  DISABLED: 'bad',
  DELETED: 'bad',
  EXPIRED: 'warn',
  PENDING: 'warn',
};

export function Badge({ value, tone }: { value: string; tone?: 'ok' | 'bad' | 'warn' | 'neutral' }) {
  return <span className={`badge ${tone ?? STATUS_TONE[value] ?? 'neutral'}`}>{codeLabel(value)}</span>;
}

/** Copies to the clipboard and says so (politely, for screen readers too). */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          setTimeout(() => setCopied(false), 2500);
        } catch {
          setCopied(false);
        }
      }}
    >
      {copied ? 'Copied' : label}
      <span className="visually-hidden" aria-live="polite">
        {copied ? 'Copied to the clipboard' : ''}
      </span>
    </button>
  );
}

/**
 * A secret shown exactly once: the value, a copy button, and a plain warning. The parent drops
 * the value from memory when the user confirms they stored it.
 */
export function SecretReveal({
  title,
  items,
  onDone,
  doneLabel = 'I have stored it safely',
  explanation = 'Keyplane stores only a hash and cannot show it again. If it is lost, rotate the key to get a new one.',
}: {
  title: string;
  items: { label: string; value: string; copyLabel?: string }[];
  onDone(): void;
  doneLabel?: string;
  /** Why it is shown once and what to do if it is lost (keys: a hash; webhook secrets: encrypted). */
  explanation?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="secret" role="region" aria-labelledby="secret-title" tabIndex={-1} ref={ref} data-testid="secret-reveal">
      <h2 id="secret-title" style={{ marginTop: 0 }}>
        {title}
      </h2>
      <p>
        <strong>Copy it now. This is the only time it is shown:</strong> {explanation}
      </p>
      {items.map((it) => (
        <div key={it.label}>
          <span className="hint">{it.label}</span>
          <div className="value">
            <output aria-label={it.label}>{it.value}</output>
            <CopyButton value={it.value} label={it.copyLabel ?? `Copy ${it.label.toLowerCase()}`} />
          </div>
        </div>
      ))}
      <div className="actions">
        <button type="button" className="primary" onClick={onDone}>
          {doneLabel}
        </button>
      </div>
    </div>
  );
}

/**
 * The panel under a list that adds to it: a heading the form is labelled by, the submit's error,
 * the fields, and the submit button (disabled while busy). Submitting runs `onSubmit` through the
 * form's `useSubmit` state, which shows what fails.
 */
export function CreatePanel({
  id,
  title,
  submitLabel,
  busyLabel,
  state,
  onSubmit,
  children,
}: {
  id: string;
  title: string;
  submitLabel: string;
  busyLabel?: string;
  state: { busy: boolean; error: string | null; run(fn: () => Promise<unknown>): Promise<unknown> };
  onSubmit(): Promise<unknown>;
  children: ReactNode;
}) {
  return (
    <form
      className="panel"
      style={{ marginTop: '1rem' }}
      aria-labelledby={id}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void state.run(onSubmit);
      }}
    >
      <h2 id={id} style={{ marginTop: 0 }}>
        {title}
      </h2>
      <ErrorNotice error={state.error} />
      {children}
      <div className="actions">
        <button type="submit" className="primary" disabled={state.busy}>
          {state.busy && busyLabel ? busyLabel : submitLabel}
        </button>
      </div>
    </form>
  );
}

/** A modal confirmation on the native <dialog>: focus is trapped and Escape cancels. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger,
  busy,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
        <div className="actions">
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
