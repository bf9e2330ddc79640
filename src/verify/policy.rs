//! Certificate policy processing (RFC 5280 §6.1.2–§6.1.5).
//!
//! A pure implementation of the `valid_policy_tree` algorithm: initialisation (§6.1.2),
//! the per-certificate policy steps (§6.1.3 (d)–(f)), the preparation steps for the next
//! certificate that concern policies (§6.1.4 (a), (b), (h), (i), (j)) and the wrap-up
//! (§6.1.5 (a), (b), (g)). Everything else about the path (signatures, names, validity,
//! basic constraints…) is the caller's business: [`process`] only sees the policy-related
//! content of each certificate, as a [`CertPolicyInfo`] (see [`info_from_der`]).
//!
//! Policy qualifiers are not interpreted (RFC 5280 permits ignoring them), so the tree's
//! nodes carry no qualifier set. The tree is bounded ([`MAX_NODES_PER_LEVEL`] nodes per
//! depth) so that hostile certificates cannot make it explode.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Sequence};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    CertificatePolicies, InhibitAnyPolicy, PolicyConstraints, PolicyMappings,
};

/// anyPolicy 2.5.29.32.0
pub const ANY_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32.0");

/// The largest number of nodes one depth of the `valid_policy_tree` may hold; a path that
/// needs more fails with the rule "policy tree too large".
pub const MAX_NODES_PER_LEVEL: usize = 1000;

/// The policy-related content of one certificate of the path.
#[derive(Clone, Debug, Default)]
pub struct CertPolicyInfo {
    /// certificatePolicies: `None` when the extension is absent, otherwise the policy OIDs in
    /// the order of the extension (qualifiers are not interpreted and not kept).
    pub policies: Option<Vec<ObjectIdentifier>>,
    /// policyMappings (issuerDomainPolicy, subjectDomainPolicy); `None` when absent.
    pub mappings: Option<Vec<(ObjectIdentifier, ObjectIdentifier)>>,
    /// policyConstraints requireExplicitPolicy (SkipCerts).
    pub require_explicit_policy: Option<u32>,
    /// policyConstraints inhibitPolicyMapping (SkipCerts).
    pub inhibit_policy_mapping: Option<u32>,
    /// inhibitAnyPolicy (SkipCerts).
    pub inhibit_any_policy: Option<u32>,
    /// Self-issued (subject == issuer) — matters for the counters (§6.1.4 (h)) and for the
    /// anyPolicy exception of §6.1.3 (d)(2), except for the last certificate.
    pub self_issued: bool,
}

/// RFC 5280 §6.1.1 inputs (the `Default` is permissive: any policy, nothing required or
/// inhibited).
#[derive(Clone, Debug, Default)]
pub struct PolicyParams {
    /// user-initial-policy-set; `None` means {anyPolicy} (as does a set containing anyPolicy).
    pub user_initial_policy_set: Option<Vec<ObjectIdentifier>>,
    /// initial-explicit-policy: the path must be valid for at least one policy of the
    /// user-initial-policy-set.
    pub initial_explicit_policy: bool,
    /// initial-policy-mapping-inhibit: policy mapping is not permitted in the path.
    pub initial_policy_mapping_inhibit: bool,
    /// initial-any-policy-inhibit: anyPolicy is not processed when asserted by a certificate.
    pub initial_any_policy_inhibit: bool,
}

/// Success of policy processing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyOutcome {
    /// The user-constrained policy set (§6.1.6, after the intersection of §6.1.5 (g)), in the
    /// policy domain of the trust anchor (the `valid_policy` of the surviving nodes whose
    /// parent is anyPolicy, sorted by DER encoding): `None` = any policy (the tree's anyPolicy node survives
    /// at the last depth and the user set is anyPolicy), otherwise the explicit OIDs (empty
    /// only when explicit policy is not required — the tree is NULL).
    pub valid_policies: Option<Vec<ObjectIdentifier>>,
    /// Whether explicit_policy was 0 at the end (§6.1.5): the path had to be valid for a
    /// policy, and is.
    pub explicit_policy_required: bool,
}

/// Failure of policy processing: names the certificate (index into the path, 0 = the first
/// certificate after the trust anchor) and the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("certificate {index}: {rule}")]
pub struct PolicyFailure {
    /// Index of the certificate into the path (0 = issued by the trust anchor).
    pub index: usize,
    /// Which kind of failure.
    pub kind: PolicyFailureKind,
    /// The rule that failed (mentions the RFC 5280 step).
    pub rule: String,
}

/// The kinds of policy failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyFailureKind {
    /// Explicit policy is required and no policy is valid (§6.1.3 (f), §6.1.5).
    NoValidPolicy,
    /// A policy mapping to or from anyPolicy (§6.1.4 (a)).
    InvalidMapping,
    /// The tree or path exceeds what is processed.
    TooComplex,
}

