//! Name constraints (RFC 5280 §6.1.3 (b)-(c), §6.1.4 (g)).
//!
//! A pure module: [`check`] walks a certification path (trust anchor excluded, end entity
//! last) carrying the `permitted_subtrees` / `excluded_subtrees` state of RFC 5280 §6.1.2 and
//! checks every name of every certificate that is subject to it. [`names_from_der`] extracts
//! the name-related content ([`CertNames`]) of a DER certificate.
//!
//! Supported forms: rfc822Name, dNSName, uniformResourceIdentifier, iPAddress and
//! directoryName (the subject DN, and directoryName entries of subjectAltName). Constraints
//! of any other form (otherName, ediPartyName, registeredID), subtrees carrying a
//! minimum/maximum other than 0/absent, and malformed constraints are kept in the state and
//! make the path fail as soon as a name of the same form has to be checked against them
//! (RFC 5280 §4.2.1.10: "the application MUST either process the constraint or reject the
//! certificate").
//!
//! Matching rules:
//! - directoryName: the constraint's RDN sequence must be a prefix of the name's; attribute
//!   values of DirectoryString types (PrintableString, UTF8String, BMPString) are compared
//!   case-insensitively with insignificant whitespace folded (RFC 5280 §7.1, RFC 4518
//!   approximated by Unicode lower-casing); other values compare exactly (tag and bytes).
//!   An empty subject is not checked (RFC 5280 §4.2.1.10).
//! - rfc822Name: a constraint with '@' is a full mailbox (local part exact, host
//!   case-insensitive); a constraint starting with '.' matches every mailbox at a
//!   subdomain of that domain; otherwise it is a host and matches every mailbox at it.
//!   The subject's emailAddress attributes are checked as rfc822Names when the certificate
//!   has no rfc822Name subjectAltName entry.
//! - dNSName: the constraint matches the name itself and every subdomain, label-wise and
//!   case-insensitively; a constraint starting with '.' matches subdomains only; the empty
//!   constraint matches everything.
//! - uniformResourceIdentifier: applied to the host of the URI; a constraint starting with
//!   '.' matches subdomains only, otherwise the host must be equal. A URI without a host
//!   cannot satisfy (or be cleared by) a URI constraint and fails.
//! - iPAddress: address and mask of 8 (IPv4) or 32 (IPv6) bytes; an address of the other
//!   family never matches.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use const_oid::ObjectIdentifier;
use der::asn1::Any;
use der::{Decode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{CertificateInner, Raw};
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{NameConstraints, SubjectAltName};
use x509_cert::name::{Name, RelativeDistinguishedName};

/// At most this many subtrees of one name form may accumulate over a path.
pub const MAX_SUBTREES_PER_FORM: usize = 1_000;
/// At most this many name/subtree comparisons are made for one path.
pub const MAX_COMPARISONS: usize = 10_000;

/// PKCS #9 emailAddress (1.2.840.113549.1.9.1).
const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// The name-related content of one certificate of the path.
#[derive(Clone, Debug)]
pub struct CertNames {
    /// Subject DN.
    pub subject: Name,
    /// subjectAltName entries (None when absent).
    pub san: Option<Vec<GeneralName>>,
    /// nameConstraints (None when absent).
    pub constraints: Option<NameConstraints>,
    /// Self-issued (subject == issuer).
    pub self_issued: bool,
}

/// A name-constraints failure: which certificate (0-based position in the path given to
/// [`check`]) and which rule it broke.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("certificate {index}: {rule}")]
pub struct NameFailure {
    /// Position of the offending certificate in the path (0 = issued by the trust anchor).
    pub index: usize,
    /// Human-readable description of the violated rule.
    pub rule: String,
}

/// Apply RFC 5280 §6.1.3 (b)–(c) and §6.1.4 (g) over `path` (from the certificate issued by
/// the trust anchor to the end entity; the anchor is not in the path; `path.last()` is the end
/// entity).
///
/// Constraints from certificate i apply to certificates i+1..; self-issued intermediate
/// certificates are not checked (the end entity always is). A name of a form that has
/// permitted subtrees must fall within at least one permitted subtree of every certificate
/// that constrained that form; no name may fall within an excluded subtree. Constraints this
/// implementation cannot process make the path fail when a name of their form is present.
/// Work is bounded by [`MAX_SUBTREES_PER_FORM`] and [`MAX_COMPARISONS`].
pub fn check(path: &[CertNames]) -> Result<(), NameFailure> {
    let mut state = State::default();
    let mut budget = Budget {
        left: MAX_COMPARISONS,
    };
    let n = path.len();
    for (index, cert) in path.iter().enumerate() {
        let is_last = index + 1 == n;
        if (is_last || !cert.self_issued) && !state.forms.is_empty() {
            state
                .check_cert(cert, &mut budget)
                .map_err(|rule| NameFailure { index, rule })?;
        }
        if let (false, Some(nc)) = (is_last, &cert.constraints) {
            state
                .add(nc, index)
                .map_err(|rule| NameFailure { index, rule })?;
        }
    }
    Ok(())
}

/// Extract [`CertNames`] from a DER certificate (parsed with the x509-cert `Raw` profile).
pub fn names_from_der(cert_der: &[u8]) -> Result<CertNames, String> {
    let cert = CertificateInner::<Raw>::from_der(cert_der)
        .map_err(|e| format!("not a certificate: {e}"))?;
    let tbs = cert.tbs_certificate();
    let san = tbs
        .get_extension::<SubjectAltName>()
        .map_err(|e| format!("undecodable subjectAltName: {e}"))?
        .map(|(_, san)| san.0);
    let constraints = tbs
        .get_extension::<NameConstraints>()
        .map_err(|e| format!("undecodable nameConstraints: {e}"))?
        .map(|(_, nc)| nc);
    let subject = tbs.subject().clone();
    let self_issued = dn_equal(tbs.issuer(), &subject);
    Ok(CertNames {
        subject,
        san,
        constraints,
        self_issued,
    })
}

// ---------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------

/// A name form (GeneralName choice; otherName distinguished by its type-id).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Form {
    Email,
    Dns,
    Uri,
    Ip,
    Dn,
    OtherName(ObjectIdentifier),
    EdiParty,
    RegisteredId,
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Form::Email => f.write_str("rfc822Name"),
            Form::Dns => f.write_str("dNSName"),
            Form::Uri => f.write_str("uniformResourceIdentifier"),
            Form::Ip => f.write_str("iPAddress"),
            Form::Dn => f.write_str("directoryName"),
            Form::OtherName(oid) => write!(f, "otherName ({oid})"),
            Form::EdiParty => f.write_str("ediPartyName"),
            Form::RegisteredId => f.write_str("registeredID"),
        }
    }
}

