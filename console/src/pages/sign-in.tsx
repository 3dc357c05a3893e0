import { useEffect, useState } from 'react';
import { Field } from '../components/ui.js';
import { setAuth } from '../lib/auth.js';

const TOKEN_RE = /^kp_(sk|ik)_[0-9A-Za-z]{16}_[0-9A-Za-z]{50}$/;

/**
 * Two ways in: a one-time console link from the host application (it lands here already signed
 * in), or, for operators, a secret or integration key pasted here and kept in memory only.
 */
export function SignInPage({ reason }: { reason?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    document.title = 'Sign in · Keyplane console';
  }, []);
  return (
    <main className="signin" id="main">
      <h1>Keyplane console</h1>
      <p className="hint">Manage API keys, their usage, live events, webhooks, users and roles.</p>
      {reason && (
        <div className="notice info" role="status">
          {reason}
        </div>
      )}
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Signing in from your application</h2>
        <p>
          Open the console from your application’s settings page (<em>API keys</em>). It sends you here with a one-time sign-in link that is valid for a few
          minutes.
        </p>
      </div>
      <form
        className="panel"
        aria-labelledby="key-signin"
        onSubmit={(e) => {
          e.preventDefault();
          const t = token.trim();
          if (!TOKEN_RE.test(t)) {
            setError('Paste a full secret (kp_sk_…) or integration (kp_ik_…) key. Publishable keys cannot manage anything.');
            return;
          }
          setToken('');
          setAuth({ mode: 'key', token: t });
        }}
      >
        <h2 id="key-signin" style={{ marginTop: 0 }}>
          Operators: sign in with a key
        </h2>
        <Field label="API key" hint="Kept in this tab’s memory only: it is never stored, and reloading the page signs you out." error={error}>
          {(p) => (
            <input
              {...p}
              type="password"
              name="token"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(e) => {
                setToken(e.target.value);
                setError(undefined);
              }}
              required
            />
          )}
        </Field>
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
