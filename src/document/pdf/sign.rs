//! Adding a signature by incremental update (see the module doc): the PAdES baseline profile
//! for P-256 keys, the Chinese vendors' SM2 profile for SM2 keys; optionally visible and
//! optionally a certification (DocMDP) signature.

use super::PdfError;
use super::field::{self, Visible};
use crate::crypto::{Algorithm, Signer};
use crate::document::cms::TimestampFn;
use lopdf::{Dictionary, Object, StringFormat};

/// What a certification signature lets later revisions do (ISO 32000 DocMDP `/P`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocMdp {
    /// `/P 1`: no change (validation data and document time-stamps only).
    NoChanges,
    /// `/P 2`: filling in forms and signing.
    FormFill,
    /// `/P 3`: also annotations.
    Annotations,
}

impl DocMdp {
    /// The `/P` value.
    pub fn p(self) -> i64 {
        match self {
            DocMdp::NoChanges => 1,
            DocMdp::FormFill => 2,
            DocMdp::Annotations => 3,
        }
    }

    /// From a `/P` value (absent: 2, as ISO 32000 says).
    pub fn from_p(p: Option<i64>) -> Option<DocMdp> {
        match p.unwrap_or(2) {
            1 => Some(DocMdp::NoChanges),
            2 => Some(DocMdp::FormFill),
            3 => Some(DocMdp::Annotations),
            _ => None,
        }
    }
}

/// How a signature is made.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// The field's name (`/T`); unique in the document.
    pub field_name: String,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/M`, the signer's claimed time, Unix seconds (proven only by a time-stamp).
    pub time: i64,
    /// Bytes reserved for the CMS (hex-encoded in the file: twice as many characters).
    pub reserve: usize,
    /// A certification signature with these permissions (the document's first signature).
    pub certify: Option<DocMdp>,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            field_name: "Signature1".into(),
            reason: None,
            time: crate::clock::now_secs(),
            reserve: 16 * 1024,
            certify: None,
        }
    }
}

/// The signature dictionary's `/SubFilter` for `alg`: PAdES for P-256, the `adbe.pkcs7.detached`
/// the Chinese vendors use for SM2.
pub fn sub_filter(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::P256 => "ETSI.CAdES.detached",
        Algorithm::Sm2 => "adbe.pkcs7.detached",
    }
}

/// Sign `pdf` (see the module doc): the signed PDF, the original bytes as its prefix.
pub fn sign(
    pdf: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    opts: &SignOptions,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, PdfError> {
    sign_visible(pdf, signer, signer_cert, chain, opts, None, None, timestamp)
}

/// Given the two signed byte ranges, a further signed attribute (OID, DER value) for the CMS:
/// how a seal binds its SES_Signature.
pub(super) type ExtraAttribute<'a> =
    &'a dyn Fn(&[u8], &[u8]) -> Result<(const_oid::ObjectIdentifier, Vec<u8>), PdfError>;

/// [`sign`] with a visible widget and an extra signed attribute.
#[allow(clippy::too_many_arguments)]
pub(super) fn sign_visible(
    pdf: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    opts: &SignOptions,
    visible: Option<Visible>,
    extra: Option<ExtraAttribute<'_>>,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, PdfError> {
    let alg = signer.algorithm();
    let mut v = Dictionary::new();
    v.set("Type", Object::Name(b"Sig".to_vec()));
    v.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    v.set(
        "SubFilter",
        Object::Name(sub_filter(alg).as_bytes().to_vec()),
    );
    v.set(
        "M",
        Object::String(
            field::pdf_date(opts.time).into_bytes(),
            StringFormat::Literal,
        ),
    );
    if let Some(r) = &opts.reason {
        v.set(
            "Reason",
            Object::String(field::utf16_text(r), StringFormat::Hexadecimal),
        );
    }
    if let Some(mdp) = opts.certify {
        if !super::verify::signature_count(pdf)?.eq(&0) {
            return Err(PdfError::Sign(
                "a certification signature must be the document's first signature".into(),
            ));
        }
        let mut params = Dictionary::new();
        params.set("Type", Object::Name(b"TransformParams".to_vec()));
        params.set("P", Object::Integer(mdp.p()));
        params.set("V", Object::Name(b"1.2".to_vec()));
        let mut sig_ref = Dictionary::new();
        sig_ref.set("Type", Object::Name(b"SigRef".to_vec()));
        sig_ref.set("TransformMethod", Object::Name(b"DocMDP".to_vec()));
        sig_ref.set("TransformParams", Object::Dictionary(params));
        v.set(
            "Reference",
            Object::Array(vec![Object::Dictionary(sig_ref)]),
        );
    }
    let perms = |catalog: &mut Dictionary, sig: lopdf::ObjectId| {
        let mut p = Dictionary::new();
        p.set("DocMDP", Object::Reference(sig));
        catalog.set("Perms", Object::Dictionary(p));
    };
    let placed = field::place(
        pdf,
        v,
        &opts.field_name,
        opts.reserve,
        visible,
        opts.certify.map(|_| &perms as field::CatalogEdit<'_>),
    )?;
    field::fill(placed, |a, b| {
        let digest = match alg {
            Algorithm::P256 => {
                let mut h = <sha2::Sha256 as sha2::Digest>::new();
                sha2::Digest::update(&mut h, a);
                sha2::Digest::update(&mut h, b);
                sha2::Digest::finalize(h).to_vec()
            }
            Algorithm::Sm2 => {
                let mut h = crate::crypto::Sm3::new();
                h.update(a);
                h.update(b);
                h.finalize().to_vec()
            }
        };
        let spec = crate::document::cms::PdfCms {
            // PAdES: no signingTime (ETSI EN 319 142-1), the time is the /M claim;
            // adbe.pkcs7.detached as the vendors make it: signingTime (= /M) included.
            signing_time: (alg == Algorithm::Sm2).then_some(opts.time),
            extra_signed: match extra {
                Some(f) => vec![f(a, b)?],
                None => Vec::new(),
            },
            sm2_pkcs7: alg == Algorithm::Sm2,
        };
        let cms = crate::document::cms::sign_detached_digest_pdf(
            &digest,
            signer,
            signer_cert,
            chain,
            &spec,
            timestamp,
        );
        cms.map_err(|e| PdfError::Sign(e.to_string()))
    })
}
