//! Cross-certification of a peer region's root CA (issue "Mutual recognition", item 4).
//!
//! Two regions recognise each other the way the US Federal PKI bridge does: each region's
//! root issues a **cross-certificate** to the other region's root. Relying parties of region
//! X keep X's own root as their only trust anchor; a certificate of region Y then validates
//! along `X root → cross-certificate (X → Y root) → Y issuing CA → Y end entity`, found by the
//! path builder of [`crate::verify::path`] through names and key identifiers.
//!
//! What the cross-certificate says, and why:
//! - **subject** and **subjectPublicKeyInfo** are exactly those of the peer root (subject DER
//!   unchanged), and its **subjectKeyIdentifier** is the peer root's (computed per RFC 7093
//!   when the peer root has none): the peer's issuing CAs name that subject and point with
//!   their authorityKeyIdentifier at that key, so they chain to the cross-certificate as they
//!   chain to the peer's self-signed root. **issuer** is our root's subject and the
//!   **authorityKeyIdentifier** is our root's key identifier.
//! - **basicConstraints** cA (critical; the peer root's pathLenConstraint is kept when it had
//!   one) and **keyUsage** keyCertSign + cRLSign (critical).
//! - **certificatePolicies**: the policies of *our* domain that we recognise in the peer's,
//!   and **policyMappings** (critical, RFC 5280 §4.2.1.5) from each of them
//!   (issuerDomainPolicy, ours) to the peer's equivalent (subjectDomainPolicy, theirs). In the
//!   RFC 5280 §6.1 policy processing the cross-certificate's node for our policy P gets the
//!   expected policy set {P'} (§6.1.4 (b)); the peer's CAs and end entities assert P' and the
//!   path ends with the *valid policy set in our domain*, {P}. A relying party of X asks for
//!   X's policy (user-initial-policy-set, initial-explicit-policy) and accepts Y's equivalent
//!   certificates — and nothing the agreement does not map. Pairs where ours equals theirs
//!   are listed in certificatePolicies without a mapping.
//! - optional **nameConstraints** (critical): permitted and excluded subtrees (directoryName,
//!   dNSName, rfc822Name, URI, iPAddress) that bind every certificate below the peer root, so
//!   that the peer can only be trusted for the names agreed.
//! - optional **policyConstraints** requireExplicitPolicy = 0 (critical): every path through
//!   the cross-certificate must be valid for a mapped policy, whatever the relying party asks.
//! - **cRLDistributionPoints**: our root's CRL (the ARL), through which we withdraw the
//!   recognition by revoking the cross-certificate.
//!
//! Validity: from now until the earliest of our root's notAfter, the peer root's notAfter and
//! now + N days (default five years). The certificate is signed with our root key (the same
//! algorithm as the peer's root key unless told otherwise), kept as
//! `DATA_DIR/ca/cross-<first 16 hex digits of SHA-256 of the peer root>.pem` and audited
//! (`ca.cross-certify`).

use super::authority::random_serial;
use super::cert::{
    self, CertBuildError, CertificateTemplate, NameBuilder, StringKind, attr, ext_oid,
    extensions as x,
};
use super::region::{Region, RegionError};
use super::repo::{AuditEvent, CaRole, RepoError};
use crate::crypto::{Algorithm, CryptoError, Passphrase, Signer};
use const_oid::ObjectIdentifier;
use der::asn1::{Ia5String, OctetString};
use std::net::IpAddr;
use std::path::PathBuf;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

/// Audit action of a cross-certification.
pub const AUDIT_ACTION: &str = "ca.cross-certify";

/// Default validity of a cross-certificate, in years.
pub const DEFAULT_YEARS: i32 = 5;

