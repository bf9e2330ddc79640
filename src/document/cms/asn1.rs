//! The ASN.1 structures the CMS reader decodes (RFC 5652 §3, §5), as `der` derives shaped like
//! the `cms` crate's, with the fields whose bytes matter kept raw.
//!
//! Why not `cms::content_info::ContentInfo` / `cms::signed_data::SignedData` themselves: their
//! `SET OF` fields are `der::asn1::SetOfVec`, whose DER decoding *sorts* the elements, and
//! their certificates are decoded as `x509_cert::Certificate` (strict RFC 5280 profile) and
//! re-encoded. The reader must keep the certificates in the order and with the bytes they are
//! carried, skip the certificate choices it does not use, count the SignerInfos before
//! decoding any of them, and take the signed attributes exactly as encoded. So every `SET OF`
//! here is a [`RawSet`] (the content octets, elements read in order, never sorted or
//! re-encoded), and the SignedData `version` is a [`RawInteger`] (its tag is checked, its
//! value is not: the reader never judged it).
//!
//! The one SignerInfo is decoded twice: as `cms::signed_data::SignerInfo` (typed values:
//! identifier, algorithms, signature, attributes to *read*) and as [`SignerInfo`] here, which
//! keeps the signed attributes `[0] IMPLICIT` as their encoded bytes (what the signature
//! covers, re-tagged as SET).
//!
//! Owns the structure definitions only; must not import the reader's leniencies, signing or
//! verification.

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{
    DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, SliceReader, Tag, Writer,
};

/// Declares a type holding the content octets of one universal tag, unvalidated.
macro_rules! raw_value {
    ($(#[$doc:meta])* $name:ident, $tag:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) struct $name<'a>(pub(super) &'a [u8]);

        impl<'a> DecodeValue<'a> for $name<'a> {
            type Error = der::Error;
            fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
                Ok(Self(reader.read_slice(header.length())?))
            }
        }

        impl EncodeValue for $name<'_> {
            fn value_len(&self) -> der::Result<Length> {
                Length::try_from(self.0.len())
            }
            fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
                writer.write(self.0)
            }
        }

        impl FixedTag for $name<'_> {
            const TAG: Tag = $tag;
        }
    };
}

raw_value!(
    /// A `SET OF` as its content octets: the elements in their encoded order, each kept as
    /// carried (see [`RawSet::elements`]).
    RawSet,
    Tag::Set
);

raw_value!(
    /// An INTEGER whose content octets are not judged (the SignedData `version`).
    RawInteger,
    Tag::Integer
);

impl<'a> RawSet<'a> {
    /// The elements, in the order encoded, each as its tag and its exact encoding (header and
    /// value, as carried: never sorted or re-encoded).
    pub(super) fn encodings(&self) -> der::Result<Vec<(Tag, &'a [u8])>> {
        let mut r = SliceReader::new(self.0)?;
        let mut out = Vec::new();
        while !r.is_finished() {
            let tag = Tag::peek(&r)?;
            out.push((tag, r.tlv_bytes()?));
        }
        Ok(out)
    }
}

/// The TLVs one after another in `value` (the content octets of a constructed value).
pub(super) fn elements(value: &[u8]) -> der::Result<Vec<AnyRef<'_>>> {
    let mut r = SliceReader::new(value)?;
    let mut out = Vec::new();
    while !r.is_finished() {
        out.push(r.decode()?);
    }
    Ok(out)
}

/// ```asn1
/// ContentInfo ::= SEQUENCE {
///   contentType ContentType,
///   content [0] EXPLICIT ANY DEFINED BY contentType }
/// ```
/// `content` is optional here so that the reader, not the decoder, says it is missing.
#[derive(Clone, Copy, Debug, Sequence)]
pub(super) struct ContentInfo<'a> {
    pub(super) content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(super) content: Option<AnyRef<'a>>,
}

/// ```asn1
/// SignedData ::= SEQUENCE {
///   version CMSVersion,
///   digestAlgorithms DigestAlgorithmIdentifiers,     -- SET OF
///   encapContentInfo EncapsulatedContentInfo,
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///   signerInfos SignerInfos }                       -- SET OF
/// ```
#[derive(Clone, Copy, Debug, Sequence)]
pub(super) struct SignedData<'a> {
    pub(super) version: RawInteger<'a>,
    pub(super) digest_algorithms: RawSet<'a>,
    pub(super) encap_content_info: EncapsulatedContentInfo<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) certificates: Option<RawSet<'a>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) crls: Option<RawSet<'a>>,
    pub(super) signer_infos: RawSet<'a>,
}

/// ```asn1
/// EncapsulatedContentInfo ::= SEQUENCE {
///   eContentType ContentType,
///   eContent [0] EXPLICIT OCTET STRING OPTIONAL }
/// ```
#[derive(Clone, Copy, Debug, Sequence)]
pub(super) struct EncapsulatedContentInfo<'a> {
    pub(super) econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(super) econtent: Option<&'a OctetStringRef>,
}

/// ```asn1
/// SignerInfo ::= SEQUENCE {
///   version CMSVersion,
///   sid SignerIdentifier,
///   digestAlgorithm DigestAlgorithmIdentifier,
///   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///   signatureAlgorithm SignatureAlgorithmIdentifier,
///   signature SignatureValue,
///   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
/// ```
/// Only the signed attributes are kept (as encoded); the rest is read through
/// `cms::signed_data::SignerInfo`, which has decoded the same bytes first.
#[derive(Clone, Copy, Debug, Sequence)]
pub(super) struct SignerInfo<'a> {
    pub(super) version: AnyRef<'a>,
    pub(super) sid: AnyRef<'a>,
    pub(super) digest_algorithm: AnyRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) signed_attrs: Option<RawSet<'a>>,
    pub(super) signature_algorithm: AnyRef<'a>,
    pub(super) signature: AnyRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) unsigned_attrs: Option<RawSet<'a>>,
}