/// The processed base of a subtree.
#[derive(Clone, Debug)]
enum Base {
    Email(String),
    Dns(String),
    Uri(String),
    Ip(Vec<u8>),
    Dn(Name),
    /// A subtree this implementation cannot process (with the reason).
    Unsupported(String),
}

/// One permittedSubtrees contribution (of one form) by one certificate.
#[derive(Clone, Debug)]
struct Level {
    from: usize,
    bases: Vec<Base>,
}

#[derive(Clone, Debug, Default)]
struct FormState {
    /// A name must match at least one base of every level (intersection).
    permitted: Vec<Level>,
    /// A name must match no base (union); each with the certificate that set it.
    excluded: Vec<(usize, Base)>,
}

impl FormState {
    fn subtree_count(&self) -> usize {
        self.permitted.iter().map(|l| l.bases.len()).sum::<usize>() + self.excluded.len()
    }
}

#[derive(Default)]
struct State {
    forms: Vec<(Form, FormState)>,
}

struct Budget {
    left: usize,
}

impl Budget {
    fn tick(&mut self) -> Result<(), String> {
        if self.left == 0 {
            return Err(format!(
                "name constraints too complex: more than {MAX_COMPARISONS} comparisons"
            ));
        }
        self.left -= 1;
        Ok(())
    }
}

/// A name of a certificate, as checked.
enum Subject<'a> {
    Email(&'a str),
    Dns(&'a str),
    Uri(&'a str),
    Ip(&'a [u8]),
    Dn(&'a Name),
    /// A form with no matcher (otherName, ediPartyName, registeredID).
    Other(Form),
    /// A subject emailAddress value that is not a string.
    BadEmail,
}

impl Subject<'_> {
    fn form(&self) -> Form {
        match self {
            Subject::Email(_) | Subject::BadEmail => Form::Email,
            Subject::Dns(_) => Form::Dns,
            Subject::Uri(_) => Form::Uri,
            Subject::Ip(_) => Form::Ip,
            Subject::Dn(_) => Form::Dn,
            Subject::Other(f) => f.clone(),
        }
    }
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Email(s) => write!(f, "rfc822Name {s:?}"),
            Subject::Dns(s) => write!(f, "dNSName {s:?}"),
            Subject::Uri(s) => write!(f, "uniformResourceIdentifier {s:?}"),
            Subject::Ip(b) => write!(f, "iPAddress {}", show_ip(b)),
            Subject::Dn(n) => write!(f, "directoryName \"{n}\""),
            Subject::Other(form) => write!(f, "{form} name"),
            Subject::BadEmail => f.write_str("subject emailAddress (not a string)"),
        }
    }
}

fn show_ip(b: &[u8]) -> String {
    if let Ok(a) = <[u8; 4]>::try_from(b) {
        Ipv4Addr::from(a).to_string()
    } else if let Ok(a) = <[u8; 16]>::try_from(b) {
        Ipv6Addr::from(a).to_string()
    } else {
        format!("(malformed, {} bytes)", b.len())
    }
}

fn classify(gn: &GeneralName) -> Subject<'_> {
    match gn {
        GeneralName::Rfc822Name(s) => Subject::Email(s.as_str()),
        GeneralName::DnsName(s) => Subject::Dns(s.as_str()),
        GeneralName::UniformResourceIdentifier(s) => Subject::Uri(s.as_str()),
        GeneralName::IpAddress(o) => Subject::Ip(o.as_bytes()),
        GeneralName::DirectoryName(n) => Subject::Dn(n),
        GeneralName::OtherName(o) => Subject::Other(Form::OtherName(o.type_id)),
        GeneralName::EdiPartyName(_) => Subject::Other(Form::EdiParty),
        GeneralName::RegisteredId(_) => Subject::Other(Form::RegisteredId),
    }
}

fn subtree_base(st: &GeneralSubtree) -> (Form, Base) {
    let form = classify(&st.base).form();
    if st.minimum != 0 || st.maximum.is_some() {
        return (
            form,
            Base::Unsupported("subtree with minimum/maximum distance".into()),
        );
    }
    let base = match &st.base {
        GeneralName::Rfc822Name(s) => Base::Email(s.as_str().to_owned()),
        GeneralName::DnsName(s) => Base::Dns(s.as_str().to_owned()),
        GeneralName::UniformResourceIdentifier(s) => Base::Uri(s.as_str().to_owned()),
        GeneralName::IpAddress(o) => {
            let b = o.as_bytes();
            if b.len() == 8 || b.len() == 32 {
                Base::Ip(b.to_vec())
            } else {
                Base::Unsupported(format!(
                    "malformed iPAddress constraint of {} bytes",
                    b.len()
                ))
            }
        }
        GeneralName::DirectoryName(n) => Base::Dn(n.clone()),
        GeneralName::OtherName(_) | GeneralName::EdiPartyName(_) | GeneralName::RegisteredId(_) => {
            Base::Unsupported("name form not supported".into())
        }
    };
    (form, base)
}