impl PolicyFailure {
    fn new(index: usize, kind: PolicyFailureKind, rule: impl Into<String>) -> Self {
        PolicyFailure {
            index,
            kind,
            rule: rule.into(),
        }
    }

    /// The typed reason a path report carries.
    pub fn reason(&self) -> super::reason::FailureReason {
        use super::reason::FailureReason as R;
        let detail = self.rule.clone();
        match self.kind {
            PolicyFailureKind::NoValidPolicy => R::NoValidPolicy { detail },
            PolicyFailureKind::InvalidMapping => R::InvalidPolicyMapping { detail },
            PolicyFailureKind::TooComplex => R::PolicyTooComplex { detail },
        }
    }
}

/// One node of the `valid_policy_tree` (qualifiers are not kept).
#[derive(Clone, Debug)]
struct Node {
    valid_policy: ObjectIdentifier,
    /// Shared between the nodes a mapping gives the same set, so that memory stays linear.
    expected_policy_set: Rc<[ObjectIdentifier]>,
    /// Index of the parent in the previous depth (unused for the root).
    parent: usize,
}

impl Node {
    fn new(policy: ObjectIdentifier, parent: usize) -> Self {
        Node {
            valid_policy: policy,
            expected_policy_set: Rc::from([policy].as_slice()),
            parent,
        }
    }
}

/// A non-NULL `valid_policy_tree`, stored depth by depth (`levels[0]` is the root).
#[derive(Clone, Debug)]
struct Tree {
    levels: Vec<Vec<Node>>,
}

impl Tree {
    /// §6.1.2 (a): a single anyPolicy node of depth 0.
    fn initial() -> Self {
        Tree {
            levels: vec![vec![Node::new(ANY_POLICY, 0)]],
        }
    }

    /// Whether the tree became NULL (the root was deleted).
    fn is_null(&self) -> bool {
        self.levels.first().is_none_or(|l| l.is_empty())
    }

    /// The index of the (unique) anyPolicy node of `depth`, if any.
    fn any_policy_at(&self, depth: usize) -> Option<usize> {
        self.levels
            .get(depth)?
            .iter()
            .position(|n| n.valid_policy == ANY_POLICY)
    }

    /// Adds a node at `depth` (creating the depth if needed), enforcing the size bound.
    fn push(&mut self, depth: usize, node: Node, cert: usize) -> Result<(), PolicyFailure> {
        while self.levels.len() <= depth {
            self.levels.push(Vec::new());
        }
        let level = &mut self.levels[depth];
        if level.len() >= MAX_NODES_PER_LEVEL {
            return Err(PolicyFailure::new(
                cert,
                PolicyFailureKind::TooComplex,
                "policy tree too large",
            ));
        }
        level.push(node);
        Ok(())
    }

    /// Keeps only the nodes of `depth` for which `keep[j]` is true, deleting the subtrees of
    /// the others.
    fn delete_subtrees(&mut self, depth: usize, keep: &[bool]) {
        let mut remap = compact(&mut self.levels[depth], keep);
        for d in depth + 1..self.levels.len() {
            let level = &mut self.levels[d];
            let keep: Vec<bool> = level.iter().map(|n| remap[n.parent].is_some()).collect();
            let next = compact(level, &keep);
            for n in level.iter_mut() {
                if let Some(p) = remap[n.parent] {
                    n.parent = p;
                }
            }
            remap = next;
        }
    }

    /// Deletes, repeatedly, every node that has no child and is not at the deepest depth
    /// (§6.1.3 (d)(3), §6.1.4 (b)(2), §6.1.5 (g)(iii)(4)).
    fn prune(&mut self) {
        let deepest = self.levels.len().saturating_sub(1);
        for d in (0..deepest).rev() {
            let (upper, lower) = self.levels.split_at_mut(d + 1);
            let (level, children) = (&mut upper[d], &mut lower[0]);
            let mut has_child = vec![false; level.len()];
            for c in children.iter() {
                has_child[c.parent] = true;
            }
            let remap = compact(level, &has_child);
            for c in children.iter_mut() {
                if let Some(p) = remap[c.parent] {
                    c.parent = p;
                }
            }
        }
    }
}

/// Retains the elements whose `keep` flag is set; returns old index → new index.
fn compact(level: &mut Vec<Node>, keep: &[bool]) -> Vec<Option<usize>> {
    let mut remap = Vec::with_capacity(level.len());
    let mut next = 0;
    for &k in keep {
        if k {
            remap.push(Some(next));
            next += 1;
        } else {
            remap.push(None);
        }
    }
    let mut j = 0;
    level.retain(|_| {
        let k = keep.get(j).copied().unwrap_or(false);
        j += 1;
        k
    });
    remap
}

