import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * Sets several URL parameters in one navigation (an empty value removes one). Two setters called in a row would
 * each start from the same URL and the second would undo the first: change related parameters together.
 */
export function useUrlPatch(): (patch: Record<string, string>) => void {
  const [, setParams] = useSearchParams();
  return useCallback(
    (patch: Record<string, string>) =>
      setParams(
        (current) => {
          const copy = new URLSearchParams(current);
          for (const [key, value] of Object.entries(patch)) {
            if (value === '') copy.delete(key);
            else copy.set(key, value);
          }
          return copy;
        },
        { replace: true },
      ),
    [setParams],
  );
}

/**
 * A piece of view state kept in the URL (filters, range, grouping), so that a view can be shared by its link and
 * survives a reload. Setting the default removes the parameter.
 */
export function useUrlState<T extends string = string>(key: string, fallback: NoInfer<T>): [T, (value: T) => void] {
  const [params] = useSearchParams();
  const patch = useUrlPatch();
  const value = (params.get(key) ?? fallback) as T;
  const set = useCallback((next: T) => patch({ [key]: next === fallback ? '' : next }), [key, fallback, patch]);
  return [value, set];
}