impl State {
    fn entry(&mut self, form: &Form) -> &mut FormState {
        let pos = match self.forms.iter().position(|(f, _)| f == form) {
            Some(p) => p,
            None => {
                self.forms.push((form.clone(), FormState::default()));
                self.forms.len() - 1
            }
        };
        &mut self.forms[pos].1
    }

    fn get(&self, form: &Form) -> Option<&FormState> {
        self.forms.iter().find(|(f, _)| f == form).map(|(_, s)| s)
    }

    /// §6.1.4 (g): intersect permitted, unite excluded.
    fn add(&mut self, nc: &NameConstraints, from: usize) -> Result<(), String> {
        if let Some(permitted) = &nc.permitted_subtrees {
            let mut levels: Vec<(Form, Level)> = Vec::new();
            for st in permitted {
                let (form, base) = subtree_base(st);
                match levels.iter_mut().find(|(f, _)| *f == form) {
                    Some((_, level)) => {
                        if level.bases.len() >= MAX_SUBTREES_PER_FORM {
                            return Err(too_complex());
                        }
                        level.bases.push(base);
                    }
                    None => levels.push((
                        form,
                        Level {
                            from,
                            bases: vec![base],
                        },
                    )),
                }
            }
            for (form, level) in levels {
                self.entry(&form).permitted.push(level);
            }
        }
        if let Some(excluded) = &nc.excluded_subtrees {
            for st in excluded {
                let (form, base) = subtree_base(st);
                let fs = self.entry(&form);
                fs.excluded.push((from, base));
                if fs.excluded.len() > MAX_SUBTREES_PER_FORM {
                    return Err(too_complex());
                }
            }
        }
        if self
            .forms
            .iter()
            .any(|(_, fs)| fs.subtree_count() > MAX_SUBTREES_PER_FORM)
        {
            return Err(too_complex());
        }
        Ok(())
    }

    /// §6.1.3 (b)-(c) for one certificate.
    fn check_cert(&self, cert: &CertNames, budget: &mut Budget) -> Result<(), String> {
        if !cert.subject.is_empty() {
            self.check_name(&Subject::Dn(&cert.subject), "subject ", budget)?;
        }
        let sans = cert.san.as_deref().unwrap_or(&[]);
        if !sans
            .iter()
            .any(|gn| matches!(gn, GeneralName::Rfc822Name(_)))
        {
            for atv in cert.subject.iter().filter(|atv| atv.oid == EMAIL_ADDRESS) {
                let name = match any_as_str(&atv.value) {
                    Some(s) => Subject::Email(s),
                    None => Subject::BadEmail,
                };
                self.check_name(&name, "subject emailAddress ", budget)?;
            }
        }
        for gn in sans {
            self.check_name(&classify(gn), "subjectAltName ", budget)?;
        }
        Ok(())
    }

