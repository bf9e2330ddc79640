//! Path building over an untrusted pool and RFC 5280 §6.1 path validation.
//!
//! Building follows names and key identifiers from the target towards the trust anchors,
//! depth first with backtracking, so a route through a bridge or cross-certificate is found
//! even when a shorter dead end exists; loops are cut by certificate fingerprint. The work is
//! bounded by a [`Budget`] (candidate expansions, paths, signature checks) so that hostile
//! pools cannot exhaust the CPU. Each complete path is validated in turn until one passes.

use super::cert::{Cert, ku, names_equal};
use super::names;
use super::policy::{self, PolicyParams};
use super::purpose::Purpose;
use super::report::*;
use super::revocation::{self, Crl, RevocationContext, Status};
use crate::crypto::verify::verify_signature;
use const_oid::ObjectIdentifier;
use std::collections::HashSet;
use std::sync::Mutex;

/// How revocation is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationMode {
    /// Every certificate in the path needs a status; none → INDETERMINATE / TRY_LATER.
    Require,
    /// Check what is given; no data for a certificate is accepted.
    IfAvailable,
    /// Do not check.
    Off,
}

/// Work limits.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Longest path (certificates, anchor excluded).
    pub max_depth: usize,
    /// Complete paths validated at most.
    pub max_paths: usize,
    /// Issuer candidates examined at most.
    pub max_expansions: usize,
    /// Signature verifications at most (cache misses).
    pub max_signatures: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_depth: 10,
            max_paths: 32,
            max_expansions: 2_000,
            max_signatures: 512,
        }
    }
}

/// What to validate and how.
#[derive(Clone, Debug)]
pub struct Input {
    /// The certificate to validate (DER).
    pub target: Vec<u8>,
    /// Candidate intermediates, any order, may contain irrelevant or hostile certificates.
    pub intermediates: Vec<Vec<u8>>,
    /// Trust anchors (certificates).
    pub anchors: Vec<Vec<u8>>,
    /// CRLs (DER).
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses (DER OCSPResponse).
    pub ocsp: Vec<Vec<u8>>,
    /// Validation time, Unix seconds.
    pub time: i64,
    /// RFC 5280 policy inputs.
    pub policy: PolicyParams,
    /// Revocation treatment.
    pub revocation: RevocationMode,
    /// What the end entity is validated for: its required extended key usage and key usage
    /// (there is no "any certificate").
    pub purpose: Purpose,
    /// Work limits.
    pub budget: Budget,
    /// Apply the constraints the trust anchor's certificate carries (RFC 5937): its name
    /// constraints, its path length constraint, and its policies and policy constraints.
    /// Use it for anchors of other regions that must stay within what was agreed.
    pub enforce_anchor_constraints: bool,
}

impl Input {
    /// Defaults: any policy, revocation required, validated for `purpose`.
    pub fn new(target: Vec<u8>, anchors: Vec<Vec<u8>>, time: i64, purpose: Purpose) -> Self {
        Input {
            target,
            intermediates: vec![],
            anchors,
            crls: vec![],
            ocsp: vec![],
            time,
            policy: PolicyParams {
                user_initial_policy_set: None,
                initial_explicit_policy: false,
                initial_policy_mapping_inhibit: false,
                initial_any_policy_inhibit: false,
            },
            revocation: RevocationMode::Require,
            purpose,
            budget: Budget::default(),
            enforce_anchor_constraints: false,
        }
    }
}

/// The validator: holds the cache of verified signatures (keyed by a hash of key, signed
/// bytes and signature), so repeated validations cost about one signature check.
#[derive(Default)]
pub struct Validator {
    verified: Mutex<HashSet<[u8; 32]>>,
    parsed_certs: Mutex<std::collections::HashMap<Vec<u8>, Cert>>,
    parsed_crls: Mutex<std::collections::HashMap<Vec<u8>, Crl>>,
}

/// Most parsed certificates and CRLs kept by a validator (intermediates, anchors, CRLs).
const PARSE_CACHE: usize = 10_000;

