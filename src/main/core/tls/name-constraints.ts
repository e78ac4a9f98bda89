import { BlockList, SocketAddress, isIP } from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import { Extension } from '@peculiar/x509';
import { SwitchyardError } from '../../../shared/errors';

// What the intermediate may certify (RFC 5280 §4.2.1.10), and the same rule
// applied before issuing so a refused name gets a sentence instead of a
// certificate every client rejects.
//
// dNSName bases are written WITHOUT a leading dot. RFC 5280 defines a DNS
// constraint as the name plus "zero or more labels added to the left", so
// `localhost` permits localhost, a.localhost and x.y.localhost in OpenSSL
// (nc_dns in crypto/x509/v3_ncons.c: a longer name must have '.' before the
// matched suffix) and Chromium, both tested here, and in NSS and Go. A leading
// dot (`.localhost`) is an OpenSSL/Chrome/Go extension meaning "subdomains
// only": it refuses bare `localhost` (tested too) and is not in the RFC, so
// one `localhost` base covers the issue's `localhost` and `.localhost`. The
// apexes `test`, `internal` and `home.arpa` come along: reserved names (RFC
// 6761, RFC 8375, ICANN's .internal) nobody can register, so permitting them
// gives nothing away.

export const DEFAULT_PERMITTED_DOMAINS: readonly string[] = ['localhost', 'test', 'internal', 'home.arpa'];

/** Loopback only: 127.0.0.0/8 and ::1/128, as CIDR for the iPAddress subtrees. */
export const PERMITTED_IP_RANGES: readonly string[] = ['127.0.0.0/8', '::1/128'];
const IPV4_LOOPBACK = { network: '127.0.0.0', prefix: 8 } as const;
const IPV6_LOOPBACK = '::1';

// IPv4 only: a BlockList also matches an IPv4-mapped IPv6 address
// (::ffff:127.0.0.1) against an IPv4 subnet, but a certificate names that as
// a 16-byte iPAddress, outside both 127.0.0.0/8 and ::1/128, and every
// validator refuses it (openssl verify: "permitted subtree violation").
const ipv4Loopback = new BlockList();
ipv4Loopback.addSubnet(IPV4_LOOPBACK.network, IPV4_LOOPBACK.prefix, 'ipv4');
/** ::ffff:a.b.c.d, however written (Node canonicalises ::ffff:7f00:1 to it). */
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_DNS_NAME_LENGTH = 253;
const WILDCARD_PREFIX = '*.';
/** A user domain of one label (`com`) would permit a whole TLD: the point of the constraints is lost. */
const MIN_USER_DOMAIN_LABELS = 2;

export type SubjectName = { kind: 'dns'; name: string } | { kind: 'ip'; address: string };

const invalid = (message: string, field?: string) => new SwitchyardError('VALIDATION_FAILED', message, field);

function isDnsName(name: string): boolean {
  return name.length <= MAX_DNS_NAME_LENGTH && name.split('.').every((label) => LABEL.test(label));
}

/** Lower-cases and drops a trailing root dot, as browsers do before matching a certificate. */
export const normalizeName = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/** The domains the intermediate permits: the defaults plus the user's, sorted, without any already covered. */
export function permittedDomains(userDomains: readonly string[]): string[] {
  const domains = new Set(DEFAULT_PERMITTED_DOMAINS);
  userDomains.forEach((raw, index) => domains.add(checkUserDomain(raw, `domains.${index}`)));
  return [...domains].filter((domain) => ![...domains].some((other) => other !== domain && withinDomain(domain, other))).sort();
}

/** One domain of the user's, normalised; VALIDATION_FAILED on `field` for one that is not a DNS name of two labels or more. */
export function checkUserDomain(raw: string, field: string): string {
  const domain = normalizeName(raw);
  if (isIP(domain) !== 0 || !isDnsName(domain) || domain.split('.').length < MIN_USER_DOMAIN_LABELS) {
    throw invalid(`${raw} is not a domain the local CA can add: give a DNS name of at least two labels without a wildcard, e.g. dev.example.com.`, field);
  }
  return domain;
}

const withinDomain = (name: string, base: string) => name === base || name.endsWith(`.${base}`);

/**
 * Parses and checks one subject name for a leaf. A wildcard is one leading
 * `*` label over at least two more, as mkcert requires: browsers refuse
 * `*.localhost` (a wildcard over a single label).
 */
