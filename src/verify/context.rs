//! The relying party's verification material, prepared once and shared: a [`Context`] holds
//! the trust anchors and the pool of intermediates as parsed certificates ([`Cert::shared`]),
//! the CRLs, OCSP responses and signed seal statuses it was given, the seal makers it names,
//! and how revocation and the trust anchor rules are applied. A service builds its own
//! region's context once at start-up and shares it through `Arc`; what one request adds (a
//! recognized region's anchors, the CRLs read for it) goes into a derived context
//! ([`Context::with_extra`]) that shares the certificates already parsed.
//!
//! Owns: that material and turning it into the path validator's [`Input`]. What belongs to
//! one verification (the time, the data, the registry, the trust source) is not here. Must
//! not import HTTP (axum, hyper) or SQL (sqlx) types, nor `seal`, `document` or `trust`.
//!
//! Nothing is refused here that verification would have accepted: a certificate among the
//! anchors or intermediates that does not parse is left out, as the validator has always
//! skipped it; CRLs, OCSP responses and signed statuses are kept as given (the validator
//! parses CRLs through its cache, and judges each response and status when it is used).

use super::cert::Cert;
use super::path::{Input, RevocationMode};
use super::purpose::Purpose;
use std::sync::Arc;

/// The relying party's trust material (see the module doc). Build it with
/// [`Context::builder`]; share it as `Arc<Context>`.
#[derive(Clone, Debug)]
pub struct Context {
    anchors: Vec<Arc<Cert>>,
    intermediates: Vec<Arc<Cert>>,
    crls: Vec<Arc<[u8]>>,
    ocsp: Vec<Arc<[u8]>>,
    revocation: RevocationMode,
    seal_makers: Vec<[u8; 32]>,
    seal_status: Vec<Arc<[u8]>>,
    no_anchor_constraints: bool,
}

impl Default for Context {
    /// No material; revocation required and the trust anchor rules applied.
    fn default() -> Self {
        Context {
            anchors: Vec::new(),
            intermediates: Vec::new(),
            crls: Vec::new(),
            ocsp: Vec::new(),
            revocation: RevocationMode::Require,
            seal_makers: Vec::new(),
            seal_status: Vec::new(),
            no_anchor_constraints: false,
        }
    }
}

impl Context {
    /// A builder starting with no material, revocation required and the trust anchor rules
    /// applied.
    pub fn builder() -> ContextBuilder {
        ContextBuilder {
            ctx: Context::default(),
        }
    }

    /// A builder starting from this context's material and settings: what it is given is
    /// added after this context's (the certificates already parsed are shared, not parsed
    /// again).
    pub fn with_extra(&self) -> ContextBuilder {
        ContextBuilder { ctx: self.clone() }
    }

    /// Trust anchors.
    pub fn anchors(&self) -> &[Arc<Cert>] {
        &self.anchors
    }

    /// Candidate intermediates (untrusted: for path building only).
    pub fn intermediates(&self) -> &[Arc<Cert>] {
        &self.intermediates
    }

    /// CRLs (DER).
    pub fn crls(&self) -> &[Arc<[u8]>] {
        &self.crls
    }

    /// OCSP responses (DER OCSPResponse).
    pub fn ocsp(&self) -> &[Arc<[u8]>] {
        &self.ocsp
    }

    /// How revocation is treated.
    pub fn revocation(&self) -> RevocationMode {
        self.revocation
    }

    /// Seal makers the relying party names explicitly (SHA-256 of their certificates):
    /// recognised as seal makers without our seal-making EKU (other vendors' makers).
    pub fn seal_makers(&self) -> &[[u8; 32]] {
        &self.seal_makers
    }

    /// Signed seal statuses (DER CMS, `seal::status`) the relying party has, used when there
    /// is no registry.
    pub fn seal_status(&self) -> &[Arc<[u8]>] {
        &self.seal_status
    }

    /// Whether the RFC 5937 trust anchor rules apply (off only with
    /// `--no-anchor-constraints`).
    pub fn enforce_anchor_constraints(&self) -> bool {
        !self.no_anchor_constraints
    }

