import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChangeMessage } from '../messages.ts';
import { onChange } from './lazy-rpc.ts';

/**
 * Loads data from the worker and loads it again whenever a relevant change arrives. Reloads
 * that overlap are collapsed: the latest answer wins, an older one never overwrites it.
 */
const COALESCE_MS = 40;

export function useLive<T>(load: () => Promise<T>, deps: unknown[], relevant: (change: ChangeMessage) => boolean = () => true) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;

  // eslint-disable-next-line react-hooks/exhaustive-deps
  const reload = useCallback(() => {
    const mine = ++generation.current;
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
      },
      (failure: unknown) => {
        if (mine === generation.current) setError(failure);
      },
    );
  }, deps);

  // A layout effect runs right after the render, where a plain effect waits for the next frame:
  // each screen's data is asked for (or an answer already on its way is taken) one frame sooner.
  useLayoutEffect(() => {
    reload();
    // A burst of changes (live sync catching up on many documents) becomes one reload.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = onChange((change) => {
      if (!relevantRef.current(change) || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, COALESCE_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [reload]);

  return { data, error, reload };
}
