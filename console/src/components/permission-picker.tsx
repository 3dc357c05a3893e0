import type { ConsoleCatalogQuery } from '../gql/graphql.js';

export type CatalogResource = ConsoleCatalogQuery['permissionCatalog'][number];

/**
 * Checkboxes for the catalogue's `resource:action` permissions, one row per resource. Actions the
 * caller cannot grant are disabled (nobody grants what they do not hold); with `publicOnly`, only
 * the actions marked public (what a publishable key may hold) are offered.
 */
export function PermissionPicker({
  catalog,
  value,
  onChange,
  grantable,
  publicOnly,
  legend,
  instances,
  onInstances,
}: {
  catalog: CatalogResource[];
  value: Set<string>;
  onChange(next: Set<string>): void;
  grantable?: (permission: string) => boolean;
  publicOnly?: boolean;
  legend: string;
  /** Per chosen permission: the resource instance ids it is limited to, as typed (comma-separated; empty: every instance). */
  instances?: Record<string, string>;
  onInstances?(permission: string, ids: string): void;
}) {
  const toggle = (p: string, on: boolean) => {
    const next = new Set(value);
    if (on) next.add(p);
    else next.delete(p);
    onChange(next);
  };
  const rows = catalog.filter((r) => !publicOnly || r.publicActions.length > 0);
  return (
    <fieldset>
      <legend>{legend}</legend>
      {rows.length === 0 && <p className="hint">No permission is available here.</p>}
      <div className="table-wrap" style={{ border: 'none' }}>
        <table className="perm-grid">
          <thead>
            <tr>
              <th scope="col">Resource</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <th scope="row" style={{ textTransform: 'none', letterSpacing: 0, fontSize: '0.95rem', color: 'var(--text)', background: 'transparent' }}>
                  <code>{r.name}</code>
                  {r.description && <div className="hint">{r.description}</div>}
                </th>
                <td>
                  <div className="row" style={{ gap: '1rem' }}>
                    {(publicOnly ? r.publicActions : r.actions).map((a) => {
                      const p = `${r.name}:${a}`;
                      const allowed = grantable ? grantable(p) : true;
                      return (
                        <label key={a} className="choice" style={{ margin: 0 }} title={allowed ? p : `${p}: you do not hold it`}>
                          <input type="checkbox" checked={value.has(p)} disabled={!allowed} onChange={(e) => toggle(p, e.target.checked)} aria-label={p} />
                          {a}
                          {r.publicActions.includes(a) && !publicOnly && <span className="visually-hidden"> (public)</span>}
                          {onInstances && value.has(p) && (
                            <input
                              type="text"
                              className="instances"
                              aria-label={`${p}: only these instances`}
                              placeholder="all instances"
                              title="Resource instance ids, comma-separated; empty: every instance"
                              maxLength={2000}
                              value={instances?.[p] ?? ''}
                              onChange={(e) => onInstances(p, e.target.value)}
                            />
                          )}
                        </label>
                      );
                    })}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </fieldset>
  );
}

/** The grants a picker's choice stands for: each permission, limited to the instances typed for it. */
export function grantsOf(value: Set<string>, instances: Record<string, string>): { permission: string; resourceIds: string[] | null }[] {
  return [...value].sort().map((permission) => {
    const ids = (instances[permission] ?? '')
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    return { permission, resourceIds: ids.length ? ids : null };
  });
}

/** A key's grants as a picker's value and typed instances. */
export function pickerOf(grants: { permission: string; resourceIds?: string[] | null }[] | null | undefined): {
  value: Set<string>;
  instances: Record<string, string>;
} {
  const value = new Set<string>();
  const instances: Record<string, string> = {};
  for (const g of grants ?? []) {
    value.add(g.permission);
    if (g.resourceIds?.length) instances[g.permission] = g.resourceIds.join(', ');
  }
  return { value, instances };
}
