// IPv4 addresses and CIDR ranges, for the settings that name networks. No imports: config.ts
// (loaded by the policy plugin and the deploy) uses it.

/** Ranges that are not the public internet: private (RFC 1918), carrier-grade NAT (RFC 6598). */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] as const;
/** Link-local, which holds the cloud metadata service (169.254.169.254) that hands out credentials. */
export const LINK_LOCAL = '169.254.0.0/16';

const ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as a 32-bit number, or undefined when `text` is not a dotted IPv4 address. */
export function parseAddress(text: string): number | undefined {
  const m = ADDRESS.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some(o => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/** `10.0.1.0/24` as its first address and prefix length, or undefined when it is not one. */
export function parseCidr(text: string): { base: number; bits: number } | undefined {
  const [address, bits, ...rest] = text.split('/');
  const base = parseAddress(address);
  if (base === undefined || rest.length || !/^\d{1,2}$/.test(bits ?? '') || Number(bits) > 32) return undefined;
  return { base, bits: Number(bits) };
}

/** Whether `address` lies inside `cidr` (both valid). */
export function contains(cidr: string, address: string): boolean {
  const range = parseCidr(cidr);
  const ip = parseAddress(address);
  if (!range || ip === undefined) return false;
  const size = 2 ** (32 - range.bits);
  const start = Math.floor(range.base / size) * size;
  return ip >= start && ip < start + size;
}

/** Whether all of `inner` lies inside `outer`. */
export function within(outer: string, inner: string): boolean {
  const range = parseCidr(inner);
  return !!range && parseCidr(outer)!.bits <= range.bits && contains(outer, inner.split('/')[0]);
}
