import { isIP } from 'node:net';

type Range = readonly [base: bigint, prefix: number];

function v4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6(text: string): bigint {
  let address = text.toLowerCase().split('%')[0];
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (embedded) {
    const value = v4(embedded[1]);
    address =
      address.slice(0, -embedded[1].length) +
      `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, null];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [
    ...headParts,
    ...Array<string>(tail === null ? 0 : missing).fill('0'),
    ...tailParts,
  ];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part || '0', 16)), 0n);
}

const V4_BLOCKED: readonly Range[] = (
  [
    ['0.0.0.0', 8], // this network
    ['10.0.0.0', 8], // private
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8], // loopback
    ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
    ['172.16.0.0', 12], // private
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24], // documentation
    ['192.168.0.0', 16], // private
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // documentation
    ['203.0.113.0', 24], // documentation
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, broadcast
  ] as const
).map(([base, prefix]) => [v4(base), prefix] as const);

const V6_BLOCKED: readonly Range[] = (
  [
    ['::', 128], // unspecified
    ['::1', 128], // loopback
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
    ['2001:db8::', 32], // documentation
    ['fd00:ec2::254', 128], // AWS metadata over IPv6
  ] as const
).map(([base, prefix]) => [v6(base), prefix] as const);

function inRange(value: bigint, bits: number, [base, prefix]: Range): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === base >> shift;
}

/**
 * Whether an address is loopback, private, link-local, metadata or otherwise not a public internet
 * host; IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address inside them.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const value = v4(address);
    return V4_BLOCKED.some((range) => inRange(value, 32, range));
  }
  if (family === 6) {
    const value = v6(address);
    const high96 = value >> 32n;
    if (high96 === 0xffffn || high96 === 0x64ff9b0000000000000000n) {
      return isPrivateAddress(
        [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.'),
      );
    }
    return V6_BLOCKED.some((range) => inRange(value, 128, range));
  }
  return true;
}
