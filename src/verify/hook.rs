//! The seam between chain validation and the trust model of mutual recognition: a
//! [`TrustSource`] supplies revocation data for certificates of other regions (fetched only
//! from supply points their trust lists name) and reviews each finished chain report, saying
//! which region's trust service anchored it and failing it when that service was not granted
//! at the time that counts. A relying party's source (`yinxin verify --fetch-revocation`) also
//! supplies candidate intermediates fetched from caIssuers and signed seal statuses. The
//! validator itself stays pure; `trust` implements this.

use super::report::Report;

/// What a validated chain is used for: the trust service kind its target must be listed as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainRole {
    /// A signer's certificate (any holder issued under a listed CA).
    Signer,
    /// The seal maker that signed a seal.
    SealMaker,
    /// The time-stamping unit of a timestamp.
    Tsu,
}

/// Revocation data gathered for a certificate.
#[derive(Clone, Debug, Default)]
pub struct Gathered {
    /// CRLs (DER).
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses (DER).
    pub ocsp: Vec<Vec<u8>>,
    /// Certificates fetched to build the path (caIssuers): candidates for path building only,
    /// never anchors; the validator decides whether they chain.
    pub intermediates: Vec<Vec<u8>>,
    /// What was fetched or refused, in words.
    pub notes: Vec<String>,
}

/// Trust beyond the caller's own anchors (see module doc).
#[async_trait::async_trait]
pub trait TrustSource: Send + Sync {
    /// Trust anchors and intermediates of the recognized regions usable now.
    fn anchors(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>);
    /// Revocation data for `target` and the CA certificates above it; `extra` are the
    /// certificates `target` came with (e.g. carried in a CMS), untrusted.
    async fn revocation_data(&self, target: &[u8], extra: &[Vec<u8>]) -> Gathered;
    /// Review a chain report of `target` for `role` at time `at` (the signing time when proven,
    /// else now): fill `report.recognition`, and turn a pass into a failure when the anchoring
    /// service or the target's service was not granted at `at`, or the region's list expired.
    fn review(&self, report: &mut Report, target: &[u8], at: i64, role: ChainRole);
    /// After [`TrustSource::review`]: look `target` up in the transparency log of the region
    /// that recognition names, fill `report.recognition`'s `transparency`, and fail the report
    /// when the configuration requires a proof and none verifies. Nothing by default.
    async fn transparency(&self, _report: &mut Report, _target: &[u8]) {}
    /// The entry of `kind` about `object` (e.g. a seal) in the transparency log of the
    /// recognized `region`, with whether the configuration requires it to be proven; `None`
    /// when nothing is checked.
    async fn logged(
        &self,
        _region: &str,
        _kind: &str,
        _object: &[u8],
    ) -> Option<(super::report::LogInclusion, bool)> {
        None
    }
    /// Signed statuses (DER, see `crate::seal::status`) of the seal `es_id` made by the
    /// certificate `maker`, fetched from where the maker's region publishes them. None by
    /// default: only a relying party's source fetches them.
    async fn seal_status(&self, _maker: &[u8], _es_id: &str) -> Vec<Vec<u8>> {
        Vec::new()
    }
}
