import ipaddr from 'ipaddr.js';

/**
 * SSRF policy: only globally routable unicast addresses may be called. Loopback, private,
 * link-local (cloud metadata), CGNAT, multicast, reserved, documentation, benchmarking and the
 * IPv6 equivalents are refused, IPv4-mapped IPv6 judged as the IPv4 address it carries. Subnets in
 * the allow-list (development and tests) are let through explicitly.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

export class OutboundAddressPolicy {
  private readonly allowed: [ipaddr.IPv4 | ipaddr.IPv6, number][];

  constructor(allowedCidrs: readonly string[]) {
    this.allowed = allowedCidrs.map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch {
        throw new Error(`invalid CIDR in the outbound allow-list: ${JSON.stringify(cidr)}`);
      }
    });
  }

  /** Null when the address may be called, else why not. */
  refusalReason(address: string): string | null {
    if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
    let parsed = ipaddr.parse(address);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    }
    if (this.allowed.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) {
      return null;
    }
    // ipaddr.js files the deprecated IPv4-compatible ::/96 (`::169.254.169.254`) under unicast.
    if (parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE))
      return `${address} is in the IPv4-compatible range ::/96`;
    const range = parsed.range();
    return range === 'unicast' ? null : `${address} is in a ${range} range`;
  }
}
