import { isIPv6 } from 'node:net';

/**
 * The key a client address is counted under by the login throttle. IPv4 (and IPv4-mapped IPv6)
 * as it is; IPv6 by its /64 prefix, since one host commonly holds a whole /64 and could
 * otherwise step through addresses to reset its counter. The server trusts no forwarding
 * header: behind a reverse proxy every client is the proxy's address.
 */
export function clientAddressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(remoteAddress)) return remoteAddress;
  const [head = '', tail = ''] = remoteAddress.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = remoteAddress.includes('::') && tail ? tail.split(':') : [];
  const groups = remoteAddress.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
