import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useDebounced } from './useDebounced';

/**
 * Query parameters of the URL as page state: `update({ tab: 'code', q: undefined })` sets the
 * given ones (an empty or undefined value removes it) and keeps the others. `replace` changes the
 * current history entry instead of adding one (typing, sorting).
 */
export function useUrlParams() {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v) next.set(k, v);
            else next.delete(k);
          }
          return next;
        },
        { replace: options.replace ?? false },
      ),
    [setParams],
  );
  return [params, update] as const;
}

/**
 * A search box kept in the URL (`?{name}=`): `text` is what is typed, written to the URL once
 * typing pauses; back and forward bring the box the URL's search. `query` is the URL's.
 */
export function useUrlSearch(name = 'q', ms = 300) {
  const [params, update] = useUrlParams();
  const query = params.get(name) ?? '';
  const [text, setText] = useState(query);
  const debounced = useDebounced(text.trim(), ms);
  // The last search written to or read from the URL.
  const synced = useRef(query);
  useEffect(() => {
    if (debounced === synced.current) return;
    synced.current = debounced;
    update({ [name]: debounced }, { replace: true });
  }, [debounced, name, update]);
  useEffect(() => {
    if (query === synced.current) return;
    synced.current = query;
    setText(query);
  }, [query]);
  return { text, setText, query };
}
