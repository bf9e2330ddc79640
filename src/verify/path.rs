//! Path building over an untrusted pool and RFC 5280 §6.1 path validation.
//!
//! Building follows names and key identifiers from the target towards the trust anchors,
//! depth first with backtracking, so a route through a bridge or cross-certificate is found
//! even when a shorter dead end exists; loops are cut by certificate fingerprint. The work is
//! bounded by a [`Budget`] (candidate expansions, paths, signature checks) so that hostile
//! pools cannot exhaust the CPU. Each complete path is validated in turn until one passes.

use super::cert::{Cert, names_equal};
use super::policy::PolicyParams;
use super::profile::Profile;
use super::purpose::Purpose;
use super::reason::FailureReason;
use super::report::*;
use super::revocation::{Crl, RevocationContext};
use super::validate::{Failed, validate_path};
use crate::crypto::verify::{AlgorithmRejection, check_signature_algorithm, verify_signature};
use const_oid::ObjectIdentifier;
use der::Decode;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

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
    /// Apply the trust anchor rules of RFC 5937 (default on): the anchor's certificate must be
    /// valid at the validation time, a CA, without unknown critical extensions, and its name
    /// constraints, path length constraint, policies and policy constraints bind the path.
    /// Off (`--no-anchor-constraints`), the anchor is only a name and a key.
    pub enforce_anchor_constraints: bool,
    /// The RFC 5280 profile rules that may be relaxed (all enforced by default).
    pub profile: Profile,
}

impl Input {
    /// Defaults: any policy, revocation required, trust anchor constraints and the full
    /// RFC 5280 profile enforced, validated for `purpose`.
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
            enforce_anchor_constraints: true,
            profile: Profile::default(),
        }
    }
}

/// The validator: holds the cache of verified signatures (keyed by a hash of key, signed
/// bytes and signature), so repeated validations cost about one signature check, and of
/// parsed CRLs. Certificates are parsed through the process-wide [`Cert::shared`].
#[derive(Default)]
pub struct Validator {
    verified: Mutex<HashSet<[u8; 32]>>,
    parsed_crls: Mutex<std::collections::HashMap<Vec<u8>, Crl>>,
}

/// Most parsed CRLs kept by a validator.
const CRL_CACHE: usize = 1_000;

pub(super) struct Ctx<'a> {
    v: &'a Validator,
    pub(super) input: &'a Input,
    pool: &'a [Arc<Cert>],
    anchors: &'a [Arc<Cert>],
    pub(super) crls: &'a [Crl],
    pub(super) sig_checks: usize,
    depth: usize,
}

