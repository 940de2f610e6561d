import ipaddr from 'ipaddr.js';

/**
 * SSRF policy: only globally routable unicast addresses may be called. Loopback, private,
 * link-local (cloud metadata), CGNAT, multicast, reserved, documentation, benchmarking and the
 * IPv6 equivalents are refused, IPv4-mapped IPv6 judged as the IPv4 address it carries. Subnets in
 * the allow-list (development and tests) are let through explicitly.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * Cloud platform endpoints on ordinary unicast addresses: Azure's WireServer (168.63.129.16), which
 * serves VM agents and health probes. The others (169.254.169.254 and fd00:ec2::254, Alibaba's
 * 100.100.100.200, Oracle's 192.0.0.192) are in ranges refused anyway.
 */
const CLOUD_PLATFORM_ADDRESSES = [ipaddr.parseCIDR('168.63.129.16/32')];

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
    // Named with the IPv4 address it carries: URLs write `::ffff:169.254.169.254` as `::ffff:a9fe:a9fe`.
    let named = address;
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
      named = `${address} (${parsed.toString()})`;
    }
    if (this.allowed.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) {
      return null;
    }
    const range = parsed.range();
    if (range !== 'unicast') return `${named} is in a ${range} range`;
    if (
      CLOUD_PLATFORM_ADDRESSES.some(
        ([network, bits]) => parsed.kind() === network.kind() && parsed.match(network, bits),
      )
    )
      return `${named} is a cloud platform endpoint`;
    // ipaddr.js files the deprecated IPv4-compatible ::/96 (`::169.254.169.254`) under unicast.
    if (parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE))
      return `${named} is in the IPv4-compatible range ::/96`;
    return null;
  }

  /**
   * Null unless the URL's host is already known to be refused: an IP address the policy refuses, or
   * a `localhost` name (always loopback, RFC 6761) while loopback is refused. Other host names are
   * judged by the addresses they resolve to when a connection is made; this lets an author hear
   * at once about a URL that could never be called, not after its first delivery failed.
   */
  urlRefusalReason(url: string): string | null {
    let host: string;
    try {
      // A fully qualified name's final dot ("localhost.") names the same host.
      host = new URL(url).hostname.replace(/\.$/, '');
    } catch {
      return null;
    }
    if (host === 'localhost' || host.endsWith('.localhost')) {
      return this.refusalReason('127.0.0.1') && `${host} is a loopback name`;
    }
    // The URL parser writes every IPv4 form (`0x7f.1`, `2130706433`) as four decimal parts, and
    // IPv6 in brackets.
    const address = host.startsWith('[') ? host.slice(1, -1) : host;
    return ipaddr.IPv4.isValidFourPartDecimal(address) || address !== host ? this.refusalReason(address) : null;
  }
}
