import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A component whose module is loaded the first time it is drawn (the popup's sharing dialog,
 * sync details, sign-in form): until then it draws `fallback`, or nothing. Kept out of the
 * popup's first script, which only has to draw the list.
 */
export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>, fallback: ComponentType<P> | null = null): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Component) return;
      let gone = false;
      loading ??= load().then((c) => (loaded = c));
      loading.then(
        (c) => !gone && setComponent(() => c),
        (error: unknown) => console.error('cytoshare: a part of the page did not load', error),
      );
      return () => {
        gone = true;
      };
    }, []);
    const Shown = Component ?? fallback;
    return Shown ? <Shown {...props} /> : null;
  };
}