    fn check_name(
        &self,
        name: &Subject<'_>,
        what: &str,
        budget: &mut Budget,
    ) -> Result<(), String> {
        let form = name.form();
        let Some(fs) = self.get(&form) else {
            return Ok(());
        };
        for level in &fs.permitted {
            let mut undecided = None;
            let mut within = false;
            for base in &level.bases {
                budget.tick()?;
                match matches(name, base) {
                    Ok(true) => {
                        within = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(reason) => undecided = Some(reason),
                }
            }
            if !within {
                return Err(match undecided {
                    Some(reason) => format!(
                        "{what}{name} cannot be checked against the permitted {form} subtrees \
                         of certificate {}: {reason}",
                        level.from
                    ),
                    None => format!(
                        "{what}{name} is not within the permitted {form} subtrees of \
                         certificate {}",
                        level.from
                    ),
                });
            }
        }
        for (from, base) in &fs.excluded {
            budget.tick()?;
            match excluded_matches(name, base) {
                Ok(false) => {}
                Ok(true) => {
                    return Err(format!(
                        "{what}{name} is within an excluded {form} subtree of certificate {from}"
                    ));
                }
                Err(reason) => {
                    return Err(format!(
                        "{what}{name} cannot be checked against the excluded {form} subtrees \
                         of certificate {from}: {reason}"
                    ));
                }
            }
        }
        Ok(())
    }
}

fn too_complex() -> String {
    format!("name constraints too complex: more than {MAX_SUBTREES_PER_FORM} subtrees of one form")
}

/// Whether `name` is within the subtree `base` (same form assumed); `Err` when undecidable.
fn matches(name: &Subject<'_>, base: &Base) -> Result<bool, String> {
    match (name, base) {
        (_, Base::Unsupported(reason)) => Err(reason.clone()),
        (Subject::Email(n), Base::Email(c)) => email_matches(n, c),
        (Subject::Dns(n), Base::Dns(c)) => Ok(dns_matches(n, c)),
        (Subject::Uri(n), Base::Uri(c)) => uri_matches(n, c),
        (Subject::Ip(n), Base::Ip(c)) => ip_matches(n, c),
        (Subject::Dn(n), Base::Dn(c)) => Ok(dn_within(n, c)),
        (Subject::BadEmail, _) => Err("emailAddress value is not a string".into()),
        _ => Err("name form mismatch".into()),
    }
}

/// As [`matches`], but for an excluded subtree: a wildcard dNSName counts as excluded when
/// it could stand for a name within the subtree.
fn excluded_matches(name: &Subject<'_>, base: &Base) -> Result<bool, String> {
    if let (Subject::Dns(n), Base::Dns(c)) = (name, base) {
        return Ok(dns_matches(n, c) || dns_wildcard_overlaps(n, c));
    }
    matches(name, base)
}

// ---------------------------------------------------------------------------------------
// Matchers
// ---------------------------------------------------------------------------------------

/// `name` is a strict subdomain of `domain` (label-wise, ASCII case-insensitive).
fn is_subdomain(name: &str, domain: &str) -> bool {
    let (n, d) = (name.as_bytes(), domain.as_bytes());
    if d.is_empty() {
        return !n.is_empty();
    }
    n.len() > d.len() + 1
        && n[n.len() - d.len() - 1] == b'.'
        && n[n.len() - d.len()..].eq_ignore_ascii_case(d)
}

/// dNSName: `constraint` matches the name and every subdomain; a leading '.' restricts it to
/// subdomains; "" (or ".") matches everything.
fn dns_matches(name: &str, constraint: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let (c, subdomains_only) = match constraint.strip_prefix('.') {
        Some(rest) => (rest, true),
        None => (constraint, false),
    };
    let c = c.strip_suffix('.').unwrap_or(c);
    if c.is_empty() {
        return true;
    }
    (!subdomains_only && name.eq_ignore_ascii_case(c)) || is_subdomain(name, c)
}

/// A wildcard name "*.rest" could stand for a name within `constraint` when the constraint
/// names a single label under `rest` (or a subdomain of one).
fn dns_wildcard_overlaps(name: &str, constraint: &str) -> bool {
    let Some(rest) = name.strip_prefix("*.") else {
        return false;
    };
    let rest = rest.strip_suffix('.').unwrap_or(rest);
    let c = constraint.strip_prefix('.').unwrap_or(constraint);
    let c = c.strip_suffix('.').unwrap_or(c);
    match c.split_once('.') {
        Some((first, parent)) => {
            !first.is_empty() && !first.contains('*') && parent.eq_ignore_ascii_case(rest)
        }
        None => false,
    }
}

/// rfc822Name: full mailbox ('@'), domain ('.'-prefixed: subdomains), or host.
fn email_matches(name: &str, constraint: &str) -> Result<bool, String> {
    let Some((local, host)) = name.rsplit_once('@') else {
        return Err(format!("malformed rfc822Name {name:?}"));
    };
    if local.is_empty() || host.is_empty() {
        return Err(format!("malformed rfc822Name {name:?}"));
    }
    if let Some((c_local, c_host)) = constraint.rsplit_once('@') {
        return Ok(c_local == local && c_host.eq_ignore_ascii_case(host));
    }
    if let Some(domain) = constraint.strip_prefix('.') {
        return Ok(is_subdomain(host, domain));
    }
    Ok(host.eq_ignore_ascii_case(constraint))
}

/// The host part of a URI ("scheme://[userinfo@]host[:port]/..."), without brackets kept for
/// IPv6 literals; `None` when the URI has no authority/host.
fn uri_host(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once(':')?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
    {
        return None;
    }
    let rest = rest.strip_prefix("//")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if hostport.starts_with('[') {
        let end = hostport.find(']')?;
        &hostport[..=end]
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    if host.is_empty() { None } else { Some(host) }
}

/// uniformResourceIdentifier: host of the URI against the constraint ('.'-prefixed:
/// subdomains only; otherwise the exact host).
fn uri_matches(uri: &str, constraint: &str) -> Result<bool, String> {
    let Some(host) = uri_host(uri) else {
        return Err(format!("URI {uri:?} has no host"));
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    Ok(match constraint.strip_prefix('.') {
        Some(domain) => is_subdomain(host, domain),
        None => host.eq_ignore_ascii_case(constraint),
    })
}

/// iPAddress: `constraint` is address ‖ mask (8 or 32 bytes).
fn ip_matches(addr: &[u8], constraint: &[u8]) -> Result<bool, String> {
    if constraint.len() != 8 && constraint.len() != 32 {
        return Err(format!(
            "malformed iPAddress constraint of {} bytes",
            constraint.len()
        ));
    }
    if addr.len() != 4 && addr.len() != 16 {
        return Err(format!("malformed iPAddress of {} bytes", addr.len()));
    }
    let (base, mask) = constraint.split_at(constraint.len() / 2);
    if addr.len() != base.len() {
        return Ok(false);
    }
    Ok(addr
        .iter()
        .zip(base)
        .zip(mask)
        .all(|((a, b), m)| a & m == b & m))
}

/// directoryName: the RDN sequence of `base` is a prefix of that of `name`.
fn dn_within(name: &Name, base: &Name) -> bool {
    base.len() <= name.len()
        && name
            .iter_rdn()
            .zip(base.iter_rdn())
            .all(|(a, b)| rdn_equal(a, b))
}

/// Two DNs are equal under RFC 5280 §7.1 comparison.
pub fn dn_equal(a: &Name, b: &Name) -> bool {
    a.len() == b.len() && dn_within(a, b)
}

fn rdn_equal(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    a.len() == b.len()
        && a.iter().all(|x| b.iter().any(|y| atv_equal(x, y)))
        && b.iter().all(|y| a.iter().any(|x| atv_equal(x, y)))
}

fn atv_equal(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue) -> bool {
    if a.oid != b.oid {
        return false;
    }
    // The same encoding, the usual case on a path, needs no folding.
    if a.value.tag() == b.value.tag() && a.value.value() == b.value.value() {
        return true;
    }
    if let (Some(x), Some(y)) = (directory_string(&a.value), directory_string(&b.value)) {
        return folded_equal(&x, &y);
    }
    false
}

/// `fold(x) == fold(y)` without building either string when both are ASCII (the words are
/// compared ignoring ASCII case); other text is folded as [`fold`] does.
fn folded_equal(x: &str, y: &str) -> bool {
    if x.is_ascii() && y.is_ascii() {
        let mut a = x.split_whitespace();
        let mut b = y.split_whitespace();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(p), Some(q)) if p.eq_ignore_ascii_case(q) => {}
                _ => return false,
            }
        }
    }
    fold(x) == fold(y)
}