/// Errors of cross-certification.
#[derive(Debug, thiserror::Error)]
pub enum CrossError {
    /// A bad argument: policy map, name constraint spec, days, or an unsuitable peer root.
    #[error("{0}")]
    Input(String),
    /// Certificate construction.
    #[error("certificate construction failed: {0}")]
    Build(#[from] CertBuildError),
    /// The region (keys, CAs).
    #[error(transparent)]
    Region(#[from] RegionError),
    /// Storage.
    #[error(transparent)]
    Store(#[from] RepoError),
    /// Crypto.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Files.
    #[error("{0}")]
    Io(String),
}

fn input(msg: impl Into<String>) -> CrossError {
    CrossError::Input(msg.into())
}

/// Parse `OURS=THEIRS` (two dotted OIDs). Neither may be anyPolicy (RFC 5280 §4.2.1.5).
pub fn parse_policy_map(spec: &str) -> Result<(ObjectIdentifier, ObjectIdentifier), CrossError> {
    let (ours, theirs) = spec
        .split_once('=')
        .ok_or_else(|| input(format!("policy map '{spec}': expected OURS=THEIRS")))?;
    let oid = |s: &str, which: &str| {
        ObjectIdentifier::new(s.trim()).map_err(|_| {
            input(format!(
                "policy map '{spec}': {which} policy '{}' is not an OID",
                s.trim()
            ))
        })
    };
    let (ours, theirs) = (oid(ours, "our")?, oid(theirs, "their")?);
    if ours == ext_oid::ANY_POLICY || theirs == ext_oid::ANY_POLICY {
        return Err(input(format!(
            "policy map '{spec}': anyPolicy cannot be mapped (RFC 5280 §4.2.1.5)"
        )));
    }
    Ok((ours, theirs))
}

/// Which list a name-constraint subtree goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubtreeKind {
    /// permittedSubtrees.
    Permitted,
    /// excludedSubtrees.
    Excluded,
}

/// Name constraints to put in a cross-certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameConstraintSpec {
    /// Bases of the permitted subtrees.
    pub permitted: Vec<GeneralName>,
    /// Bases of the excluded subtrees.
    pub excluded: Vec<GeneralName>,
}

impl NameConstraintSpec {
    /// Add one subtree from a spec string (see [`parse_subtree`]).
    pub fn add(&mut self, spec: &str) -> Result<(), CrossError> {
        match parse_subtree(spec)? {
            (SubtreeKind::Permitted, gn) => self.permitted.push(gn),
            (SubtreeKind::Excluded, gn) => self.excluded.push(gn),
        }
        Ok(())
    }

    /// No subtree at all (no nameConstraints extension).
    pub fn is_empty(&self) -> bool {
        self.permitted.is_empty() && self.excluded.is_empty()
    }
}

/// Parse a subtree spec `permitted|excluded:TYPE:VALUE`, TYPE (case-insensitive) being
/// - `dirName` (or `dn`): a distinguished name `C=CN,O=Region Y` written **in DN order**
///   (country first, as yinxin displays names — not RFC 4514's reversed order); attribute
///   types C, ST, L, O, OU, CN, serialNumber, organizationIdentifier or a dotted OID; `\`
///   escapes a `,` `+` or `\` inside a value; one attribute per RDN;
/// - `dns` (or `dNSName`): a domain, `.example.gov.cn` for subdomains only;
/// - `email` (or `rfc822`, `rfc822Name`): a mailbox, a host, or `.domain`;
/// - `uri` (or `URI`): a host or `.domain` (RFC 5280 §4.2.1.10);
/// - `ip` (or `iPAddress`): CIDR `10.0.0.0/8`, `2001:db8::/32` (a bare address is a host).
pub fn parse_subtree(spec: &str) -> Result<(SubtreeKind, GeneralName), CrossError> {
    let bad = |why: &str| {
        input(format!(
            "name constraint '{spec}': {why} (expected permitted|excluded:dirName|dns|email|uri|ip:VALUE)"
        ))
    };
    let mut parts = spec.splitn(3, ':');
    let (kind, form, value) = match (parts.next(), parts.next(), parts.next()) {
        (Some(k), Some(f), Some(v)) => (k.trim(), f.trim(), v.trim()),
        _ => return Err(bad("missing part")),
    };
    let kind = match kind.to_ascii_lowercase().as_str() {
        "permitted" | "permit" => SubtreeKind::Permitted,
        "excluded" | "exclude" => SubtreeKind::Excluded,
        _ => return Err(bad(&format!("'{kind}' is neither permitted nor excluded"))),
    };
    if value.is_empty() {
        return Err(bad("empty value"));
    }
    let ia5 = |v: &str| {
        if !v.is_ascii() || v.chars().any(|c| c.is_ascii_control() || c == ' ') {
            return Err(bad("the value must be ASCII without spaces"));
        }
        Ia5String::new(v).map_err(|e| bad(&e.to_string()))
    };
    let gn = match form.to_ascii_lowercase().as_str() {
        "dirname" | "dn" | "directoryname" => {
            GeneralName::DirectoryName(parse_dn(value).map_err(|e| bad(&e))?)
        }
        "dns" | "dnsname" => {
            let v = value.trim_start_matches('.');
            if v.is_empty()
                || v.split('.').any(|l| {
                    l.is_empty()
                        || l.len() > 63
                        || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
            {
                return Err(bad("not a DNS name"));
            }
            GeneralName::DnsName(ia5(value)?)
        }
        "email" | "rfc822" | "rfc822name" => {
            if value.matches('@').count() > 1 || value.ends_with('@') || value.starts_with('@') {
                return Err(bad("not a mailbox, host or domain"));
            }
            GeneralName::Rfc822Name(ia5(value)?)
        }
        "uri" => {
            if value.contains("://") || value.contains('/') {
                return Err(bad(
                    "a URI constraint is a host or .domain, not a full URI (RFC 5280 §4.2.1.10)",
                ));
            }
            GeneralName::UniformResourceIdentifier(ia5(value)?)
        }
        "ip" | "ipaddress" => GeneralName::IpAddress(
            OctetString::new(parse_cidr(value).map_err(|e| bad(&e))?)
                .map_err(|e| bad(&e.to_string()))?,
        ),
        other => return Err(bad(&format!("unknown name type '{other}'"))),
    };
    Ok((kind, gn))
}

/// Address and mask bytes of a CIDR block (8 bytes for IPv4, 32 for IPv6).
fn parse_cidr(s: &str) -> Result<Vec<u8>, String> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("'{addr}' is not an IP address"))?;
    let bytes = match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    let bits = bytes.len() * 8;
    let prefix = match prefix {
        None => bits,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| *p <= bits)
            .ok_or_else(|| format!("'{p}' is not a prefix length (0–{bits})"))?,
    };
    let mask: Vec<u8> = (0..bytes.len())
        .map(|i| {
            let on = prefix.saturating_sub(i * 8).min(8);
            if on == 0 { 0 } else { 0xffu8 << (8 - on) }
        })
        .collect();
    if bytes.iter().zip(&mask).any(|(b, m)| b & !m != 0) {
        return Err(format!("'{s}' has host bits set"));
    }
    Ok([bytes, mask].concat())
}