/// Run §6.1.2 initialisation, §6.1.3 (d)–(f), §6.1.4 (a), (b), (h), (i), (j) and §6.1.5 (a),
/// (b), (g) over `path` (ordered from the certificate issued by the trust anchor to the end
/// entity; the trust anchor itself is NOT in the path).
///
/// Fails when a certificate maps to or from anyPolicy (§6.1.4 (a)), when explicit policy is
/// required and the tree became NULL (§6.1.3 (f), at that certificate; §6.1.5, at the last
/// certificate), when the tree would exceed [`MAX_NODES_PER_LEVEL`] nodes at some depth, and
/// for an empty path.
pub fn process(
    path: &[CertPolicyInfo],
    params: &PolicyParams,
) -> Result<PolicyOutcome, PolicyFailure> {
    let n = path.len();
    if n == 0 {
        return Err(PolicyFailure::new(
            0,
            PolicyFailureKind::TooComplex,
            "empty certification path",
        ));
    }
    // §6.1.2 (a), (d), (e), (f).
    let mut tree = Some(Tree::initial());
    let start = |inhibit: bool| if inhibit { 0u64 } else { n as u64 + 1 };
    let mut explicit_policy = start(params.initial_explicit_policy);
    let mut inhibit_any_policy = start(params.initial_any_policy_inhibit);
    let mut policy_mapping = start(params.initial_policy_mapping_inhibit);

    for (idx, cert) in path.iter().enumerate() {
        let i = idx + 1; // the RFC's 1-based certificate number = depth of its nodes
        let last = i == n;

        // §6.1.3 (d), (e).
        tree = match (tree.take(), &cert.policies) {
            (Some(mut t), Some(policies)) => {
                process_policies(
                    &mut t,
                    i,
                    idx,
                    policies,
                    inhibit_any_policy > 0 || (!last && cert.self_issued),
                )?;
                t.prune();
                (!t.is_null()).then_some(t)
            }
            _ => None,
        };
        // §6.1.3 (f).
        if explicit_policy == 0 && tree.is_none() {
            return Err(PolicyFailure::new(
                idx,
                PolicyFailureKind::NoValidPolicy,
                "no valid policy: explicit policy is required and the valid_policy_tree is NULL (RFC 5280 §6.1.3 (f))",
            ));
        }
        if last {
            break;
        }

        // §6.1.4 (a), (b).
        if let Some(mappings) = &cert.mappings {
            if mappings
                .iter()
                .any(|(from, to)| *from == ANY_POLICY || *to == ANY_POLICY)
            {
                return Err(PolicyFailure::new(
                    idx,
                    PolicyFailureKind::InvalidMapping,
                    "policy mapping to or from anyPolicy (RFC 5280 §6.1.4 (a))",
                ));
            }
            if let Some(mut t) = tree.take() {
                apply_mappings(&mut t, i, idx, mappings, policy_mapping > 0)?;
                tree = (!t.is_null()).then_some(t);
            }
        }

        // §6.1.4 (h).
        if !cert.self_issued {
            explicit_policy = explicit_policy.saturating_sub(1);
            policy_mapping = policy_mapping.saturating_sub(1);
            inhibit_any_policy = inhibit_any_policy.saturating_sub(1);
        }
        // §6.1.4 (i), (j).
        if let Some(r) = cert.require_explicit_policy {
            explicit_policy = explicit_policy.min(u64::from(r));
        }
        if let Some(m) = cert.inhibit_policy_mapping {
            policy_mapping = policy_mapping.min(u64::from(m));
        }
        if let Some(a) = cert.inhibit_any_policy {
            inhibit_any_policy = inhibit_any_policy.min(u64::from(a));
        }
    }

    // §6.1.5 (a), (b).
    explicit_policy = explicit_policy.saturating_sub(1);
    if path[n - 1].require_explicit_policy == Some(0) {
        explicit_policy = 0;
    }

    // §6.1.5 (g): the intersection with the user-initial-policy-set.
    let user_set = match &params.user_initial_policy_set {
        Some(set) if !set.contains(&ANY_POLICY) => Some(set.as_slice()),
        _ => None,
    };
    if let (Some(t), Some(user_set)) = (tree.as_mut(), user_set) {
        intersect(t, n, user_set)?;
    }
    let tree = tree.filter(|t| !t.is_null());

    if explicit_policy == 0 && tree.is_none() {
        return Err(PolicyFailure::new(
            n - 1,
            PolicyFailureKind::NoValidPolicy,
            "no valid policy: explicit policy is required and the valid_policy_tree is NULL (RFC 5280 §6.1.5)",
        ));
    }
    Ok(PolicyOutcome {
        valid_policies: tree
            .as_ref()
            .map_or(Some(Vec::new()), |t| user_constrained_set(t, n)),
        explicit_policy_required: explicit_policy == 0,
    })
}

