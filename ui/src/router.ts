/** Hash routes (#/page/arg?query): the page works from any node's /ui/ without server routes. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** '' is the network view. */
  page: string;
  /** What the page shows: a height, a hash, an address ('' for none). */
  arg: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const path = q === -1 ? text : text.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : text.slice(q + 1));
  const [page = '', ...rest] = path.split('/');
  let arg = rest.join('/');
  try {
    arg = decodeURIComponent(arg);
  } catch {
    // A hand-typed bad escape: the page shows it as typed.
  }
  return { page, arg, query };
}

/** The link to a page: href('block', 12) is '#/block/12'. */
export function href(page: string, arg?: string | number, query?: Record<string, string>): string {
  const q = query ? `?${new URLSearchParams(query).toString()}` : '';
  return `#/${page}${arg === undefined || arg === '' ? '' : `/${encodeURIComponent(String(arg))}`}${q}`;
}

export function navigate(page: string, arg?: string | number, query?: Record<string, string>): void {
  location.hash = href(page, arg, query);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