struct Failed {
    sub: SubIndication,
    indication: Indication,
    index: Option<usize>,
    rule: String,
}

fn fail(sub: SubIndication, index: usize, rule: impl Into<String>) -> Failed {
    Failed {
        sub,
        indication: Indication::TotalFailed,
        index: Some(index),
        rule: rule.into(),
    }
}

struct Ctx<'a> {
    v: &'a Validator,
    input: &'a Input,
    pool: &'a [Cert],
    anchors: &'a [Cert],
    crls: &'a [Crl],
    sig_checks: usize,
    depth: usize,
}

impl Ctx<'_> {
    fn verify_sig(
        &mut self,
        spki: &[u8],
        alg: ObjectIdentifier,
        params: Option<&[u8]>,
        tbs: &[u8],
        sig: &[u8],
    ) -> Result<bool, String> {
        self.verify_sig_cached(spki, alg, params, tbs, sig, true)
    }

    /// Verify a signature; successes are cached when `cache` is set (certificates at every
    /// level and CRLs: the key covers the public key, algorithm, signed bytes and signature,
    /// so a hit is the same mathematical fact, never a trust decision).
    fn verify_sig_cached(
        &mut self,
        spki: &[u8],
        alg: ObjectIdentifier,
        params: Option<&[u8]>,
        tbs: &[u8],
        sig: &[u8],
        cache: bool,
    ) -> Result<bool, String> {
        let mut h = Vec::with_capacity(spki.len() + tbs.len() + sig.len() + 64);
        h.extend_from_slice(spki);
        h.extend_from_slice(alg.as_bytes());
        h.extend_from_slice(params.unwrap_or(&[]));
        h.extend_from_slice(&crate::crypto::sha256(tbs));
        h.extend_from_slice(sig);
        let key = crate::crypto::sha256(&h);
        if cache
            && self
                .v
                .verified
                .lock()
                .map(|s| s.contains(&key))
                .unwrap_or(false)
        {
            return Ok(true);
        }
        if self.sig_checks >= self.input.budget.max_signatures {
            return Err("signature check budget exhausted".into());
        }
        self.sig_checks += 1;
        let any = match params {
            Some(p) => Some(der::Decode::from_der(p).map_err(|e: der::Error| e.to_string())?),
            None => None,
        };
        let r: Option<der::asn1::AnyRef<'_>> = any;
        match verify_signature(spki, alg, r.as_ref(), tbs, sig) {
            Ok(()) if !cache => Ok(true),
            Ok(()) => {
                if let Ok(mut s) = self.v.verified.lock() {
                    if s.len() > 100_000 {
                        s.clear();
                    }
                    s.insert(key);
                }
                Ok(true)
            }
            Err(crate::crypto::CryptoError::BadSignature)
            | Err(crate::crypto::CryptoError::MalformedSignature) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl RevocationContext for Ctx<'_> {
    fn verify(
        &mut self,
        spki: &[u8],
        alg: ObjectIdentifier,
        params: Option<&[u8]>,
        tbs: &[u8],
        sig: &[u8],
    ) -> bool {
        self.verify_sig(spki, alg, params, tbs, sig)
            .unwrap_or(false)
    }

    fn signer_valid(&mut self, signer: &Cert) -> bool {
        if self.depth >= 2 {
            return false;
        }
        let mut input = self.input.clone();
        input.target = signer.der.clone();
        input.purpose = Purpose::CrlSigner;
        input.policy.initial_explicit_policy = false;
        input.policy.user_initial_policy_set = None;
        input.revocation = match self.input.revocation {
            RevocationMode::Off => RevocationMode::Off,
            _ => RevocationMode::IfAvailable,
        };
        let r = self.v.validate_at_depth(&input, self.depth + 1);
        r.passed()
    }

    fn certs_named(&self, name: &x509_cert::name::Name) -> Vec<Cert> {
        self.pool
            .iter()
            .chain(self.anchors.iter())
            .filter(|c| names_equal(&c.subject, name))
            .cloned()
            .collect()
    }
}

/// Parse through a bounded cache keyed by the DER bytes.
fn parse_cached<T: Clone>(
    cache: &Mutex<std::collections::HashMap<Vec<u8>, T>>,
    der_bytes: &[u8],
    limit: usize,
    parse: impl Fn(&[u8]) -> Option<T>,
) -> Option<T> {
    if let Some(hit) = cache.lock().ok().and_then(|m| m.get(der_bytes).cloned()) {
        return Some(hit);
    }
    let value = parse(der_bytes)?;
    if let Ok(mut m) = cache.lock() {
        if m.len() >= limit {
            m.clear();
        }
        m.insert(der_bytes.to_vec(), value.clone());
    }
    Some(value)
}

/// Candidate paths: each a list of pool indices from the target's issuer upwards, plus the
/// index of the anchor that ends it.
fn build_paths(
    target: &Cert,
    pool: &[Cert],
    anchors: &[Cert],
    budget: &Budget,
) -> (Vec<(Vec<usize>, usize)>, bool) {
    let mut out = Vec::new();
    let mut expansions = 0usize;
    let mut exhausted = false;
    let mut stack: Vec<usize> = Vec::new();
    fn issuer_order(child: &Cert, cand: &Cert) -> u8 {
        match (&child.aki, &cand.ski) {
            (Some(a), Some(s)) if a == s => 0,
            (Some(_), Some(_)) => 2,
            _ => 1,
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn dfs(
        current: &Cert,
        target_fp: &[u8; 32],
        pool: &[Cert],
        anchors: &[Cert],
        budget: &Budget,
        stack: &mut Vec<usize>,
        out: &mut Vec<(Vec<usize>, usize)>,
        expansions: &mut usize,
        exhausted: &mut bool,
    ) {
        if out.len() >= budget.max_paths || *exhausted {
            return;
        }
        // Anchors first: the shortest completion from here.
        let mut anchor_cands: Vec<usize> = (0..anchors.len())
            .filter(|i| names_equal(&anchors[*i].subject, &current.issuer))
            .collect();
        anchor_cands.sort_by_key(|i| issuer_order(current, &anchors[*i]));
        for a in anchor_cands {
            *expansions += 1;
            // A self-signed target that is itself an anchor is not a path.
            if anchors[a].fingerprint == current.fingerprint {
                continue;
            }
            out.push((stack.clone(), a));
            if out.len() >= budget.max_paths {
                return;
            }
        }
        if stack.len() + 1 >= budget.max_depth {
            return;
        }
        let mut cands: Vec<usize> = (0..pool.len())
            .filter(|i| {
                let c = &pool[*i];
                names_equal(&c.subject, &current.issuer)
                    && c.fingerprint != current.fingerprint
                    && c.fingerprint != *target_fp
                    && !stack.iter().any(|s| pool[*s].fingerprint == c.fingerprint)
                    && !anchors.iter().any(|a| a.fingerprint == c.fingerprint)
            })
            .collect();
        cands.sort_by_key(|i| issuer_order(current, &pool[*i]));
        for i in cands {
            *expansions += 1;
            if *expansions > budget.max_expansions {
                *exhausted = true;
                return;
            }
            stack.push(i);
            dfs(
                &pool[i], target_fp, pool, anchors, budget, stack, out, expansions, exhausted,
            );
            stack.pop();
            if out.len() >= budget.max_paths || *exhausted {
                return;
            }
        }
    }
    dfs(
        target,
        &target.fingerprint,
        pool,
        anchors,
        budget,
        &mut stack,
        &mut out,
        &mut expansions,
        &mut exhausted,
    );
    (out, exhausted)
}

fn check(checks: &mut Vec<Check>, name: &'static str, ok: bool, detail: impl Into<String>) -> bool {
    checks.push(Check {
        check: name,
        outcome: if ok { Outcome::Pass } else { Outcome::Fail },
        detail: detail.into(),
    });
    ok
}

impl Validator {
    /// A validator with an empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide validator used by seal, OFD and CMS verification: its caches (parsed
    /// certificates and CRLs, signature checks that passed) hold no trust decision — anchors,
    /// time and revocation come with each [`Input`] — so sharing them is safe, and it is what
    /// makes repeated verification of documents sealed by the same seal cheap. Each cache is
    /// bounded (cleared when full).
    pub fn shared() -> &'static Validator {
        static SHARED: std::sync::OnceLock<Validator> = std::sync::OnceLock::new();
        SHARED.get_or_init(Validator::new)
    }

    fn cert(&self, der_bytes: &[u8]) -> Option<Cert> {
        parse_cached(&self.parsed_certs, der_bytes, PARSE_CACHE, |d| {
            Cert::from_der(d).ok()
        })
    }

    fn crl(&self, der_bytes: &[u8]) -> Option<Crl> {
        parse_cached(&self.parsed_crls, der_bytes, PARSE_CACHE / 10, |d| {
            Crl::from_der(d).ok()
        })
    }

    /// Validate.
    pub fn validate(&self, input: &Input) -> Report {
        self.validate_at_depth(input, 0)
    }

    fn validate_at_depth(&self, input: &Input, depth: usize) -> Report {
        let mut report = Report {
            indication: Indication::Indeterminate,
            sub_indication: Some(SubIndication::NoCertificateChainFound),
            anchor: None,
            anchor_sha256: None,
            recognition: None,
            path: vec![],
            revocation: vec![],
            valid_policy_set: vec![],
            failure: None,
            paths_tried: 0,
            signature_checks: 0,
        };
        let target = match Cert::from_der(&input.target) {
            Ok(c) => c,
            Err(e) => {
                report.indication = Indication::TotalFailed;
                report.sub_indication = Some(SubIndication::FormatFailure);
                report.failure = Some(Failure {
                    index: Some(0),
                    subject: None,
                    rule: e,
                });
                return report;
            }
        };
        let pool: Vec<Cert> = input
            .intermediates
            .iter()
            .take(1000)
            .filter_map(|d| self.cert(d))
            .collect();
        let anchors: Vec<Cert> = input.anchors.iter().filter_map(|d| self.cert(d)).collect();
        let crls: Vec<Crl> = input
            .crls
            .iter()
            .take(1000)
            .filter_map(|d| self.crl(d))
            .collect();
        let (paths, exhausted) = build_paths(&target, &pool, &anchors, &input.budget);
        let mut ctx = Ctx {
            v: self,
            input,
            pool: &pool,
            anchors: &anchors,
            crls: &crls,
            sig_checks: 0,
            depth,
        };
        if paths.is_empty() {
            report.failure = Some(Failure {
                index: Some(0),
                subject: Some(super::cert::dn_string(&target.subject)),
                rule: if exhausted {
                    "path building budget exhausted".into()
                } else {
                    "no path to a trust anchor".into()
                },
            });
            return report;
        }
        let mut first_failure: Option<(Report, Failed)> = None;
        for (indices, anchor) in &paths {
            report.paths_tried += 1;
            // Path order for validation: anchor's child first … target last.
            let mut chain: Vec<&Cert> = indices.iter().rev().map(|i| &pool[*i]).collect();
            chain.push(&target);
            let anchor = &anchors[*anchor];
            let mut r = Report {
                indication: Indication::TotalPassed,
                sub_indication: None,
                anchor: Some(super::cert::dn_string(&anchor.subject)),
                anchor_sha256: Some(hex::encode(crate::crypto::sha256(&anchor.der))),
                recognition: None,
                path: vec![],
                revocation: vec![],
                valid_policy_set: vec![],
                failure: None,
                paths_tried: 0,
                signature_checks: 0,
            };
            match validate_path(&mut ctx, anchor, &chain, &mut r) {
                Ok(()) => {
                    r.paths_tried = report.paths_tried;
                    r.signature_checks = ctx.sig_checks;
                    return r;
                }
                Err(f) => {
                    if first_failure.is_none() {
                        first_failure = Some((r, f));
                    }
                }
            }
        }
        let (mut r, f) = first_failure.expect("at least one path was tried");
        let n = r.path.len();
        r.indication = f.indication;
        r.sub_indication = Some(f.sub);
        let idx = f.index.map(|i| n.saturating_sub(1).saturating_sub(i));
        r.failure = Some(Failure {
            index: idx,
            subject: idx.and_then(|i| r.path.get(i).map(|p| p.subject.clone())),
            rule: f.rule,
        });
        r.paths_tried = report.paths_tried;
        r.signature_checks = ctx.sig_checks;
        r
    }
}

/// RFC 5280 §6.1 over `chain` (anchor's child first, target last). Index `i` in failures is
/// the position in `chain`.
fn validate_path(
    ctx: &mut Ctx<'_>,
    anchor: &Cert,
    chain: &[&Cert],
    r: &mut Report,
) -> Result<(), Failed> {
    let n = chain.len();
    let time = ctx.input.time;
    // Report order: end entity first.
    r.path = chain
        .iter()
        .rev()
        .enumerate()
        .map(|(i, c)| CertReport {
            index: i,
            subject: super::cert::dn_string(&c.subject),
            serial: hex::encode_upper(&c.serial),
            sha256: hex::encode(c.fingerprint),
            not_after: Some(c.not_after),
            checks: vec![],
        })
        .collect();
    let mut working_spki = anchor.spki_der.clone();
    let mut working_name = anchor.subject.clone();
    let mut max_path_length = n;
    let enforce = ctx.input.enforce_anchor_constraints;
    if enforce && let Some(pl) = anchor.basic.and_then(|b| b.path_len) {
        max_path_length = max_path_length.min(pl as usize);
    }
    for (i, cert) in chain.iter().enumerate() {
        let ri = n - 1 - i;
        let mut checks = Vec::new();
        let last = i == n - 1;
        // (a)(1) signature.
        match ctx.verify_sig_cached(
            &working_spki,
            cert.sig_alg,
            cert.sig_params.as_deref(),
            &cert.tbs_der,
            &cert.signature,
            true,
        ) {
            Ok(true) => {
                check(&mut checks, "signature", true, "");
            }
            Ok(false) => {
                check(
                    &mut checks,
                    "signature",
                    false,
                    "the signature does not verify with the issuer's key",
                );
                r.path[ri].checks = checks;
                return Err(fail(
                    SubIndication::SigCryptoFailure,
                    i,
                    "the signature does not verify with the issuer's key",
                ));
            }
            Err(e) => {
                check(&mut checks, "signature", false, e.clone());
                r.path[ri].checks = checks;
                return Err(Failed {
                    sub: SubIndication::CryptoConstraintsFailure,
                    indication: Indication::Indeterminate,
                    index: Some(i),
                    rule: format!("signature cannot be checked: {e}"),
                });
            }
        }
        if let Some(b) = &cert.bad_extension {
            check(&mut checks, "format", false, b.clone());
            r.path[ri].checks = checks;
            return Err(fail(SubIndication::FormatFailure, i, b.clone()));
        }
        // (a)(2) validity.
        if time < cert.not_before {
            check(&mut checks, "validity", false, "not yet valid");
            r.path[ri].checks = checks;
            return Err(fail(
                SubIndication::NotYetValid,
                i,
                "the certificate is not yet valid",
            ));
        }
        if time > cert.not_after {
            check(&mut checks, "validity", false, "expired");
            r.path[ri].checks = checks;
            return Err(fail(
                SubIndication::Expired,
                i,
                "the certificate has expired",
            ));
        }
        check(&mut checks, "validity", true, "");
        // (a)(4) name chaining.
        if !names_equal(&cert.issuer, &working_name) {
            check(
                &mut checks,
                "name-chaining",
                false,
                "issuer does not match the previous subject",
            );
            r.path[ri].checks = checks;
            return Err(fail(
                SubIndication::ChainConstraintsFailure,
                i,
                "issuer name does not chain",
            ));
        }
        check(&mut checks, "name-chaining", true, "");
        if !cert.unknown_critical.is_empty() {
            let list: Vec<String> = cert
                .unknown_critical
                .iter()
                .map(|o| o.to_string())
                .collect();
            check(&mut checks, "critical-extensions", false, list.join(", "));
            r.path[ri].checks = checks;
            return Err(fail(
                SubIndication::ChainConstraintsFailure,
                i,
                format!("unsupported critical extension {}", list.join(", ")),
            ));
        }
        if !last {
            // (k) CA: basicConstraints cA (v1/v2 certificates are rejected as intermediates).
            if !cert.basic.is_some_and(|b| b.ca) {
                check(
                    &mut checks,
                    "basic-constraints",
                    false,
                    "not a CA certificate",
                );
                r.path[ri].checks = checks;
                return Err(fail(
                    SubIndication::ChainConstraintsFailure,
                    i,
                    "an intermediate certificate is not a CA (basicConstraints)",
                ));
            }
            // (l) path length.
            if !cert.self_issued {
                if max_path_length == 0 {
                    check(
                        &mut checks,
                        "path-length",
                        false,
                        "path length constraint exceeded",
                    );
                    r.path[ri].checks = checks;
                    return Err(fail(
                        SubIndication::ChainConstraintsFailure,
                        i,
                        "path length constraint exceeded",
                    ));
                }
                max_path_length -= 1;
            }
            // (m)
            if let Some(pl) = cert.basic.and_then(|b| b.path_len) {
                max_path_length = max_path_length.min(pl as usize);
            }
            check(&mut checks, "basic-constraints", true, "");
            // (n) keyCertSign.
            if !cert.allows_usage(ku::KEY_CERT_SIGN) {
                check(&mut checks, "key-usage", false, "keyCertSign not allowed");
                r.path[ri].checks = checks;
                return Err(fail(
                    SubIndication::ChainConstraintsFailure,
                    i,
                    "keyUsage does not allow keyCertSign",
                ));
            }
        } else {
            match ctx.input.purpose.check(cert) {
                Ok(()) => {
                    check(&mut checks, "purpose", true, ctx.input.purpose.name());
                }
                Err(e) => {
                    check(&mut checks, "purpose", false, e.to_string());
                    r.path[ri].checks = checks;
                    return Err(fail(
                        SubIndication::ChainConstraintsFailure,
                        i,
                        format!("not valid for {}: {e}", ctx.input.purpose),
                    ));
                }
            }
        }
        r.path[ri].checks = checks;
        working_spki = cert.spki_der.clone();
        working_name = cert.subject.clone();
    }

    // Policies (§6.1.3 (d)–(f), §6.1.4 (a),(b),(h)–(j), §6.1.5).
    let infos: Vec<policy::CertPolicyInfo> = chain.iter().map(|c| c.policy.clone()).collect();
    let mut params = ctx.input.policy.clone();
    if enforce {
        // The anchor's policies narrow the user-initial-policy-set; its policy constraints
        // and inhibitAnyPolicy set the initial flags when they are 0.
        if let Some(ap) = &anchor.policy.policies
            && !ap.contains(&policy::ANY_POLICY)
        {
            params.user_initial_policy_set = Some(match &params.user_initial_policy_set {
                None => ap.clone(),
                Some(u) => u.iter().filter(|p| ap.contains(p)).cloned().collect(),
            });
        }
        if anchor.policy.require_explicit_policy == Some(0) {
            params.initial_explicit_policy = true;
        }
        if anchor.policy.inhibit_policy_mapping == Some(0) {
            params.initial_policy_mapping_inhibit = true;
        }
        if anchor.policy.inhibit_any_policy == Some(0) {
            params.initial_any_policy_inhibit = true;
        }
    }
    match policy::process(&infos, &params) {
        Ok(o) => {
            r.valid_policy_set = match o.valid_policies {
                None => vec!["anyPolicy".into()],
                Some(v) => v.iter().map(|p| p.to_string()).collect(),
            };
        }
        Err(e) => {
            let ri = n - 1 - e.index.min(n - 1);
            r.path[ri].checks.push(Check {
                check: "policy",
                outcome: Outcome::Fail,
                detail: e.rule.clone(),
            });
            return Err(fail(
                SubIndication::ChainConstraintsFailure,
                e.index.min(n - 1),
                format!("certificate policy: {}", e.rule),
            ));
        }
    }
    // Name constraints.
    let mut name_infos: Vec<names::CertNames> = Vec::with_capacity(n + 1);
    if enforce {
        // The anchor goes first: its constraints bind the whole path.
        let mut a = anchor.names();
        a.self_issued = false;
        name_infos.push(a);
    }
    name_infos.extend(chain.iter().map(|c| c.names()));
    if let Err(mut e) = names::check(&name_infos) {
        if enforce {
            e.index = e.index.saturating_sub(1);
        }
        let ri = n - 1 - e.index.min(n - 1);
        r.path[ri].checks.push(Check {
            check: "name-constraints",
            outcome: Outcome::Fail,
            detail: e.rule.clone(),
        });
        return Err(fail(
            SubIndication::ChainConstraintsFailure,
            e.index.min(n - 1),
            format!("name constraints: {}", e.rule),
        ));
    }

    // Revocation (§6.1.3 (a)(3)), target last so that CA problems are reported first.
    if ctx.input.revocation != RevocationMode::Off {
        for i in 0..n {
            let cert = chain[i];
            let issuer = if i == 0 { anchor } else { chain[i - 1] };
            let ri = n - 1 - i;
            let crls = ctx.crls;
            let responses = &ctx.input.ocsp;
            // OCSP first when a response answers for this certificate; then CRLs.
            let status = match revocation::ocsp_status(cert, issuer, responses, time, ctx) {
                Some(s @ (Status::Good { .. } | Status::Revoked { .. })) => s,
                other => match revocation::crl_status(cert, issuer, crls, time, ctx) {
                    Status::Unknown { why, stale } => match other {
                        Some(Status::Unknown { why: o, stale: s }) => Status::Unknown {
                            why: format!("{o}; {why}"),
                            stale: s || stale,
                        },
                        _ => Status::Unknown { why, stale },
                    },
                    s => s,
                },
            };
            match status {
                Status::Good { source } => {
                    r.path[ri].checks.push(Check {
                        check: "revocation",
                        outcome: Outcome::Pass,
                        detail: source.clone(),
                    });
                    r.revocation.push(RevocationReport {
                        index: ri,
                        status: "good".into(),
                        source,
                        revoked: None,
                        revoked_at: None,
                    });
                }
                Status::Revoked { source, at, reason } => {
                    r.path[ri].checks.push(Check {
                        check: "revocation",
                        outcome: Outcome::Fail,
                        detail: source.clone(),
                    });
                    r.revocation.push(RevocationReport {
                        index: ri,
                        status: "revoked".into(),
                        source: source.clone(),
                        revoked: Some((crate::clock::rfc3339(at), reason)),
                        revoked_at: Some(at),
                    });
                    return Err(fail(
                        SubIndication::Revoked,
                        i,
                        format!("revoked ({source}, reason {reason})"),
                    ));
                }
                Status::Unknown { why, stale } => {
                    if ctx.input.revocation == RevocationMode::Require {
                        r.path[ri].checks.push(Check {
                            check: "revocation",
                            outcome: Outcome::Fail,
                            detail: why.clone(),
                        });
                        r.revocation.push(RevocationReport {
                            index: ri,
                            status: "unknown".into(),
                            source: why.clone(),
                            revoked: None,
                            revoked_at: None,
                        });
                        return Err(Failed {
                            sub: if stale {
                                SubIndication::RevocationOutOfBounds
                            } else {
                                SubIndication::TryLater
                            },
                            indication: Indication::Indeterminate,
                            index: Some(i),
                            rule: format!("revocation status unknown: {why}"),
                        });
                    }
                    r.path[ri].checks.push(Check {
                        check: "revocation",
                        outcome: Outcome::Skip,
                        detail: why,
                    });
                }
            }
        }
    }
    Ok(())
}