/// Split on unescaped `sep`, keeping escapes in the pieces.
fn split_unescaped(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().ok_or("a trailing '\\'")?),
            '+' => return Err("multi-valued RDNs ('+') are not supported".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Parse a distinguished name written in DN order, e.g. `C=CN, O=Region Y, CN=Root`.
pub fn parse_dn(s: &str) -> Result<Name, String> {
    let mut b = NameBuilder::new();
    for part in split_unescaped(s, ',') {
        let part = part.trim();
        if part.is_empty() {
            return Err("an empty attribute in the name".into());
        }
        let key = split_unescaped(part, '=')[0];
        if key.len() == part.len() {
            return Err(format!("'{part}' is not TYPE=value"));
        }
        let value = unescape(part[key.len() + 1..].trim())?;
        let key = key.trim();
        if value.is_empty() {
            return Err(format!("'{part}' has an empty value"));
        }
        let (oid, kind) = match key.to_ascii_lowercase().as_str() {
            "c" => {
                if value.len() != 2 || !value.bytes().all(|c| c.is_ascii_uppercase()) {
                    return Err(format!("C={value}: a country is two capital letters"));
                }
                (attr::C, StringKind::Printable)
            }
            "st" => (attr::ST, StringKind::Utf8),
            "l" => (attr::L, StringKind::Utf8),
            "o" => (attr::O, StringKind::Utf8),
            "ou" => (attr::OU, StringKind::Utf8),
            "cn" => (attr::CN, StringKind::Utf8),
            "serialnumber" => (attr::SERIAL_NUMBER, StringKind::Printable),
            "organizationidentifier" => (attr::ORGANIZATION_IDENTIFIER, StringKind::Utf8),
            other => (
                ObjectIdentifier::new(key)
                    .map_err(|_| format!("unknown attribute type '{other}'"))?,
                StringKind::Utf8,
            ),
        };
        b = b.push(oid, kind, &value);
    }
    b.build().map_err(|e| e.to_string())
}

/// What to cross-certify and how.
#[derive(Clone, Debug, Default)]
pub struct CrossSpec {
    /// The peer region's root CA certificate (DER).
    pub peer_root_der: Vec<u8>,
    /// (ours, theirs) policy pairs; at least one.
    pub policy_map: Vec<(ObjectIdentifier, ObjectIdentifier)>,
    /// Name constraints (none when empty).
    pub name_constraints: NameConstraintSpec,
    /// Add policyConstraints requireExplicitPolicy = 0.
    pub require_explicit_policy: bool,
    /// Validity in days (default [`DEFAULT_YEARS`] years); capped by both roots' notAfter.
    pub days: Option<u32>,
}

/// The algorithm of a certificate's subject key, if it is one of ours (SM2 or P-256).
pub fn key_algorithm(cert_der: &[u8]) -> Result<Option<Algorithm>, CrossError> {
    let c = crate::verify::cert::Cert::from_der(cert_der)
        .map_err(|e| input(format!("the peer root is not a certificate: {e}")))?;
    let (alg, curve) = crate::crypto::keys::spki_algorithm(&c.spki_der)?;
    Ok(match (alg, curve) {
        (a, Some(c)) if a == crate::crypto::oid::EC_PUBLIC_KEY => {
            if c == crate::crypto::oid::SM2_CURVE {
                Some(Algorithm::Sm2)
            } else if c == crate::crypto::oid::P256_CURVE {
                Some(Algorithm::P256)
            } else {
                None
            }
        }
        _ => None,
    })
}

fn add_years(t: i64, years: i32) -> i64 {
    let fallback = t + i64::from(years) * 365 * 86_400;
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(t) else {
        return fallback;
    };
    let y = dt.year() + years;
    dt.replace_year(y)
        .or_else(|_| (dt - time::Duration::days(1)).replace_year(y))
        .map(|d| d.unix_timestamp())
        .unwrap_or(fallback)
}

/// Build and sign a cross-certificate from our root (`our_root_der`, whose key `signer` holds)
/// to the peer root of `spec`, valid from `now`. `crl_url` is our root's CRL, put in
/// cRLDistributionPoints. Checks that the peer root is a self-signed CA certificate, valid at
/// `now`, with another key than ours.
pub fn build(
    our_root_der: &[u8],
    signer: &dyn Signer,
    spec: &CrossSpec,
    now: i64,
    crl_url: Option<&str>,
) -> Result<Vec<u8>, CrossError> {
    use crate::verify::cert::{Cert, ku, names_equal};
    let ours =
        Cert::from_der(our_root_der).map_err(|e| input(format!("our root certificate: {e}")))?;
    if ours.spki_der != signer.public_key_spki() {
        return Err(input("the signing key is not our root's key"));
    }
    let peer = Cert::from_der(&spec.peer_root_der)
        .map_err(|e| input(format!("the peer root is not a certificate: {e}")))?;
    let peer_dn = crate::verify::cert::dn_string(&peer.subject);
    if !peer.basic.is_some_and(|b| b.ca) {
        return Err(input(format!(
            "the peer root ({peer_dn}) is not a CA certificate (basicConstraints cA)"
        )));
    }
    if !peer.allows_usage(ku::KEY_CERT_SIGN) {
        return Err(input(format!(
            "the peer root ({peer_dn}) may not sign certificates (keyUsage)"
        )));
    }
    if !names_equal(&peer.subject, &peer.issuer) {
        return Err(input(format!(
            "the peer certificate ({peer_dn}) is not a self-signed root"
        )));
    }
    let params: Option<der::asn1::AnyRef<'_>> = match &peer.sig_params {
        Some(p) => Some(der::Decode::from_der(p).map_err(|e: der::Error| input(e.to_string()))?),
        None => None,
    };
    crate::crypto::verify::verify_signature(
        &peer.spki_der,
        peer.sig_alg,
        params.as_ref(),
        &peer.tbs_der,
        &peer.signature,
    )
    .map_err(|e| {
        input(format!(
            "the peer root's self-signature does not verify ({e}): not a self-signed root"
        ))
    })?;
    if peer.spki_der == ours.spki_der {
        return Err(input("the peer root is our own root"));
    }
    if now < peer.not_before || now >= peer.not_after {
        return Err(input(format!(
            "the peer root ({peer_dn}) is not valid now (until {})",
            crate::clock::rfc3339(peer.not_after)
        )));
    }
    if spec.policy_map.is_empty() {
        return Err(input("give at least one policy mapping OURS=THEIRS"));
    }
    let default_end = add_years(now, DEFAULT_YEARS);
    let wanted_end = match spec.days {
        Some(0) => return Err(input("the validity must be at least one day")),
        Some(d) => now + i64::from(d) * 86_400,
        None => default_end,
    };
    let not_after = wanted_end.min(ours.not_after).min(peer.not_after);
    if not_after <= now {
        return Err(input("our root has expired"));
    }

    // Policies: ours (deduplicated, in order) and the mappings that change something.
    let mut ours_policies: Vec<ObjectIdentifier> = Vec::new();
    let mut mappings: Vec<(ObjectIdentifier, ObjectIdentifier)> = Vec::new();
    for (o, t) in &spec.policy_map {
        if *o == ext_oid::ANY_POLICY || *t == ext_oid::ANY_POLICY {
            return Err(input("anyPolicy cannot be mapped (RFC 5280 §4.2.1.5)"));
        }
        if !ours_policies.contains(o) {
            ours_policies.push(*o);
        }
        if o != t && !mappings.contains(&(*o, *t)) {
            mappings.push((*o, *t));
        }
    }

    let peer_ski = match &peer.ski {
        Some(s) => s.clone(),
        None => cert::key_identifier(&peer.spki_der)?,
    };
    let our_ski = match &ours.ski {
        Some(s) => s.clone(),
        None => cert::key_identifier(&ours.spki_der)?,
    };
    let mut extensions = vec![
        x::basic_constraints(true, peer.basic.and_then(|b| b.path_len))?,
        x::key_usage(&["keyCertSign", "cRLSign"])?,
        x::subject_key_identifier(&peer_ski)?,
        x::authority_key_identifier(&our_ski)?,
        x::certificate_policies(&ours_policies)?,
    ];
    if !mappings.is_empty() {
        extensions.push(x::policy_mappings(&mappings)?);
    }
    if !spec.name_constraints.is_empty() {
        extensions.push(x::name_constraints(
            spec.name_constraints.permitted.clone(),
            spec.name_constraints.excluded.clone(),
        )?);
    }
    if spec.require_explicit_policy {
        extensions.push(x::policy_constraints(Some(0), None)?);
    }
    if let Some(url) = crl_url {
        extensions.push(x::crl_distribution_point(url)?);
    }
    let tpl = CertificateTemplate {
        serial: random_serial()?,
        issuer: ours.subject.clone(),
        subject: peer.subject.clone(),
        not_before: now,
        not_after,
        spki_der: peer.spki_der.clone(),
        extensions,
    };
    let der_bytes = cert::sign_certificate(&tpl, signer)?;
    // The subject must be the peer root's, byte for byte, or the peer's CAs would not chain.
    let issued = Cert::from_der(&der_bytes).map_err(input)?;
    if raw_subject(&issued.tbs_der)? != raw_subject(&peer.tbs_der)? {
        return Err(input(format!(
            "the peer root's subject ({peer_dn}) does not re-encode identically (not DER)"
        )));
    }
    Ok(der_bytes)
}

