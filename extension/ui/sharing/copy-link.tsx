import { useState } from 'preact/hooks';
import { experimentUrl } from '../../../shared/links.ts';

/**
 * Copies the experiment's link: the server's page the share mail links to (for people), and
 * the Experiment Manager page of this extension (for yourself, on this browser).
 */
export function managerUrl(id: string): string {
  return `${new URL('manager.html', location.href).href.split('#')[0]}#exp=${id}`;
}

export function CopyLinks({ id, server }: { id: string; server: string | null }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async (what: string, url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(`${what} copied`);
    } catch {
      setCopied(`Could not copy; the link is ${url}`);
    }
  };
  return (
    <div class="copy-links">
      {server && (
        <button type="button" data-testid="copy-link" onClick={() => copy('Link', experimentUrl(server, id))}>
          Copy link
        </button>
      )}
      <button type="button" data-testid="copy-manager-link" onClick={() => copy('Manager link', managerUrl(id))}>
        Copy Manager link
      </button>
      <span role="status" class="copied">{copied ?? ''}</span>
    </div>
  );
}