/// §6.1.3 (d)(1) and (d)(2) for certificate number `i` (path index `idx`).
fn process_policies(
    t: &mut Tree,
    i: usize,
    idx: usize,
    policies: &[ObjectIdentifier],
    any_policy_allowed: bool,
) -> Result<(), PolicyFailure> {
    t.levels.truncate(i);
    t.levels.push(Vec::new());
    // The nodes of depth i-1 by expected policy.
    let mut expecting: BTreeMap<ObjectIdentifier, Vec<usize>> = BTreeMap::new();
    for (j, node) in t.levels[i - 1].iter().enumerate() {
        for &e in node.expected_policy_set.iter() {
            expecting.entry(e).or_default().push(j);
        }
    }
    let any_parent = t.any_policy_at(i - 1);
    // Children of depth i, as (parent, valid_policy), for (d)(2).
    let mut children: BTreeSet<(usize, ObjectIdentifier)> = BTreeSet::new();
    let mut seen: BTreeSet<ObjectIdentifier> = BTreeSet::new();
    let mut asserts_any = false;
    for &p in policies {
        if p == ANY_POLICY {
            asserts_any = true;
            continue;
        }
        if !seen.insert(p) {
            continue; // a policy must not appear twice; ignore repeats
        }
        match (expecting.get(&p), any_parent) {
            // (d)(1)(i)
            (Some(parents), _) => {
                for &parent in parents {
                    t.push(i, Node::new(p, parent), idx)?;
                    children.insert((parent, p));
                }
            }
            // (d)(1)(ii)
            (None, Some(parent)) => {
                t.push(i, Node::new(p, parent), idx)?;
                children.insert((parent, p));
            }
            (None, None) => {}
        }
    }
    // (d)(2)
    if asserts_any && any_policy_allowed {
        for parent in 0..t.levels[i - 1].len() {
            let expected = Rc::clone(&t.levels[i - 1][parent].expected_policy_set);
            for &value in expected.iter() {
                if children.insert((parent, value)) {
                    t.push(i, Node::new(value, parent), idx)?;
                }
            }
        }
    }
    Ok(())
}

/// §6.1.4 (b) for certificate number `i` (path index `idx`).
fn apply_mappings(
    t: &mut Tree,
    i: usize,
    idx: usize,
    mappings: &[(ObjectIdentifier, ObjectIdentifier)],
    mapping_allowed: bool,
) -> Result<(), PolicyFailure> {
    // Each distinct issuerDomainPolicy with its set of subjectDomainPolicy values.
    let mut by_issuer: BTreeMap<ObjectIdentifier, BTreeSet<ObjectIdentifier>> = BTreeMap::new();
    for &(from, to) in mappings {
        by_issuer.entry(from).or_default().insert(to);
    }
    if t.levels.len() <= i {
        return Ok(());
    }
    if mapping_allowed {
        // (b)(1)
        let mut by_policy: BTreeMap<ObjectIdentifier, Vec<usize>> = BTreeMap::new();
        for (j, node) in t.levels[i].iter().enumerate() {
            by_policy.entry(node.valid_policy).or_default().push(j);
        }
        let any_here = t.any_policy_at(i).is_some();
        let any_parent = t.any_policy_at(i - 1);
        for (id_p, subjects) in by_issuer {
            let subjects: Rc<[ObjectIdentifier]> = subjects.into_iter().collect();
            match (by_policy.get(&id_p), any_parent) {
                (Some(nodes), _) => {
                    for &j in nodes {
                        t.levels[i][j].expected_policy_set = Rc::clone(&subjects);
                    }
                }
                (None, Some(parent)) if any_here => {
                    let node = Node {
                        valid_policy: id_p,
                        expected_policy_set: subjects,
                        parent,
                    };
                    t.push(i, node, idx)?;
                }
                (None, _) => {}
            }
        }
    } else {
        // (b)(2)
        let keep: Vec<bool> = t.levels[i]
            .iter()
            .map(|n| !by_issuer.contains_key(&n.valid_policy))
            .collect();
        t.delete_subtrees(i, &keep);
        t.prune();
    }
    Ok(())
}

/// §6.1.5 (g)(iii) with a user-initial-policy-set that is not anyPolicy.
fn intersect(t: &mut Tree, n: usize, user_set: &[ObjectIdentifier]) -> Result<(), PolicyFailure> {
    let user: BTreeSet<ObjectIdentifier> = user_set.iter().copied().collect();
    if t.levels.len() <= n {
        return Ok(());
    }
    // (1)–(2): delete the nodes of the valid_policy_node_set (whose parent is anyPolicy)
    // whose policy is neither anyPolicy nor in the user set, with their subtrees; collect
    // the policies of the node set that remain.
    let mut node_set_policies: BTreeSet<ObjectIdentifier> = BTreeSet::new();
    for d in 1..=n {
        let parent_any: Vec<bool> = t.levels[d - 1]
            .iter()
            .map(|p| p.valid_policy == ANY_POLICY)
            .collect();
        let keep: Vec<bool> = t.levels[d]
            .iter()
            .map(|c| {
                !parent_any[c.parent]
                    || c.valid_policy == ANY_POLICY
                    || user.contains(&c.valid_policy)
            })
            .collect();
        // Members deleted here have a policy outside the user set, so collecting the
        // survivors gives the same answer to step (3)(b) as collecting before (2).
        t.delete_subtrees(d, &keep);
        for c in &t.levels[d] {
            if parent_any[c.parent] && c.valid_policy != ANY_POLICY {
                node_set_policies.insert(c.valid_policy);
            }
        }
    }
    // (3)
    if let Some(any_n) = t.any_policy_at(n)
        && let Some(parent) = t.any_policy_at(n - 1)
    {
        let keep: Vec<bool> = (0..t.levels[n].len()).map(|j| j != any_n).collect();
        t.delete_subtrees(n, &keep);
        let idx = n - 1;
        for &p in &user {
            if !node_set_policies.contains(&p) {
                t.push(n, Node::new(p, parent), idx)?;
            }
        }
    }
    // (4)
    t.prune();
    Ok(())
}