    /// The path validator's input for `target` at `at` for `purpose` with this material:
    /// anchors, intermediates, CRLs, OCSP responses, revocation mode and anchor rules.
    pub fn path_input(&self, target: &[u8], at: i64, purpose: Purpose) -> Input {
        let der = |c: &Arc<Cert>| c.der.clone();
        let mut input = Input::new(
            target.to_vec(),
            self.anchors.iter().map(der).collect(),
            at,
            purpose,
        );
        input.intermediates = self.intermediates.iter().map(der).collect();
        input.crls = self.crls.iter().map(|c| c.to_vec()).collect();
        input.ocsp = self.ocsp.iter().map(|o| o.to_vec()).collect();
        input.revocation = self.revocation;
        input.enforce_anchor_constraints = !self.no_anchor_constraints;
        input
    }
}

/// Builds a [`Context`]; each material method adds to what is there, in order.
#[derive(Clone, Debug)]
pub struct ContextBuilder {
    ctx: Context,
}

/// Parsed certificates of `ders`, those that do not parse left out (see the module doc).
fn parsed<D: AsRef<[u8]>>(ders: impl IntoIterator<Item = D>) -> impl Iterator<Item = Arc<Cert>> {
    ders.into_iter()
        .filter_map(|d| Cert::shared(d.as_ref()).ok())
}

impl ContextBuilder {
    /// Add trust anchors (DER certificates).
    pub fn anchors<D: AsRef<[u8]>>(mut self, ders: impl IntoIterator<Item = D>) -> Self {
        self.ctx.anchors.extend(parsed(ders));
        self
    }

    /// Add candidate intermediates (DER certificates).
    pub fn intermediates<D: AsRef<[u8]>>(mut self, ders: impl IntoIterator<Item = D>) -> Self {
        self.ctx.intermediates.extend(parsed(ders));
        self
    }

    /// Add CRLs (DER).
    pub fn crls<D: Into<Arc<[u8]>>>(mut self, ders: impl IntoIterator<Item = D>) -> Self {
        self.ctx.crls.extend(ders.into_iter().map(Into::into));
        self
    }

    /// Add OCSP responses (DER OCSPResponse).
    pub fn ocsp<D: Into<Arc<[u8]>>>(mut self, ders: impl IntoIterator<Item = D>) -> Self {
        self.ctx.ocsp.extend(ders.into_iter().map(Into::into));
        self
    }

    /// Add seal makers named by the relying party (SHA-256 of their certificates).
    pub fn seal_makers(mut self, fingerprints: impl IntoIterator<Item = [u8; 32]>) -> Self {
        self.ctx.seal_makers.extend(fingerprints);
        self
    }

    /// Add signed seal statuses (DER CMS).
    pub fn seal_status<D: Into<Arc<[u8]>>>(mut self, ders: impl IntoIterator<Item = D>) -> Self {
        self.ctx
            .seal_status
            .extend(ders.into_iter().map(Into::into));
        self
    }

    /// How revocation is treated (default: required).
    pub fn revocation(mut self, mode: RevocationMode) -> Self {
        self.ctx.revocation = mode;
        self
    }

    /// Opt out of the RFC 5937 trust anchor rules (`--no-anchor-constraints`); default
    /// `false`: an expired anchor, one that is not a CA or has an unknown critical extension
    /// anchors nothing, and its name constraints, path length and policies bind the path.
    pub fn no_anchor_constraints(mut self, off: bool) -> Self {
        self.ctx.no_anchor_constraints = off;
        self
    }

    /// The context.
    pub fn build(self) -> Context {
        self.ctx
    }

    /// The context, ready to share.
    pub fn shared(self) -> Arc<Context> {
        Arc::new(self.ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_does_not_parse_is_left_out_and_derived_contexts_add_in_order() {
        let base = Context::builder()
            .anchors([b"not a certificate".to_vec()])
            .crls([vec![1u8, 2, 3]])
            .revocation(RevocationMode::Off)
            .build();
        assert!(base.anchors().is_empty());
        assert_eq!(base.crls().len(), 1);
        let derived = base
            .with_extra()
            .crls([vec![4u8]])
            .seal_makers([[7u8; 32]])
            .build();
        assert_eq!(derived.crls().len(), 2);
        assert_eq!(&*derived.crls()[1], &[4u8][..]);
        assert_eq!(derived.revocation(), RevocationMode::Off);
        assert_eq!(derived.seal_makers(), &[[7u8; 32]]);
        assert!(derived.enforce_anchor_constraints());
        let input = derived.path_input(b"x", 5, Purpose::DocumentSigner);
        assert_eq!(input.crls, vec![vec![1u8, 2, 3], vec![4u8]]);
        assert_eq!(input.revocation, RevocationMode::Off);
        assert!(input.anchors.is_empty());
    }
}