/// The fields of a TBSCertificate, undecoded (to compare names byte for byte).
#[derive(der::Sequence)]
struct RawTbs<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<der::asn1::AnyRef<'a>>,
    serial_number: der::asn1::AnyRef<'a>,
    signature: der::asn1::AnyRef<'a>,
    issuer: der::asn1::AnyRef<'a>,
    validity: der::asn1::AnyRef<'a>,
    subject: der::asn1::AnyRef<'a>,
    subject_public_key_info: der::asn1::AnyRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    issuer_unique_id: Option<der::asn1::BitStringRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    subject_unique_id: Option<der::asn1::BitStringRef<'a>>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<der::asn1::AnyRef<'a>>,
}

/// The subject Name TLV of a TBSCertificate, as encoded.
fn raw_subject(tbs_der: &[u8]) -> Result<Vec<u8>, CrossError> {
    let tbs: RawTbs<'_> = der::Decode::from_der(tbs_der).map_err(CertBuildError::from)?;
    Ok(der::Encode::to_der(&tbs.subject).map_err(CertBuildError::from)?)
}

/// An issued cross-certificate.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CrossCertificate {
    /// Our root that signed it (`sm2-root`, `p256-root`).
    pub issuer_ca: String,
    /// Serial (upper-case hex).
    pub serial: String,
    /// The peer root's subject (display form).
    pub subject: String,
    /// SHA-256 of the peer root certificate (hex).
    pub peer_sha256: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Where it is kept: `DATA_DIR/ca/cross-<16 hex>.pem`.
    pub file: PathBuf,
    /// The certificate (DER).
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// Cross-certify: sign with our `algorithm` root (its key decrypted with `pass`), keep the
/// certificate in `DATA_DIR/ca/cross-<16 hex>.pem` (replacing an earlier one for the same peer
/// root) and audit it as [`AUDIT_ACTION`] by `actor`.
pub async fn cross_certify(
    region: &Region,
    algorithm: Algorithm,
    pass: &Passphrase,
    spec: &CrossSpec,
    actor: &str,
) -> Result<CrossCertificate, CrossError> {
    let cas = region.repo.cas().await?;
    let root = crate::pki::repo::current_ca(&cas, algorithm, CaRole::Root)
        .ok_or_else(|| input(format!("this region has no {algorithm} root CA")))?;
    let peer = crate::verify::cert::Cert::from_der(&spec.peer_root_der)
        .map_err(|e| input(format!("the peer root is not a certificate: {e}")))?;
    for ca in &cas {
        if crate::verify::cert::Cert::from_der(&ca.der).is_ok_and(|c| c.spki_der == peer.spki_der) {
            return Err(input(format!(
                "the peer root has the key of our own CA {}",
                ca.id
            )));
        }
    }
    let signer = region.ca_signer(&root.id, pass).await?;
    let urls = region.public_urls();
    let now = crate::clock::now_secs();
    let der_bytes = build(
        &root.der,
        signer.as_ref(),
        spec,
        now,
        Some(&urls.crl(&root.id)),
    )?;
    let issued = crate::verify::cert::Cert::from_der(&der_bytes).map_err(input)?;
    let peer_sha256 = hex::encode(crate::crypto::sha256(&spec.peer_root_der));
    let serial = hex::encode_upper(&issued.serial);
    let subject = crate::verify::cert::dn_string(&issued.subject);

    let dir = region.data_dir.join("ca");
    std::fs::create_dir_all(&dir)
        .map_err(|e| CrossError::Io(format!("cannot create {}: {e}", dir.display())))?;
    let file = dir.join(format!("cross-{}.pem", &peer_sha256[..16]));
    let tmp = dir.join(format!("cross-{}.pem.tmp", &peer_sha256[..16]));
    std::fs::write(&tmp, cert::to_pem(&der_bytes))
        .map_err(|e| CrossError::Io(format!("cannot write {}: {e}", tmp.display())))?;
    let policies: Vec<String> = spec
        .policy_map
        .iter()
        .map(|(o, t)| format!("{o}={t}"))
        .collect();
    let detail = format!(
        "issuer={} subject=\"{subject}\" peer_sha256={peer_sha256} not_after={} policy_map={} name_constraints={}/{} require_explicit_policy={}",
        root.id,
        crate::clock::rfc3339(issued.not_after),
        policies.join(","),
        spec.name_constraints.permitted.len(),
        spec.name_constraints.excluded.len(),
        spec.require_explicit_policy
    );
    // Audit first, then make the file visible: an unaudited cross-certificate never appears.
    if let Err(e) = region
        .repo
        .append_audit(
            &AuditEvent::now(actor, AUDIT_ACTION, &serial, "success", &detail).logged(
                crate::transparency::entry::Entry::new(
                    "cross-certificate.issue",
                    issued.not_before,
                    &serial,
                    &der_bytes,
                )
                .name(Some(&subject))
                .object(&der_bytes),
            ),
        )
        .await
    {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    std::fs::rename(&tmp, &file)
        .map_err(|e| CrossError::Io(format!("cannot write {}: {e}", file.display())))?;
    Ok(CrossCertificate {
        issuer_ca: root.id.clone(),
        serial,
        subject,
        peer_sha256,
        not_before: issued.not_before,
        not_after: issued.not_after,
        file,
        der: der_bytes,
    })
}

/// The cross-certificates this region issued (`DATA_DIR/ca/cross-*.pem`), DER; unreadable
/// files are skipped with a warning. The service adds them to the verification pool.
pub fn load_issued(data_dir: &std::path::Path) -> Vec<Vec<u8>> {
    load_prefixed(data_dir, "cross-")
}

/// The link certificates of the region's root rollovers (`DATA_DIR/ca/link-*.pem`), DER.
/// The region's own verification trusts all its roots and does not need them; the trust
/// list publishes them for relying parties that trust only one root.
pub fn load_links(data_dir: &std::path::Path) -> Vec<Vec<u8>> {
    load_prefixed(data_dir, crate::pki::region::LINK_PREFIX)
}

fn load_prefixed(data_dir: &std::path::Path, prefix: &str) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(data_dir.join("ca")) else {
        return vec![];
    };
    let mut out = vec![];
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !(name.starts_with(prefix) && name.ends_with(".pem")) {
            continue;
        }
        let parsed = std::fs::read_to_string(e.path()).ok().and_then(|t| {
            der::pem::decode_vec(t.trim().as_bytes())
                .ok()
                .map(|(_, d)| d)
        });
        match parsed {
            Some(der_bytes) => out.push(der_bytes),
            None => tracing::warn!(file = %name, "unreadable CA certificate file skipped"),
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PrivateKey;
    use der::{Decode, Encode};
    use x509_cert::ext::pkix::{NameConstraints, PolicyConstraints, PolicyMappings};

    fn oid(s: &str) -> ObjectIdentifier {
        ObjectIdentifier::new(s).unwrap()
    }

    #[test]
    fn policy_map_specs() {
        assert_eq!(
            parse_policy_map("1.2.3 = 1.2.4").unwrap(),
            (oid("1.2.3"), oid("1.2.4"))
        );
        for bad in ["1.2.3", "1.2.3=x", "x=1.2.3", "", "2.5.29.32.0=1.2.3"] {
            assert!(parse_policy_map(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_mappings_der() {
        let e = x::policy_mappings(&[(oid("1.2.3"), oid("1.2.4"))]).unwrap();
        assert!(e.critical);
        assert_eq!(e.extn_id, oid("2.5.29.33"));
        // SEQUENCE { SEQUENCE { OID 1.2.3, OID 1.2.4 } }
        assert_eq!(
            e.extn_value.as_bytes(),
            &[
                0x30, 0x0a, 0x30, 0x08, 0x06, 0x02, 0x2a, 0x03, 0x06, 0x02, 0x2a, 0x04
            ]
        );
        let back = PolicyMappings::from_der(e.extn_value.as_bytes()).unwrap();
        assert_eq!(back.0.len(), 1);
        assert_eq!(back.0[0].subject_domain_policy, oid("1.2.4"));

        // requireExplicitPolicy 0: SEQUENCE { [0] 0 }
        let pc = x::policy_constraints(Some(0), None).unwrap();
        assert!(pc.critical);
        assert_eq!(pc.extn_value.as_bytes(), &[0x30, 0x03, 0x80, 0x01, 0x00]);
        assert_eq!(
            PolicyConstraints::from_der(pc.extn_value.as_bytes())
                .unwrap()
                .require_explicit_policy,
            Some(0)
        );
    }

    #[test]
    fn name_constraint_specs() {
        let (k, gn) = parse_subtree("permitted:dirName:C=CN, O=Region Y").unwrap();
        assert_eq!(k, SubtreeKind::Permitted);
        let GeneralName::DirectoryName(n) = gn else {
            panic!("not a dirName")
        };
        let expect = NameBuilder::new()
            .push(attr::C, StringKind::Printable, "CN")
            .push(attr::O, StringKind::Utf8, "Region Y")
            .build()
            .unwrap();
        assert_eq!(n.to_der().unwrap(), expect.to_der().unwrap());

        let (_, gn) = parse_subtree(r"EXCLUDED:dn:C=CN,O=A\, B,CN=x=y").unwrap();
        let GeneralName::DirectoryName(n) = gn else {
            panic!()
        };
        let expect = NameBuilder::new()
            .push(attr::C, StringKind::Printable, "CN")
            .push(attr::O, StringKind::Utf8, "A, B")
            .push(attr::CN, StringKind::Utf8, "x=y")
            .build()
            .unwrap();
        assert_eq!(n.to_der().unwrap(), expect.to_der().unwrap());

        assert_eq!(
            parse_subtree("excluded:dns:.example").unwrap(),
            (
                SubtreeKind::Excluded,
                GeneralName::DnsName(Ia5String::new(".example").unwrap())
            )
        );
        assert!(matches!(
            parse_subtree("permitted:email:gov.cn").unwrap().1,
            GeneralName::Rfc822Name(_)
        ));
        assert!(matches!(
            parse_subtree("permitted:URI:.gov.cn").unwrap().1,
            GeneralName::UniformResourceIdentifier(_)
        ));
        let ip = |s: &str| match parse_subtree(s).unwrap().1 {
            GeneralName::IpAddress(o) => o.as_bytes().to_vec(),
            _ => panic!(),
        };
        assert_eq!(
            ip("permitted:ip:10.0.0.0/8"),
            vec![10, 0, 0, 0, 255, 0, 0, 0]
        );
        assert_eq!(
            ip("excluded:iPAddress:192.168.1.7"),
            vec![192, 168, 1, 7, 255, 255, 255, 255]
        );
        let v6 = ip("permitted:ip:2001:db8::/33");
        assert_eq!(v6.len(), 32);
        assert_eq!(&v6[16..21], &[0xff, 0xff, 0xff, 0xff, 0x80]);
        assert!(v6[21..].iter().all(|b| *b == 0));

        for bad in [
            "permitted:dns",
            "allowed:dns:example",
            "permitted:x400:foo",
            "permitted:dns:exa mple",
            "permitted:dns:",
            "permitted:dirName:C=China",
            "permitted:dirName:O=a+CN=b",
            "permitted:dirName:O",
            "permitted:dirName:XX=1",
            "permitted:ip:10.0.0.1/8",
            "permitted:ip:10.0.0.0/33",
            "permitted:ip:example",
            "permitted:uri:https://example.org/",
            "permitted:email:a@b@c",
        ] {
            let e = parse_subtree(bad).expect_err(bad);
            assert!(e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn name_constraints_der() {
        let mut spec = NameConstraintSpec::default();
        spec.add("permitted:dns:example.gov.cn").unwrap();
        spec.add("excluded:ip:10.0.0.0/8").unwrap();
        let e = x::name_constraints(spec.permitted.clone(), spec.excluded.clone()).unwrap();
        assert!(e.critical);
        let nc = NameConstraints::from_der(e.extn_value.as_bytes()).unwrap();
        assert_eq!(nc.permitted_subtrees.as_ref().unwrap().len(), 1);
        assert_eq!(nc.excluded_subtrees.as_ref().unwrap()[0].minimum, 0);
        // minimum 0 is DEFAULT and must not be encoded: A0 { 30 { 82 len "example.gov.cn" } }
        let v = e.extn_value.as_bytes();
        assert_eq!(&v[2..6], &[0xa0, 0x12, 0x30, 0x10]);
        assert_eq!(v[6], 0x82);
    }

    fn root(alg: Algorithm, name: &str, path_len: Option<u8>) -> (Vec<u8>, PrivateKey) {
        let key = PrivateKey::generate(alg).unwrap();
        let spki = key.public_key_spki_der().unwrap();
        let dn = NameBuilder::new()
            .push(attr::C, StringKind::Printable, "CN")
            .push(attr::O, StringKind::Utf8, name)
            .push(attr::CN, StringKind::Utf8, &format!("{name} Root CA"))
            .build()
            .unwrap();
        let tpl = CertificateTemplate {
            serial: random_serial().unwrap(),
            issuer: dn.clone(),
            subject: dn,
            not_before: 1_700_000_000,
            not_after: 2_300_000_000,
            spki_der: spki.clone(),
            extensions: vec![
                x::basic_constraints(true, path_len).unwrap(),
                x::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
                x::subject_key_identifier(&cert::key_identifier(&spki).unwrap()).unwrap(),
            ],
        };
        let d = cert::sign_certificate(&tpl, &key.signer().unwrap()).unwrap();
        (d, key)
    }

    #[test]
    fn builds_a_cross_certificate() {
        use crate::verify::cert::Cert;
        let (ours, our_key) = root(Algorithm::Sm2, "区域 X", None);
        let (peer, _) = root(Algorithm::P256, "Region Y", Some(3));
        assert_eq!(key_algorithm(&peer).unwrap(), Some(Algorithm::P256));
        let signer = our_key.signer().unwrap();
        let mut spec = CrossSpec {
            peer_root_der: peer.clone(),
            policy_map: vec![
                (
                    oid("1.3.6.1.4.1.32473.1.1.2"),
                    oid("1.3.6.1.4.1.32473.9.1.2"),
                ),
                (
                    oid("1.3.6.1.4.1.32473.1.2.3"),
                    oid("1.3.6.1.4.1.32473.1.2.3"),
                ),
            ],
            require_explicit_policy: true,
            days: Some(30),
            ..Default::default()
        };
        spec.name_constraints
            .add("permitted:dirName:C=CN,O=Region Y")
            .unwrap();
        let now = 1_750_000_000;
        let d = build(
            &ours,
            &signer,
            &spec,
            now,
            Some("http://x/crl/sm2-root.crl"),
        )
        .unwrap();
        let c = Cert::from_der(&d).unwrap();
        let (o, p) = (
            Cert::from_der(&ours).unwrap(),
            Cert::from_der(&peer).unwrap(),
        );
        assert_eq!(c.subject.to_der().unwrap(), p.subject.to_der().unwrap());
        assert_eq!(c.issuer.to_der().unwrap(), o.subject.to_der().unwrap());
        assert_eq!(c.spki_der, p.spki_der);
        assert_eq!(c.ski, p.ski);
        assert_eq!(c.aki, o.ski);
        assert_eq!(c.basic.unwrap().path_len, Some(3));
        assert_eq!((c.not_before, c.not_after), (now, now + 30 * 86_400));
        assert_eq!(
            c.policy.policies,
            Some(vec![
                oid("1.3.6.1.4.1.32473.1.1.2"),
                oid("1.3.6.1.4.1.32473.1.2.3")
            ])
        );
        // The identical pair is not a mapping.
        assert_eq!(
            c.policy.mappings,
            Some(vec![(
                oid("1.3.6.1.4.1.32473.1.1.2"),
                oid("1.3.6.1.4.1.32473.9.1.2")
            )])
        );
        assert_eq!(c.policy.require_explicit_policy, Some(0));
        assert!(c.name_constraints.is_some());
        assert!(c.unknown_critical.is_empty() && c.bad_extension.is_none());
        let x = x509_cert::Certificate::from_der(&d).unwrap();
        let critical: Vec<String> = x
            .tbs_certificate()
            .extensions()
            .unwrap()
            .iter()
            .filter(|e| e.critical)
            .map(|e| e.extn_id.to_string())
            .collect();
        assert_eq!(
            critical,
            [
                "2.5.29.19",
                "2.5.29.15",
                "2.5.29.33",
                "2.5.29.30",
                "2.5.29.36"
            ]
        );
        // Signed by our root.
        let sp: Option<der::asn1::AnyRef<'_>> = None;
        crate::crypto::verify::verify_signature(
            &o.spki_der,
            c.sig_alg,
            sp.as_ref(),
            &c.tbs_der,
            &c.signature,
        )
        .unwrap();

        // Default validity: capped by the roots; five years otherwise.
        spec.days = None;
        let c = Cert::from_der(&build(&ours, &signer, &spec, now, None).unwrap()).unwrap();
        assert_eq!(c.not_after, add_years(now, 5));
        assert!(c.crl_dps.is_none());

        // Refusals.
        let mut s = spec.clone();
        s.policy_map.clear();
        assert!(build(&ours, &signer, &s, now, None).is_err());
        let mut s = spec.clone();
        s.peer_root_der = ours.clone();
        assert!(build(&ours, &signer, &s, now, None).is_err());
        assert!(build(&ours, &signer, &spec, 2_400_000_000, None).is_err());
        let (other, _) = root(Algorithm::Sm2, "Z", None);
        let mut tampered = other.clone();
        let l = tampered.len();
        tampered[l - 3] ^= 1;
        let mut s = spec.clone();
        s.peer_root_der = tampered;
        assert!(build(&ours, &signer, &s, now, None).is_err());
    }
}