/// The user-constrained policy set of a non-NULL final tree (see [`PolicyOutcome`]).
fn user_constrained_set(t: &Tree, n: usize) -> Option<Vec<ObjectIdentifier>> {
    if t.any_policy_at(n).is_some() {
        return None;
    }
    let mut out: BTreeSet<ObjectIdentifier> = BTreeSet::new();
    for d in 1..t.levels.len() {
        for c in &t.levels[d] {
            let parent_is_any = t.levels[d - 1]
                .get(c.parent)
                .is_some_and(|p| p.valid_policy == ANY_POLICY);
            if parent_is_any && c.valid_policy != ANY_POLICY {
                out.insert(c.valid_policy);
            }
        }
    }
    let mut out: Vec<ObjectIdentifier> = out.into_iter().collect();
    out.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    Some(out)
}

/// A certificate read leniently: only the names and the extensions are decoded, so that
/// serial-number or time-encoding quirks (which are the validator's business) do not stop
/// policy extraction.
#[derive(Sequence)]
struct LenientCertificate<'a> {
    tbs_certificate: LenientTbs<'a>,
    signature_algorithm: AnyRef<'a>,
    signature: AnyRef<'a>,
}

/// The TBSCertificate of [`LenientCertificate`].
#[derive(Sequence)]
struct LenientTbs<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<AnyRef<'a>>,
    serial_number: AnyRef<'a>,
    signature: AnyRef<'a>,
    issuer: AnyRef<'a>,
    validity: AnyRef<'a>,
    subject: AnyRef<'a>,
    subject_public_key_info: AnyRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    issuer_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    subject_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

/// Decodes the single extension of type `T`, if present (two instances are an error).
fn single_extension<'a, T>(extensions: &'a [Extension], what: &str) -> Result<Option<T>, String>
where
    T: AssociatedOid + Decode<'a>,
    <T as Decode<'a>>::Error: core::fmt::Display,
{
    let mut found = extensions.iter().filter(|e| e.extn_id == T::OID);
    let Some(ext) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(format!("{what} extension appears more than once"));
    }
    T::from_der(ext.extn_value.as_bytes())
        .map(Some)
        .map_err(|e| format!("malformed {what} extension: {e}"))
}

