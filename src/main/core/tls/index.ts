// Local HTTPS's certificate authority (issue 12), safer than mkcert's: a root
// (10 years, ECDSA P-256) that signs only an intermediate, and the
// intermediate, name-constrained (RFC 5280 §4.2.1.10) to localhost, .test,
// .internal, .home.arpa, 127.0.0.0/8, ::1 and the user's own domains, issues
// every leaf (ECDSA P-256 or RSA 2048, 397 days, renewed 30 days before
// expiry), so a stolen key cannot impersonate anyone's bank: Chrome, Firefox,
// Apple, Windows and OpenSSL enforce constraints on an intermediate. Files live
// in <dataDir>/tls (0700): root.{key,crt}, intermediate.{key,crt} and
// leaves/<first name>.{key,crt}, keys 0600, each written by temp file and
// rename. The root key is kept (0600, like the intermediate's, protected by the
// user's file permissions as mkcert's rootCA-key.pem and Caddy's root.key are):
// without it, adding a domain would mean a new root for the user to trust
// again; it is read only to re-issue the intermediate and is otherwise never
// in memory. No function exported here returns key material: the engine alone
// gets a key and chain, from engine-credentials.ts (a test enforces who
// imports it). The library is @peculiar/x509 over WebCrypto (maintained by
// PeculiarVentures), with @peculiar/asn1-x509 for the nameConstraints
// extension it has no class for. Not `selfsigned` (used by tests): v5 is a
// wrapper over the same library that writes only basicConstraints, keyUsage,
// extKeyUsage and subjectAltName, so no name constraints and no key
// identifiers to chain an intermediate by. Not node-forge, under most older
// Node CA tools: it signs with RSA only, no ECDSA.
export { LEAF_VALIDITY_DAYS } from './certificate-profiles';
export { Certificates, type DomainStore } from './certificates';
export { type LeafCertificate, type LeafOptions } from './leaves';
export { LocalCa, openLocalCa, type LocalCaOptions } from './local-ca';
export { keyTypes, type KeyType } from './keys';
export { DEFAULT_PERMITTED_DOMAINS, PERMITTED_IP_RANGES, checkSubjectName, checkUserDomain, normalizeName } from './name-constraints';
export { RENEW_BEFORE_EXPIRY_DAYS, RENEW_BEFORE_EXPIRY_MS, needsRenewal } from './renewal';
export { checkTrust } from './trust-check';
export { installSystemTrust } from './trust-install';
export { trustInstructions, type TrustContext } from './trust-instructions';
export { detectTrustContext } from './trust-system';