/// The text of a DirectoryString-typed value (PrintableString, UTF8String, BMPString),
/// borrowed unless it had to be decoded.
fn directory_string(v: &Any) -> Option<std::borrow::Cow<'_, str>> {
    match v.tag() {
        Tag::PrintableString | Tag::Utf8String => core::str::from_utf8(v.value())
            .ok()
            .map(std::borrow::Cow::Borrowed),
        Tag::BmpString => {
            let b = v.value();
            if !b.len().is_multiple_of(2) {
                return None;
            }
            let units = b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
                .map(std::borrow::Cow::Owned)
        }
        _ => None,
    }
}

/// Case-fold and fold insignificant whitespace (trim, collapse runs to one space).
fn fold(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A string attribute value (IA5String, UTF8String, PrintableString).
fn any_as_str(v: &Any) -> Option<&str> {
    match v.tag() {
        Tag::Ia5String | Tag::Utf8String | Tag::PrintableString | Tag::VisibleString => {
            core::str::from_utf8(v.value()).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;
    use der::Encode;
    use der::asn1::{Ia5String, OctetString};
    use x509_cert::ext::pkix::constraints::name::GeneralSubtrees;

    const PKITS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pkits");

    #[test]
    fn folded_equality_is_fold_equality() {
        let samples = [
            "Region A",
            "region  a",
            " REGION A ",
            "Region B",
            "Region\u{b}A",
            "Region\tA",
            "",
            " ",
            "A",
            "a b",
            "ab",
            "ΑΣ",
            "ας",
            "ασ",
            "Straße",
            "STRASSE",
            "İ",
            "i̇",
            "北京 市",
            "北京市",
        ];
        for x in samples {
            for y in samples {
                assert_eq!(folded_equal(x, y), fold(x) == fold(y), "{x:?} {y:?}");
            }
        }
    }

    // ---- matchers ------------------------------------------------------------------------

    #[test]
    fn dns_label_boundary() {
        assert!(dns_matches("example.com", "example.com"));
        assert!(dns_matches("a.example.com", "example.com"));
        assert!(dns_matches("x.y.Example.COM", "example.com"));
        assert!(dns_matches("a.example.com.", "example.com"));
        assert!(!dns_matches("badexample.com", "example.com"));
        assert!(!dns_matches("example.com.evil", "example.com"));
        assert!(!dns_matches("com", "example.com"));
        // leading '.': subdomains only
        assert!(dns_matches("a.example.com", ".example.com"));
        assert!(!dns_matches("example.com", ".example.com"));
        assert!(!dns_matches("badexample.com", ".example.com"));
        // empty constraint: everything
        assert!(dns_matches("anything.test", ""));
        // wildcard overlap with an excluded subtree
        assert!(dns_wildcard_overlaps("*.example.com", "bad.example.com"));
        assert!(!dns_wildcard_overlaps("*.example.com", "example.com"));
        assert!(!dns_wildcard_overlaps("www.example.com", "bad.example.com"));
    }

    #[test]
    fn ip_masks() {
        let c = [192, 168, 0, 0, 255, 255, 0, 0];
        assert_eq!(ip_matches(&[192, 168, 7, 9], &c), Ok(true));
        assert_eq!(ip_matches(&[192, 169, 7, 9], &c), Ok(false));
        let c24 = [10, 1, 2, 0, 255, 255, 255, 0];
        assert_eq!(ip_matches(&[10, 1, 2, 255], &c24), Ok(true));
        assert_eq!(ip_matches(&[10, 1, 3, 0], &c24), Ok(false));
        let host = [10, 1, 2, 3, 255, 255, 255, 255];
        assert_eq!(ip_matches(&[10, 1, 2, 3], &host), Ok(true));
        assert_eq!(ip_matches(&[10, 1, 2, 4], &host), Ok(false));
        let all = [0u8; 8];
        assert_eq!(ip_matches(&[1, 2, 3, 4], &all), Ok(true));
        // other family never matches
        assert_eq!(ip_matches(&[0u8; 16], &all), Ok(false));
        let mut v6 = [0u8; 32];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[2] = 0x0d;
        v6[3] = 0xb8;
        v6[16..20].copy_from_slice(&[0xff; 4]);
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        a[15] = 1;
        assert_eq!(ip_matches(&a, &v6), Ok(true));
        a[3] = 0xb9;
        assert_eq!(ip_matches(&a, &v6), Ok(false));
        assert_eq!(ip_matches(&[1, 2, 3, 4], &v6), Ok(false));
        assert!(ip_matches(&[1, 2, 3], &c).is_err());
        assert!(ip_matches(&[1, 2, 3, 4], &[1, 2, 3, 4]).is_err());
    }

    #[test]
    fn email_forms() {
        // full mailbox
        assert_eq!(
            email_matches("alice@Example.com", "alice@example.com"),
            Ok(true)
        );
        assert_eq!(
            email_matches("Alice@example.com", "alice@example.com"),
            Ok(false)
        );
        assert_eq!(
            email_matches("bob@example.com", "alice@example.com"),
            Ok(false)
        );
        // host: all mailboxes at it, not subdomains
        assert_eq!(email_matches("bob@example.com", "example.com"), Ok(true));
        assert_eq!(email_matches("bob@EXAMPLE.com", "example.com"), Ok(true));
        assert_eq!(
            email_matches("bob@mail.example.com", "example.com"),
            Ok(false)
        );
        // domain: subdomains only
        assert_eq!(
            email_matches("bob@mail.example.com", ".example.com"),
            Ok(true)
        );
        assert_eq!(email_matches("bob@example.com", ".example.com"), Ok(false));
        assert_eq!(
            email_matches("bob@badexample.com", ".example.com"),
            Ok(false)
        );
        // malformed
        assert!(email_matches("no-at-sign", "example.com").is_err());
        assert!(email_matches("@example.com", "example.com").is_err());
    }

    #[test]
    fn uri_hosts() {
        assert_eq!(uri_host("http://a.example.com/x"), Some("a.example.com"));
        assert_eq!(
            uri_host("ftp://u:p@a.example.com:21/x"),
            Some("a.example.com")
        );
        assert_eq!(
            uri_host("https://[2001:db8::1]:443/"),
            Some("[2001:db8::1]")
        );
        assert_eq!(uri_host("http://a.example.com?q=1"), Some("a.example.com"));
        assert_eq!(uri_host("urn:isbn:123"), None);
        assert_eq!(uri_host("mailto:a@example.com"), None);
        assert_eq!(uri_host("no-scheme"), None);
        assert_eq!(
            uri_matches("http://a.example.com/", ".example.com"),
            Ok(true)
        );
        assert_eq!(
            uri_matches("http://example.com/", ".example.com"),
            Ok(false)
        );
        assert_eq!(uri_matches("http://EXAMPLE.com/", "example.com"), Ok(true));
        assert_eq!(
            uri_matches("http://a.example.com/", "example.com"),
            Ok(false)
        );
        assert!(uri_matches("urn:x:y", "example.com").is_err());
    }

    fn dn(s: &str) -> Name {
        Name::from_str(s).expect("test DN")
    }

    /// A DN from (oid, tag, value) RDNs, in order.
    fn dn_raw(rdns: &[(&str, Tag, &str)]) -> Name {
        let mut der_rdns = Vec::new();
        for (oid, tag, v) in rdns {
            let atv = AttributeTypeAndValue {
                oid: ObjectIdentifier::new(oid).expect("oid"),
                value: Any::new(*tag, v.as_bytes()).expect("any"),
            };
            let rdn = RelativeDistinguishedName::try_from(vec![atv]).expect("rdn");
            der_rdns.push(rdn.to_der().expect("der"));
        }
        let mut body = Vec::new();
        for r in der_rdns {
            body.extend(r);
        }
        let mut seq = vec![0x30u8];
        assert!(body.len() < 128);
        seq.push(body.len() as u8);
        seq.extend(body);
        Name::from_der(&seq).expect("name")
    }

    #[test]
    fn dn_prefix_with_folding() {
        const C: &str = "2.5.4.6";
        const O: &str = "2.5.4.10";
        const OU: &str = "2.5.4.11";
        const CN: &str = "2.5.4.3";
        let base = dn_raw(&[
            (C, Tag::PrintableString, "US"),
            (O, Tag::PrintableString, "Test  Certificates"),
        ]);
        let name = dn_raw(&[
            (C, Tag::PrintableString, "us"),
            (O, Tag::Utf8String, "  test certificates "),
            (OU, Tag::Utf8String, "unit"),
            (CN, Tag::Utf8String, "x"),
        ]);
        assert!(dn_within(&name, &base));
        assert!(!dn_within(&base, &name));
        let other = dn_raw(&[
            (C, Tag::PrintableString, "US"),
            (O, Tag::PrintableString, "Test Certificate"),
        ]);
        assert!(!dn_within(&name, &other));
        // an attribute of a different type never matches
        let wrong_type = dn_raw(&[(O, Tag::PrintableString, "US")]);
        assert!(!dn_within(&name, &wrong_type));
        // non-DirectoryString types compare exactly
        let ia5 = dn_raw(&[(C, Tag::Ia5String, "US")]);
        let ia5_lower = dn_raw(&[(C, Tag::Ia5String, "us")]);
        assert!(!dn_within(&ia5_lower, &ia5));
        assert!(dn_within(&ia5, &ia5));
        // string syntax (RFC 4514 order is reversed)
        assert!(dn_within(&dn("CN=x,O=Org,C=US"), &dn("O=ORG,C=us")));
        assert!(!dn_within(&dn("CN=x,O=Org2,C=US"), &dn("O=Org,C=US")));
        // the empty DN is within everything's subtree root
        assert!(dn_within(&dn("CN=x"), &Name::default()));
        assert!(dn_equal(&dn("CN=A  b,C=US"), &dn("CN=a b,C=us")));
        assert_eq!(fold("  Hello   World "), "hello world");
    }

    // ---- check() on synthetic paths ------------------------------------------------------

    fn subtree(gn: GeneralName) -> GeneralSubtree {
        GeneralSubtree {
            base: gn,
            minimum: 0,
            maximum: None,
        }
    }

    fn ca(permitted: Vec<GeneralName>, excluded: Vec<GeneralName>) -> CertNames {
        let wrap = |v: Vec<GeneralName>| -> Option<GeneralSubtrees> {
            (!v.is_empty()).then(|| v.into_iter().map(subtree).collect())
        };
        CertNames {
            subject: dn("CN=CA"),
            san: None,
            constraints: Some(NameConstraints {
                permitted_subtrees: wrap(permitted),
                excluded_subtrees: wrap(excluded),
            }),
            self_issued: false,
        }
    }

    fn ee(san: Vec<GeneralName>) -> CertNames {
        CertNames {
            subject: Name::default(),
            san: Some(san),
            constraints: None,
            self_issued: false,
        }
    }

    fn dns(s: &str) -> GeneralName {
        GeneralName::DnsName(Ia5String::new(s).expect("ia5"))
    }

    fn email(s: &str) -> GeneralName {
        GeneralName::Rfc822Name(Ia5String::new(s).expect("ia5"))
    }

    fn ip(b: &[u8]) -> GeneralName {
        GeneralName::IpAddress(OctetString::new(b).expect("octets"))
    }

    #[test]
    fn permitted_is_an_intersection() {
        let path = [
            ca(vec![dns("example.com")], vec![]),
            ca(vec![dns("a.example.com"), dns("other.org")], vec![]),
            ee(vec![dns("x.a.example.com")]),
        ];
        assert_eq!(check(&path), Ok(()));
        // other.org is permitted by the second CA but not by the first
        let path = [path[0].clone(), path[1].clone(), ee(vec![dns("other.org")])];
        let err = check(&path).expect_err("outside the intersection");
        assert_eq!(err.index, 2);
        assert!(
            err.rule
                .contains("permitted dNSName subtrees of certificate 0"),
            "{err}"
        );
        // a form the first CA did not constrain is only constrained by the second
        let path = [
            ca(vec![email("example.com")], vec![]),
            ca(vec![dns("example.com")], vec![]),
            ee(vec![dns("www.example.com"), email("a@example.com")]),
        ];
        assert_eq!(check(&path), Ok(()));
    }

    #[test]
    fn excluded_is_a_union_and_unconstrained_forms_pass() {
        let path = [
            ca(vec![], vec![dns("bad.example")]),
            ca(vec![], vec![ip(&[10, 0, 0, 0, 255, 0, 0, 0])]),
            ee(vec![
                dns("ok.example"),
                ip(&[192, 0, 2, 1]),
                email("x@anything"),
            ]),
        ];
        assert_eq!(check(&path), Ok(()));
        let mut p2 = path.clone();
        p2[2] = ee(vec![dns("www.bad.example")]);
        assert!(
            check(&p2)
                .expect_err("excluded")
                .rule
                .contains("excluded dNSName")
        );
        p2[2] = ee(vec![ip(&[10, 9, 9, 9])]);
        assert!(
            check(&p2)
                .expect_err("excluded")
                .rule
                .contains("excluded iPAddress")
        );
        p2[2] = ee(vec![dns("*.bad.example")]);
        assert!(check(&p2).is_err());
        p2[2] = ee(vec![dns("*.example")]);
        assert!(check(&p2).is_err(), "wildcard could stand for bad.example");
    }

    #[test]
    fn constraints_of_the_end_entity_and_self_issued() {
        // constraints in the EE are ignored; constraints apply to the issuing CA's successors
        let mut e = ee(vec![dns("x.test")]);
        e.constraints = ca(vec![dns("nothing.invalid")], vec![]).constraints;
        assert_eq!(check(&[e]), Ok(()));
        // a self-issued intermediate is not checked, the end entity is
        let mut si = ee(vec![dns("outside.test")]);
        si.self_issued = true;
        let path = [
            ca(vec![dns("inside.test")], vec![]),
            si.clone(),
            ee(vec![dns("a.inside.test")]),
        ];
        assert_eq!(check(&path), Ok(()));
        let path = [ca(vec![dns("inside.test")], vec![]), si];
        assert!(check(&path).is_err());
    }

    #[test]
    fn subject_email_address_is_checked_without_rfc822_san() {
        let subject = dn_raw(&[
            ("2.5.4.3", Tag::Utf8String, "x"),
            ("1.2.840.113549.1.9.1", Tag::Ia5String, "x@bad.example"),
        ]);
        let leaf = CertNames {
            subject,
            san: None,
            constraints: None,
            self_issued: false,
        };
        let path = [ca(vec![email("good.example")], vec![]), leaf.clone()];
        assert!(
            check(&path)
                .expect_err("email")
                .rule
                .contains("emailAddress")
        );
        let mut with_san = leaf;
        with_san.san = Some(vec![email("y@good.example")]);
        let path = [path[0].clone(), with_san];
        assert_eq!(check(&path), Ok(()));
    }

    #[test]
    fn unprocessable_constraints_fail_safe() {
        // registeredID constraint: fine unless a registeredID name appears
        let rid = GeneralName::RegisteredId(ObjectIdentifier::new_unwrap("1.2.3.4"));
        let path = [ca(vec![rid.clone()], vec![]), ee(vec![dns("a.test")])];
        assert_eq!(check(&path), Ok(()));
        let path = [ca(vec![rid.clone()], vec![]), ee(vec![rid])];
        assert!(
            check(&path)
                .expect_err("registeredID")
                .rule
                .contains("cannot be checked")
        );
        // minimum/maximum
        let mut c = ca(vec![dns("a.test")], vec![]);
        if let Some(nc) = c.constraints.as_mut()
            && let Some(p) = nc.permitted_subtrees.as_mut()
        {
            p[0].maximum = Some(2);
        }
        let path = [c.clone(), ee(vec![email("x@y.test")])];
        assert_eq!(check(&path), Ok(()));
        let path = [c, ee(vec![dns("a.test")])];
        assert!(check(&path).is_err());
        // malformed iPAddress constraint
        let path = [
            ca(vec![], vec![ip(&[1, 2, 3, 4])]),
            ee(vec![ip(&[1, 2, 3, 4])]),
        ];
        assert!(check(&path).is_err());
        // a URI without a host under URI constraints
        let uri = GeneralName::UniformResourceIdentifier(Ia5String::new("urn:a:b").expect("ia5"));
        let c = GeneralName::UniformResourceIdentifier(Ia5String::new(".test").expect("ia5"));
        assert!(check(&[ca(vec![], vec![c]), ee(vec![uri])]).is_err());
    }

    #[test]
    fn work_is_bounded() {
        let many: Vec<GeneralName> = (0..=MAX_SUBTREES_PER_FORM)
            .map(|i| dns(&format!("d{i}.test")))
            .collect();
        let path = [ca(many, vec![]), ee(vec![dns("d1.test")])];
        assert!(
            check(&path)
                .expect_err("too many")
                .rule
                .contains("too complex")
        );
        // many CAs each adding 500 excluded subtrees, and many names
        let ex: Vec<GeneralName> = (0..500).map(|i| dns(&format!("x{i}.test"))).collect();
        let names: Vec<GeneralName> = (0..30).map(|i| dns(&format!("n{i}.ok"))).collect();
        let path = [ca(vec![], ex), ee(names)];
        assert!(
            check(&path)
                .expect_err("too much work")
                .rule
                .contains("too complex")
        );
    }

    // ---- PKITS ---------------------------------------------------------------------------

    struct Cert {
        file: String,
        der: Vec<u8>,
        subject: Name,
        issuer: Name,
    }

    fn load(file: &str) -> Result<Cert, String> {
        let der = std::fs::read(format!("{PKITS}/certs/{file}")).expect("read cert");
        let c = CertificateInner::<Raw>::from_der(&der).map_err(|e| format!("{file}: {e}"))?;
        let tbs = c.tbs_certificate();
        Ok(Cert {
            file: file.to_owned(),
            subject: tbs.subject().clone(),
            issuer: tbs.issuer().clone(),
            der,
        })
    }

    /// Order `others` from the anchor to `ee` by issuer/subject (RFC 5280 §7.1 comparison), preferring a chain that uses
    /// every certificate (PKITS lists exactly the path's intermediates); `None` if no chain.
    fn build_path(anchor: &Cert, ee: Cert, others: Vec<Cert>) -> Option<Vec<Cert>> {
        fn search(
            anchor: &Cert,
            chain: &mut Vec<usize>,
            used: &mut Vec<bool>,
            certs: &[Cert],
            best: &mut Option<Vec<usize>>,
        ) {
            let last = &certs[*chain.last().expect("non-empty chain")];
            if dn_equal(&last.issuer, &anchor.subject) {
                let full = used.iter().all(|u| *u);
                if full || best.is_none() {
                    *best = Some(chain.clone());
                }
                if full {
                    return;
                }
            }
            for i in 0..certs.len() {
                if !used[i] && dn_equal(&certs[i].subject, &last.issuer) {
                    used[i] = true;
                    chain.push(i);
                    search(anchor, chain, used, certs, best);
                    chain.pop();
                    used[i] = false;
                }
            }
        }
        let mut certs = others;
        certs.push(ee);
        let n = certs.len();
        let mut used = vec![false; n];
        used[n - 1] = true;
        let mut best = None;
        search(anchor, &mut vec![n - 1], &mut used, &certs, &mut best);
        let order = best?;
        let mut slots: Vec<Option<Cert>> = certs.into_iter().map(Some).collect();
        Some(
            order
                .iter()
                .rev()
                .map(|&i| slots[i].take().expect("each once"))
                .collect(),
        )
    }

    fn is_name_error(msg: &str) -> bool {
        msg.contains("namespace")
    }

    #[test]
    fn pkits() {
        let json = std::fs::read_to_string(format!("{PKITS}/pkits.json")).expect("pkits.json");
        let cases: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
        let anchor = load("TrustAnchorRootCertificate.crt").expect("anchor");
        let (mut checked_413, mut checked_other, mut skipped) = (0, 0, Vec::new());
        let mut unexpected = Vec::new();
        for case in &cases {
            let id = case["id"].as_str().expect("id");
            let name = case["name"].as_str().expect("name");
            let ee_file = case["cert"].as_str().expect("cert");
            let others: Vec<&str> = case["other_certs"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|v| v.as_str().expect("file"))
                .collect();
            let err_msg = case["error"]["msg_regex"].as_str();
            let in_413 = id.starts_with("413");
            let loaded: Result<Vec<Cert>, String> = others.iter().map(|f| load(f)).collect();
            let (ee_cert, other_certs) = match (load(ee_file), loaded) {
                (Ok(e), Ok(o)) => (e, o),
                (Err(e), _) | (_, Err(e)) => {
                    assert!(!in_413, "{id}: {e}");
                    skipped.push(format!("{id} ({e})"));
                    continue;
                }
            };
            let Some(path) = build_path(&anchor, ee_cert, other_certs) else {
                assert!(!in_413, "{id}: cannot order the path");
                skipped.push(id.to_owned());
                continue;
            };
            let names: Result<Vec<CertNames>, String> =
                path.iter().map(|c| names_from_der(&c.der)).collect();
            let names = match names {
                Ok(n) => n,
                Err(e) => {
                    assert!(!in_413, "{id}: {e}");
                    skipped.push(format!("{id} ({e})"));
                    continue;
                }
            };
            let result = check(&names);
            let expect_err = err_msg.is_some_and(is_name_error);
            let expect_ok = err_msg.is_none();
            let files: Vec<&str> = path.iter().map(|c| c.file.as_str()).collect();
            if in_413 {
                checked_413 += 1;
                println!("{id} {name}: {result:?}");
                assert_eq!(
                    result.is_err(),
                    expect_err,
                    "{id} {name} {files:?}: {result:?}"
                );
            } else {
                checked_other += 1;
                if (expect_ok && result.is_err()) || (expect_err && result.is_ok()) {
                    unexpected.push(format!("{id} {name}: {result:?}"));
                }
                if !expect_ok && !expect_err && result.is_err() {
                    println!("{id} {name} (non-name error expected) also fails names: {result:?}");
                }
            }
        }
        println!("4.13 cases checked: {checked_413}; other cases checked: {checked_other}");
        println!("skipped (ambiguous or unparsable paths): {skipped:?}");
        assert_eq!(checked_413, 38);
        assert!(unexpected.is_empty(), "{unexpected:#?}");
    }
}