/// Extracts the [`CertPolicyInfo`] of a DER certificate: certificatePolicies (policy OIDs
/// only), policyMappings, policyConstraints, inhibitAnyPolicy, and whether the certificate is
/// self-issued.
///
/// The certificate is read leniently (only its names and extensions are decoded).
/// `self_issued` compares the DER encodings of issuer and subject; a validator with RFC 5280
/// §7.1 name matching may overwrite it. Fails on undecodable input, on a malformed or
/// repeated policy extension.
pub fn info_from_der(cert_der: &[u8]) -> Result<CertPolicyInfo, String> {
    let cert = LenientCertificate::from_der(cert_der)
        .map_err(|e| format!("malformed certificate: {e}"))?;
    let tbs = &cert.tbs_certificate;
    let extensions: &[Extension] = tbs.extensions.as_deref().unwrap_or(&[]);
    let policies = single_extension::<CertificatePolicies>(extensions, "certificatePolicies")?
        .map(|cp| cp.0.into_iter().map(|pi| pi.policy_identifier).collect());
    let mappings = single_extension::<PolicyMappings>(extensions, "policyMappings")?.map(|pm| {
        pm.0.into_iter()
            .map(|m| (m.issuer_domain_policy, m.subject_domain_policy))
            .collect()
    });
    let constraints = single_extension::<PolicyConstraints>(extensions, "policyConstraints")?;
    let inhibit_any = single_extension::<InhibitAnyPolicy>(extensions, "inhibitAnyPolicy")?;
    Ok(CertPolicyInfo {
        policies,
        mappings,
        require_explicit_policy: constraints.as_ref().and_then(|c| c.require_explicit_policy),
        inhibit_policy_mapping: constraints.as_ref().and_then(|c| c.inhibit_policy_mapping),
        inhibit_any_policy: inhibit_any.map(|a| a.0),
        self_issued: tbs.issuer == tbs.subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::OctetString;
    use serde_json::Value;
    use std::path::PathBuf;
    use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/pkits")
    }

    /// What the tests need of a PKITS certificate.
    struct TestCert {
        name: String,
        issuer: Vec<u8>,
        subject: Vec<u8>,
        aki: Option<Vec<u8>>,
        ski: Option<Vec<u8>>,
        info: CertPolicyInfo,
    }

    fn load(name: &str) -> TestCert {
        let der = std::fs::read(fixtures().join("certs").join(name)).expect("read certificate");
        let cert = LenientCertificate::from_der(&der).expect("parse certificate");
        let tbs = &cert.tbs_certificate;
        let exts: &[Extension] = tbs.extensions.as_deref().unwrap_or(&[]);
        let aki = single_extension::<AuthorityKeyIdentifier>(exts, "aki")
            .expect("aki")
            .and_then(|a| a.key_identifier)
            .map(|k: OctetString| k.as_bytes().to_vec());
        let ski = single_extension::<SubjectKeyIdentifier>(exts, "ski")
            .expect("ski")
            .map(|k| k.0.as_bytes().to_vec());
        TestCert {
            name: name.to_string(),
            issuer: tbs.issuer.value().to_vec(),
            subject: tbs.subject.value().to_vec(),
            aki,
            ski,
            info: info_from_der(&der).expect("policy info"),
        }
    }

    /// Key identifiers decide when both are present (PKITS names are sometimes matched
    /// case-insensitively or across string types, which byte equality does not do).
    fn issued_by(child: &TestCert, parent: &TestCert) -> bool {
        match (&child.aki, &parent.ski) {
            (Some(a), Some(s)) => a == s,
            _ => child.issuer == parent.subject,
        }
    }

    /// Orders certificates of `others` from the anchor so that every certificate is issued by
    /// the previous one and `ee` by the last (depth-first, self-issued certificates tried
    /// first), using as many of them as possible (some pools hold CRL-signing certificates
    /// that are not on the path).
    fn order(anchor: &TestCert, others: Vec<TestCert>, ee: &TestCert) -> Option<Vec<TestCert>> {
        fn go(
            target: usize,
            chain: &mut Vec<usize>,
            all: &[TestCert],
            anchor: &TestCert,
            ee: &TestCert,
        ) -> bool {
            let last = chain.last().map_or(anchor, |&j| &all[j]);
            if chain.len() == target {
                return issued_by(ee, last);
            }
            let mut cands: Vec<usize> = (0..all.len())
                .filter(|j| !chain.contains(j) && issued_by(&all[*j], last))
                .collect();
            cands.sort_by_key(|&j| !all[j].info.self_issued);
            for j in cands {
                chain.push(j);
                if go(target, chain, all, anchor, ee) {
                    return true;
                }
                chain.pop();
            }
            false
        }
        let mut chain = Vec::new();
        let found = (0..=others.len())
            .rev()
            .any(|target| go(target, &mut chain, &others, anchor, ee));
        if !found {
            return None;
        }
        let mut slots: Vec<Option<TestCert>> = others.into_iter().map(Some).collect();
        Some(chain.into_iter().filter_map(|j| slots[j].take()).collect())
    }

    fn oid(s: &str) -> ObjectIdentifier {
        ObjectIdentifier::new(s).expect("oid")
    }

    fn params_of(case: &Value) -> PolicyParams {
        let p = case.get("params");
        let flag = |k: &str| {
            p.and_then(|p| p.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        PolicyParams {
            user_initial_policy_set: p
                .and_then(|p| p.get("user_initial_policy_set"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(oid).collect()),
            initial_explicit_policy: flag("initial_explicit_policy"),
            initial_policy_mapping_inhibit: flag("initial_policy_mapping_inhibit"),
            initial_any_policy_inhibit: flag("initial_any_policy_inhibit"),
        }
    }

    fn is_policy_error(msg: &str) -> bool {
        msg.to_lowercase().contains("polic")
    }

    /// The path index the PKITS message names, when it names one precisely.
    fn expected_index(msg: &str, n: usize) -> Option<usize> {
        if msg.contains("end-entity certificate") {
            return Some(n - 1);
        }
        let rest = msg.split("intermediate certificate ").nth(1)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<usize>().ok().map(|k| k - 1)
    }

    #[derive(Debug, PartialEq)]
    enum Verdict {
        /// Expected Ok, got Ok.
        Passed,
        /// Expected a policy failure, got one at the named certificate.
        FailedAsExpected,
        /// The case fails for a non-policy reason; what policy processing said.
        NotPolicy(bool),
        /// The certificates do not chain (name-chaining tests).
        Unchainable,
        /// Disagreement with pkits.json.
        Wrong(String),
    }

    fn run_case(case: &Value, anchor: &TestCert) -> Verdict {
        let ee = load(case["cert"].as_str().expect("cert"));
        let others: Vec<TestCert> = case
            .get("other_certs")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| load(v.as_str().expect("name"))).collect())
            .unwrap_or_default();
        let error = case
            .get("error")
            .and_then(|e| e.get("msg_regex"))
            .and_then(Value::as_str);
        let Some(mut chain) = order(anchor, others, &ee) else {
            return match error {
                Some(_) => Verdict::Unchainable,
                None => Verdict::Wrong("valid case does not chain".into()),
            };
        };
        chain.push(ee);
        let path: Vec<CertPolicyInfo> = chain.iter().map(|c| c.info.clone()).collect();
        let result = process(&path, &params_of(case));
        let names: Vec<&str> = chain.iter().map(|c| c.name.as_str()).collect();
        println!(
            "  {} path {names:?} -> {result:?}",
            case["id"].as_str().unwrap_or("")
        );
        match (error, result) {
            (None, Ok(_)) => Verdict::Passed,
            (None, Err(e)) => Verdict::Wrong(format!("expected Ok, got {e}")),
            (Some(msg), r) if !is_policy_error(msg) => Verdict::NotPolicy(r.is_ok()),
            (Some(msg), Ok(o)) => Verdict::Wrong(format!("expected failure ({msg}), got {o:?}")),
            (Some(msg), Err(e)) => match expected_index(msg, path.len()) {
                Some(k) if k != e.index => Verdict::Wrong(format!(
                    "failed at {} ({}) instead of {k}: {e}",
                    e.index, chain[e.index].name
                )),
                _ => Verdict::FailedAsExpected,
            },
        }
    }

    fn cases() -> Vec<Value> {
        let text = std::fs::read_to_string(fixtures().join("pkits.json")).expect("pkits.json");
        let v: Value = serde_json::from_str(&text).expect("json");
        v.as_array().expect("array").clone()
    }

    fn run_sections(prefixes: &[&str]) -> Vec<(String, Verdict)> {
        let anchor = load("TrustAnchorRootCertificate.crt");
        cases()
            .iter()
            .filter(|c| {
                let id = c["id"].as_str().unwrap_or("");
                prefixes.iter().any(|p| id.starts_with(p))
            })
            .map(|c| {
                let label = format!(
                    "{} {}",
                    c["id"].as_str().unwrap_or(""),
                    c["name"].as_str().unwrap_or("")
                );
                (label, run_case(c, &anchor))
            })
            .collect()
    }

    fn check(results: &[(String, Verdict)]) {
        for (label, verdict) in results {
            println!("{label}: {verdict:?}");
        }
        let wrong: Vec<_> = results
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Wrong(_)))
            .collect();
        assert!(
            wrong.is_empty(),
            "disagreements with pkits.json: {wrong:#?}"
        );
    }

    #[test]
    fn pkits_policy_sections() {
        let results = run_sections(&["406", "407", "408", "409", "410", "411", "412"]);
        let policy = results
            .iter()
            .filter(|(l, _)| {
                ["408", "409", "410", "411", "412"]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .count();
        check(&results);
        let passed = results
            .iter()
            .filter(|(_, v)| *v == Verdict::Passed)
            .count();
        let failed = results
            .iter()
            .filter(|(_, v)| *v == Verdict::FailedAsExpected)
            .count();
        println!(
            "{} cases ({policy} in 4.8–4.12): {passed} valid, {failed} policy failures as expected",
            results.len()
        );
        assert_eq!(policy, 85);
    }

    #[test]
    fn pkits_every_valid_case_passes_policy_processing() {
        let results = run_sections(&["4"]);
        check(&results);
        assert!(results.len() >= 246);
    }

    fn p(k: u32) -> ObjectIdentifier {
        oid(&format!("1.2.3.{k}"))
    }

    fn ca(policies: &[ObjectIdentifier]) -> CertPolicyInfo {
        CertPolicyInfo {
            policies: Some(policies.to_vec()),
            ..Default::default()
        }
    }

    #[test]
    fn info_from_der_reads_policy_extensions() {
        let m = load("Mapping1to2CACert.crt").info;
        let p1 = oid("2.16.840.1.101.3.2.1.48.1");
        let p2 = oid("2.16.840.1.101.3.2.1.48.2");
        assert_eq!(m.policies, Some(vec![p1]));
        assert_eq!(m.mappings, Some(vec![(p1, p2)]));
        assert_eq!(m.require_explicit_policy, Some(0));
        assert!(!m.self_issued);
        let si = load("requireExplicitPolicy2SelfIssuedCACert.crt").info;
        assert!(si.self_issued);
        let iap = load("inhibitAnyPolicy1CACert.crt").info;
        assert_eq!(iap.inhibit_any_policy, Some(1));
        let ipm = load("inhibitPolicyMapping0CACert.crt").info;
        assert_eq!(ipm.inhibit_policy_mapping, Some(0));
        let none = load("NoPoliciesCACert.crt").info;
        assert!(none.policies.is_none() && none.mappings.is_none());
        assert!(info_from_der(b"\x30\x03\x02\x01\x00").is_err());
        assert!(info_from_der(&[]).is_err());
    }

    #[test]
    fn empty_path_fails() {
        assert!(process(&[], &PolicyParams::default()).is_err());
    }

    #[test]
    fn any_policy_in_user_set_means_any() {
        let path = [ca(&[ANY_POLICY]), ca(&[ANY_POLICY])];
        let params = PolicyParams {
            user_initial_policy_set: Some(vec![ANY_POLICY, p(1)]),
            initial_explicit_policy: true,
            ..Default::default()
        };
        let out = process(&path, &params).expect("valid");
        assert_eq!(out.valid_policies, None);
        assert!(out.explicit_policy_required);
        // A specific user set turns the surviving anyPolicy into that set.
        let params = PolicyParams {
            user_initial_policy_set: Some(vec![p(2), p(1)]),
            ..params
        };
        let out = process(&path, &params).expect("valid");
        assert_eq!(out.valid_policies, Some(vec![p(1), p(2)]));
    }

    #[test]
    fn self_issued_last_certificate_gets_no_any_policy_exception() {
        // inhibit_anyPolicy reaches 0 at the last certificate: its anyPolicy is not
        // processed even if it is self-issued, so the tree becomes NULL.
        let mut last = ca(&[ANY_POLICY]);
        last.self_issued = true;
        let first = CertPolicyInfo {
            inhibit_any_policy: Some(0),
            require_explicit_policy: Some(0),
            ..ca(&[ANY_POLICY])
        };
        let err = process(&[first.clone(), last.clone()], &PolicyParams::default())
            .expect_err("NULL tree");
        assert_eq!(err.index, 1);
        // The same self-issued certificate in the middle keeps anyPolicy alive.
        let out = process(&[first, last, ca(&[p(1)])], &PolicyParams::default()).expect("valid");
        assert_eq!(out.valid_policies, Some(vec![p(1)]));
    }

    #[test]
    fn mapping_any_policy_is_rejected_but_not_in_the_last_certificate() {
        let mapper = CertPolicyInfo {
            mappings: Some(vec![(p(1), ANY_POLICY)]),
            ..ca(&[p(1)])
        };
        let err = process(&[mapper.clone(), ca(&[p(1)])], &PolicyParams::default())
            .expect_err("§6.1.4 (a)");
        assert_eq!(err.index, 0);
        assert!(err.rule.contains("anyPolicy"));
        // §6.1.4 is not run for the last certificate.
        assert!(process(&[ca(&[p(1)]), mapper], &PolicyParams::default()).is_ok());
    }

    #[test]
    fn too_many_policies_in_one_certificate_fail() {
        let many: Vec<ObjectIdentifier> = (0..=MAX_NODES_PER_LEVEL as u32).map(p).collect();
        let err = process(&[ca(&many)], &PolicyParams::default()).expect_err("too large");
        assert_eq!(err.rule, "policy tree too large");
        // Repeats do not count.
        let repeated = vec![p(1); 5000];
        assert!(process(&[ca(&repeated)], &PolicyParams::default()).is_ok());
    }

    #[test]
    fn mapping_fan_out_is_bounded() {
        // Each certificate asserts 40 policies and maps each of them to all 40 policies of
        // the next "generation": the tree would grow 40-fold per certificate.
        let gen_policies =
            |g: u32| -> Vec<ObjectIdentifier> { (0..40).map(|k| p(g * 100 + k)).collect() };
        let mut path = Vec::new();
        for g in 0..6u32 {
            let mut mappings = Vec::new();
            for &from in &gen_policies(g) {
                for &to in &gen_policies(g + 1) {
                    mappings.push((from, to));
                }
            }
            path.push(CertPolicyInfo {
                mappings: Some(mappings),
                ..ca(&gen_policies(g))
            });
        }
        path.push(ca(&gen_policies(6)));
        let err = process(&path, &PolicyParams::default()).expect_err("bounded");
        assert_eq!(err.rule, "policy tree too large");
        assert_eq!(err.index, 1); // 40 × 40 nodes at depth 2
    }

    #[test]
    fn inhibit_mapping_deletes_mapped_nodes() {
        let mapper = CertPolicyInfo {
            mappings: Some(vec![(p(1), p(2))]),
            ..ca(&[p(1), p(3)])
        };
        let params = PolicyParams {
            initial_policy_mapping_inhibit: true,
            ..Default::default()
        };
        let out = process(&[mapper.clone(), ca(&[p(2), p(3)])], &params).expect("p3 survives");
        assert_eq!(out.valid_policies, Some(vec![p(3)]));
        let out = process(&[mapper, ca(&[p(2), p(3)])], &PolicyParams::default()).expect("mapped");
        assert_eq!(out.valid_policies, Some(vec![p(1), p(3)]));
    }
}
