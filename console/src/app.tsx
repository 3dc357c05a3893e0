import { useEffect, useRef, useState } from 'react';
import { Link } from './components/ui.js';
import { request } from './lib/api.js';
import { getAuth, initialAuth, onAuthChange, signOut, type AuthMode } from './lib/auth.js';
import { ViewerContext, type Viewer } from './lib/hooks.js';
import { ViewerQuery } from './lib/ops.js';
import { match, navigate, useLocation } from './lib/router.js';
import { AuditPage } from './pages/audit.js';
import { CatalogPage } from './pages/catalog.js';
import { CreateKeyPage } from './pages/create-key.js';
import { EventsPage } from './pages/events.js';
import { KeyPage } from './pages/key.js';
import { KeysPage } from './pages/keys.js';
import { RolesPage } from './pages/roles.js';
import { SignInPage } from './pages/sign-in.js';
import { SubAccountsPage } from './pages/sub-accounts.js';
import { UsersPage } from './pages/users.js';
import { CustomersPage } from './pages/customers.js';
import { WebhookPage, WebhooksPage } from './pages/webhooks.js';

type NavItem = { to: string; label: string; permission: string };
const NAV: NavItem[] = [
  { to: '/keys', label: 'API keys', permission: 'keys:read' },
  { to: '/events', label: 'Live events', permission: 'events:read' },
  { to: '/webhooks', label: 'Webhooks', permission: 'webhooks:read' },
  { to: '/customers', label: 'Customers', permission: 'customers:read' },
  { to: '/users', label: 'Users', permission: 'users:read' },
  { to: '/roles', label: 'Roles', permission: 'roles:read' },
  { to: '/sub-accounts', label: 'Sub-accounts', permission: 'organizations:read' },
  { to: '/catalog', label: 'Permissions', permission: 'organizations:read' },
  { to: '/audit', label: 'Audit log', permission: 'audit:read' },
];

function Page({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/keys') return <KeysPage />;
  if (path === '/keys/new') return <CreateKeyPage />;
  if ((m = match('/keys/:id', path))) return <KeyPage id={m.id!} />;
  if (path === '/events') return <EventsPage />;
  if (path === '/webhooks') return <WebhooksPage />;
  if ((m = match('/webhooks/:id', path))) return <WebhookPage id={m.id!} />;
  if (path === '/users') return <UsersPage />;
  if (path === '/customers') return <CustomersPage />;
  if (path === '/roles') return <RolesPage />;
  if (path === '/sub-accounts') return <SubAccountsPage />;
  if (path === '/catalog') return <CatalogPage />;
  if (path === '/audit') return <AuditPage />;
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link to="/keys">Go to your API keys</Link>
      </p>
    </>
  );
}

function Shell({ viewer }: { viewer: Viewer }) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const held = new Set(viewer.permissions.map((p) => p.permission));
  const items = NAV.filter((n) => held.has(n.permission));
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation only; `items` follows the viewer, fixed for the session
  useEffect(() => {
    if (path === '/' || path === '') navigate(items[0]?.to ?? '/keys', { replace: true });
    setMenuOpen(false);
  }, [path]);
  // After a navigation (not the first load), move focus to the new page's heading so keyboard
  // and screen-reader users know the page changed.
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every navigation (path), reading only the DOM
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-title')?.focus({ preventScroll: true });
  }, [path]);
  const auth = getAuth();
  return (
    <ViewerContext.Provider value={viewer}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="sidenav" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <Link to="/keys" className="brand">
          <img src="/console/favicon.svg" alt="" /> Keyplane
        </Link>
        <div className="whoami">
          <span className="who" title={`${viewer.user.name} · ${viewer.organization.name}`}>
            {viewer.user.name}
            <span className="hide-narrow"> · {viewer.organization.name}</span>
            {auth.mode === 'key' && <span className="hide-narrow"> (key)</span>}
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="layout">
        <nav className="sidenav" id="sidenav" aria-label="Console" data-open={menuOpen ? 'true' : 'false'}>
          <p className="nav-who">
            Signed in as {viewer.user.name} · {viewer.organization.name}
          </p>
          <ul>
            {items.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={path === n.to || path.startsWith(`${n.to}/`) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1} aria-labelledby="page-title">
          <Page path={path} />
        </main>
      </div>
    </ViewerContext.Provider>
  );
}

export function App() {
  const [auth, setAuthState] = useState<AuthMode>(() => initialAuth());
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => onAuthChange(setAuthState), []);
  useEffect(() => {
    setViewer(null);
    setError(null);
    if (auth.mode === 'none') return;
    request(ViewerQuery).then(
      (d) => setViewer(d.viewer),
      (e: Error) => setError(e.message),
    );
  }, [auth]);

  if (auth.mode === 'none') return <SignInPage reason={auth.reason} />;
  if (!viewer)
    return (
      <div className="signin">
        {error ? (
          <div className="notice error" role="alert">
            {error}
          </div>
        ) : (
          <p role="status">Signing in…</p>
        )}
      </div>
    );
  return <Shell viewer={viewer} />;
}
