import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { ConsoleViewerQuery } from '../gql/graphql.js';
import { ApiError } from './api.js';

export type Viewer = ConsoleViewerQuery['viewer'];

export const ViewerContext = createContext<Viewer | null>(null);

/** The signed-in user and what they may do (the console hides what would be refused). */
export function useViewer(): Viewer & { can(permission: string): boolean } {
  const v = useContext(ViewerContext);
  if (!v) throw new Error('useViewer outside the signed-in shell');
  const held = new Set(v.permissions.map((p) => p.permission));
  return { ...v, can: (p: string) => held.has(p) || held.has('*') };
}

export type Loaded<T> = { data: T | null; error: string | null; loading: boolean; reload(): void };

/** Runs a loader on mount and whenever `deps` change; stale answers are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load again (as useMemo's do); `load` is a fresh closure each render
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (e: unknown) => mine === seq.current && setState({ data: null, error: e instanceof Error ? e.message : String(e), loading: false }),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** A form's submit state: busy flag, error message and field errors from a ValidationError. */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ApiError) {
        setError(e.message);
        setFields(Object.fromEntries(e.fields.map((f) => [f.path.replace(/^input\./, ''), f.message])));
      } else setError(e instanceof Error ? e.message : String(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, fields, run, setError };
}
