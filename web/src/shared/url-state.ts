import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * A piece of view state kept in the URL (filters, range, grouping), so that a view can be shared by its link and
 * survives a reload. Setting the default removes the parameter.
 */
export function useUrlState<T extends string = string>(key: string, fallback: NoInfer<T>): [T, (value: T) => void] {
  const [params, setParams] = useSearchParams();
  const value = (params.get(key) ?? fallback) as T;
  const set = useCallback(
    (next: T) =>
      setParams(
        (current) => {
          const copy = new URLSearchParams(current);
          if (next === fallback || next === '') copy.delete(key);
          else copy.set(key, next);
          return copy;
        },
        { replace: true },
      ),
    [key, fallback, setParams],
  );
  return [value, set];
}