export function checkSubjectName(raw: string, domains: readonly string[], field: string): SubjectName {
  const name = normalizeName(raw);
  const ipVersion = isIP(name);
  if (ipVersion !== 0) {
    const family = ipVersion === 4 ? 'ipv4' : 'ipv6';
    // The canonical text (0:0::1 is ::1), as a certificate's SAN reads back, so a stored leaf is found again.
    const address = new SocketAddress({ address: name, family }).address;
    const mapped = IPV4_MAPPED.exec(address)?.[1];
    if (mapped !== undefined && ipv4Loopback.check(mapped, 'ipv4')) throw ipv4Mapped(raw, mapped, field);
    if (family === 'ipv4' ? !ipv4Loopback.check(address, family) : address !== IPV6_LOOPBACK) throw notPermitted(raw, domains, field);
    return { kind: 'ip', address };
  }
  const wildcard = name.startsWith(WILDCARD_PREFIX);
  const base = wildcard ? name.slice(WILDCARD_PREFIX.length) : name;
  if (!isDnsName(base)) {
    throw invalid(`${raw} is not a host name or IP address: use letters, digits, hyphens and dots, e.g. api.test.localhost.`, field);
  }
  if (wildcard && !base.includes('.')) {
    throw invalid(`Browsers refuse a wildcard over one label like ${raw}: name a subdomain, e.g. *.demo.${base}.`, field);
  }
  if (!domains.some((domain) => withinDomain(base, domain))) throw notPermitted(raw, domains, field);
  return { kind: 'dns', name };
}

/**
 * Refused rather than issued as 127.0.0.1: a client that connects to
 * [::ffff:127.0.0.1] compares the SAN's bytes (16) with that address, so an
 * IPv4 SAN would not match it either; the user must choose the IPv4 name.
 */
function ipv4Mapped(raw: string, ipv4: string, field: string): SwitchyardError {
  return new SwitchyardError(
    'CERT_NAME_NOT_PERMITTED',
    `${raw} is an IPv4 address written as IPv6 (IPv4-mapped): a certificate would name it as an IPv6 address outside ::1, which clients refuse. Name it in its IPv4 form, ${ipv4}, and connect to that.`,
    field,
  );
}

function notPermitted(raw: string, domains: readonly string[], field: string): SwitchyardError {
  const name = normalizeName(raw).replace(/^\*\./, '');
  const outside = `${raw} is outside the names this local CA may certify (${domains.join(', ')} and their subdomains, 127.0.0.0/8 and ::1), so no browser would accept it.`;
  let what: string;
  const label = name.split('.')[0]?.replace(/[^a-z0-9-]/g, '') || 'app';
  if (isIP(name) !== 0) what = 'Only loopback addresses can be certified: use 127.0.0.1, ::1 or a name such as app.localhost.';
  else if (!name.includes('.')) what = `Use a name under one of them, e.g. ${label}.localhost.`;
  else {
    // The last two labels: the domain a user who owns the name would add.
    const domain = name.split('.').slice(-MIN_USER_DOMAIN_LABELS).join('.');
    what = `Use a name under one of them, e.g. ${label}.localhost, or add ${domain} to the local CA's domains (in the Certificates view, or \`switchyard cert domains add ${domain}\`): this re-issues the intermediate certificate, and the root stays trusted.`;
  }
  return new SwitchyardError('CERT_NAME_NOT_PERMITTED', `${outside} ${what}`, field);
}

/** The critical nameConstraints extension: permitted subtrees only (RFC 5280 says minimum 0 and no maximum). */
export function nameConstraintsExtension(domains: readonly string[]): Extension {
  const subtrees = [
    ...domains.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
    ...PERMITTED_IP_RANGES.map((iPAddress) => new GeneralSubtree({ base: new GeneralName({ iPAddress }) })),
  ];
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }));
  return new Extension(id_ce_nameConstraints, true, value);
}

/** The dNSName bases a certificate's nameConstraints extension permits, sorted; [] without the extension. */
export function constrainedDomains(extensions: readonly Extension[]): string[] {
  const extension = extensions.find((candidate) => candidate.type === id_ce_nameConstraints);
  if (!extension) return [];
  const constraints = AsnConvert.parse(extension.value, NameConstraints);
  return (constraints.permittedSubtrees ?? [])
    .flatMap((subtree) => (subtree.base.dNSName === undefined ? [] : [subtree.base.dNSName]))
    .sort();
}