impl Ctx<'_> {
    /// Verify a signature: weak algorithms and signatures an RSASSA-PSS key may not make are
    /// refused first; successes are cached (the key covers the public key, algorithm, signed
    /// bytes and signature, so a hit is the same mathematical fact, never a trust decision).
    pub(super) fn verify_sig(
        &mut self,
        spki: &[u8],
        alg: ObjectIdentifier,
        params: Option<&[u8]>,
        tbs: &[u8],
        sig: &[u8],
    ) -> Result<(), FailureReason> {
        let any = match params {
            Some(p) => Some(der::asn1::AnyRef::from_der(p).map_err(|e| {
                FailureReason::UnsupportedAlgorithm {
                    detail: format!("signature algorithm parameters: {e}"),
                }
            })?),
            None => None,
        };
        check_signature_algorithm(spki, alg, any.as_ref()).map_err(|e| match e {
            AlgorithmRejection::Weak(alg) => FailureReason::WeakSignatureAlgorithm { alg },
            AlgorithmRejection::PssKeyMismatch(detail) => FailureReason::PssKeyMismatch { detail },
        })?;
        let mut h = Vec::with_capacity(spki.len() + tbs.len() + sig.len() + 64);
        h.extend_from_slice(spki);
        h.extend_from_slice(alg.as_bytes());
        h.extend_from_slice(params.unwrap_or(&[]));
        h.extend_from_slice(&crate::crypto::sha256(tbs));
        h.extend_from_slice(sig);
        let key = crate::crypto::sha256(&h);
        if self
            .v
            .verified
            .lock()
            .map(|s| s.contains(&key))
            .unwrap_or(false)
        {
            return Ok(());
        }
        if self.sig_checks >= self.input.budget.max_signatures {
            return Err(FailureReason::SignatureBudgetExhausted);
        }
        self.sig_checks += 1;
        match verify_signature(spki, alg, any.as_ref(), tbs, sig) {
            Ok(()) => {
                if let Ok(mut s) = self.v.verified.lock() {
                    if s.len() > 100_000 {
                        s.clear();
                    }
                    s.insert(key);
                }
                Ok(())
            }
            Err(crate::crypto::CryptoError::BadSignature)
            | Err(crate::crypto::CryptoError::MalformedSignature) => {
                Err(FailureReason::BadSignature)
            }
            Err(e) => Err(FailureReason::UnsupportedAlgorithm {
                detail: e.to_string(),
            }),
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
    ) -> Result<(), FailureReason> {
        self.verify_sig(spki, alg, params, tbs, sig)
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

    fn certs_named(&self, name: &x509_cert::name::Name) -> Vec<Arc<Cert>> {
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
    pool: &[Arc<Cert>],
    anchors: &[Arc<Cert>],
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
        pool: &[Arc<Cert>],
        anchors: &[Arc<Cert>],
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

impl Validator {
    /// A validator with an empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide validator used by seal, OFD and CMS verification: its caches (parsed
    /// CRLs, signature checks that passed; certificates are parsed through the process-wide
    /// [`Cert::shared`]) hold no trust decision — anchors, time and revocation come with each
    /// [`Input`] — so sharing them is safe, and it is what makes repeated verification of
    /// documents sealed by the same seal cheap. Each cache is bounded (cleared when full).
    pub fn shared() -> &'static Validator {
        static SHARED: std::sync::OnceLock<Validator> = std::sync::OnceLock::new();
        SHARED.get_or_init(Validator::new)
    }

    fn crl(&self, der_bytes: &[u8]) -> Option<Crl> {
        parse_cached(&self.parsed_crls, der_bytes, CRL_CACHE, |d| {
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
        let target = match Cert::shared(&input.target) {
            Ok(c) => c,
            Err(e) => {
                let reason = FailureReason::MalformedCertificate { detail: e };
                let (indication, sub) = reason.indication();
                report.indication = indication;
                report.sub_indication = Some(sub);
                report.failure = Some(Failure::new(reason, Some(0), None));
                return report;
            }
        };
        let pool: Vec<Arc<Cert>> = input
            .intermediates
            .iter()
            .take(1000)
            .filter_map(|d| Cert::shared(d).ok())
            .collect();
        let anchors: Vec<Arc<Cert>> = input
            .anchors
            .iter()
            .filter_map(|d| Cert::shared(d).ok())
            .collect();
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
            let reason = if exhausted {
                FailureReason::PathBuildingBudgetExhausted
            } else {
                FailureReason::NoPathToAnchor
            };
            report.failure = Some(Failure::new(
                reason,
                Some(0),
                Some(target.subject_text().to_owned()),
            ));
            return report;
        }
        let mut first_failure: Option<(Report, Failed)> = None;
        for (indices, anchor) in &paths {
            report.paths_tried += 1;
            // Path order for validation: anchor's child first … target last.
            let mut chain: Vec<&Cert> = indices.iter().rev().map(|i| &*pool[*i]).collect();
            chain.push(&target);
            let anchor = &anchors[*anchor];
            let mut r = Report {
                indication: Indication::TotalPassed,
                sub_indication: None,
                anchor: Some(anchor.subject_text().to_owned()),
                anchor_sha256: Some(hex::encode(anchor.fingerprint)),
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
        let Some((mut r, f)) = first_failure else {
            return report; // unreachable: `paths` is not empty
        };
        let n = r.path.len();
        let (indication, sub) = f.reason.indication();
        r.indication = indication;
        r.sub_indication = Some(sub);
        let idx = f.index.map(|i| n.saturating_sub(1).saturating_sub(i));
        let subject = f
            .subject
            .or_else(|| idx.and_then(|i| r.path.get(i).map(|p| p.subject.clone())));
        r.failure = Some(Failure::new(f.reason, idx, subject));
        r.paths_tried = report.paths_tried;
        r.signature_checks = ctx.sig_checks;
        r
    }
}
