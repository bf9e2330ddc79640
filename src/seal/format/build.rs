//! Building: [`NewSeal`] and the DER encoding of v4 seals and signatures (the only version
//! yinxin produces), each read back and verified before it is returned.
//!
//! Owns encoding; must not import the TLV walker's internals beyond reading back what it
//! wrote, and must not verify through anything but the `check` functions.

use super::check::spki_of;
use super::model::{CertRef, ExtData, Picture, Seal, SealVersion, SesSignature};
use super::read::check_input_size;
use super::time::generalized_time;
use super::tlv::{read_one, seq_children};
use super::{MAX_CERTS, MAX_EXT_DATAS, MAX_PICTURE, PICTURE_TYPES, SealError, asn1};
use crate::crypto::verify::{PublicKeyKind, classify_spki};
use crate::crypto::{CryptoError, Signer, oid};
use der::Encode;
use der::asn1::{BitString, Ia5String, OctetString};
/// The content of a new v4 seal (everything but the maker's certificate and signature).
#[derive(Clone, Debug)]
pub struct NewSeal {
    /// `SES_Header.Vid`: our vendor identifier.
    pub vid: String,
    /// `esID`: unique within the issuing region.
    pub es_id: String,
    /// Seal type (business-defined).
    pub seal_type: i64,
    /// Seal name.
    pub name: String,
    /// Certificates (DER) or digests of those allowed to use the seal: all one kind (the kind
    /// sets `certListType`), 1 to [`MAX_CERTS`] entries.
    pub cert_list: Vec<CertRef>,
    /// createDate, Unix seconds.
    pub create_date: i64,
    /// validStart, Unix seconds.
    pub valid_start: i64,
    /// validEnd, Unix seconds.
    pub valid_end: i64,
    /// The picture (type one of [`PICTURE_TYPES`], at most [`MAX_PICTURE`] bytes).
    pub picture: Picture,
    /// Extension data (none is written when empty).
    pub ext_datas: Vec<ExtData>,
}

fn ia5(s: &str, what: &str) -> Result<Ia5String, SealError> {
    Ia5String::new(s).map_err(|_| SealError::Build(format!("{what} is not IA5 (ASCII) text")))
}

fn ext_asn1(e: &[ExtData]) -> Result<Option<Vec<asn1::ExtensionData>>, SealError> {
    if e.is_empty() {
        return Ok(None);
    }
    if e.len() > MAX_EXT_DATAS {
        return Err(SealError::TooMany {
            what: "ExtensionDatas",
            max: MAX_EXT_DATAS,
        });
    }
    e.iter()
        .map(|x| {
            Ok(asn1::ExtensionData {
                extn_id: x.oid,
                critical: x.critical,
                extn_value: OctetString::new(x.value.as_slice())?,
            })
        })
        .collect::<Result<Vec<_>, SealError>>()
        .map(Some)
}

impl NewSeal {
    /// The `SES_SealInfo` structure, after checking every field.
    pub fn to_asn1(&self) -> Result<asn1::SealInfoV4, SealError> {
        if self.es_id.is_empty() || self.name.is_empty() {
            return Err(SealError::Build("esID and name must not be empty".into()));
        }
        if self.valid_start > self.valid_end {
            return Err(SealError::Build("validStart is after validEnd".into()));
        }
        if !PICTURE_TYPES.contains(&self.picture.kind.as_str()) {
            return Err(SealError::Build(format!(
                "picture type '{}' (expected one of {PICTURE_TYPES:?})",
                self.picture.kind
            )));
        }
        if self.picture.data.is_empty() {
            return Err(SealError::Build("empty picture".into()));
        }
        if self.picture.data.len() > MAX_PICTURE {
            return Err(SealError::TooLarge {
                what: "seal picture",
                size: self.picture.data.len(),
                max: MAX_PICTURE,
            });
        }
        if self.picture.width_mm <= 0 || self.picture.height_mm <= 0 {
            return Err(SealError::Build("picture size must be positive".into()));
        }
        if self.cert_list.is_empty() {
            return Err(SealError::Build("certList is empty".into()));
        }
        if self.cert_list.len() > MAX_CERTS {
            return Err(SealError::TooMany {
                what: "certList",
                max: MAX_CERTS,
            });
        }
        let (cert_list_type, cert_list) =
            if self.cert_list.iter().all(|c| matches!(c, CertRef::Cert(_))) {
                let v = self
                    .cert_list
                    .iter()
                    .filter_map(|c| match c {
                        CertRef::Cert(d) => Some(OctetString::new(d.as_slice())),
                        _ => None,
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (1, asn1::CertList::Certs(v))
            } else if self
                .cert_list
                .iter()
                .all(|c| matches!(c, CertRef::Digest { .. }))
            {
                let mut v = Vec::new();
                for c in &self.cert_list {
                    if let CertRef::Digest { alg, value } = c {
                        v.push(asn1::CertDigest {
                            kind: der::asn1::PrintableString::new(alg).map_err(|_| {
                                SealError::Build(format!("digest type '{alg}' is not printable"))
                            })?,
                            value: OctetString::new(value.as_slice())?,
                        });
                    }
                }
                (2, asn1::CertList::Digests(v))
            } else {
                return Err(SealError::Build(
                    "certList must be all certificates or all digests".into(),
                ));
            };
        Ok(asn1::SealInfoV4 {
            header: asn1::SesHeader {
                id: ia5("ES", "ID")?,
                version: 4,
                vid: ia5(&self.vid, "Vid")?,
            },
            es_id: ia5(&self.es_id, "esID")?,
            property: asn1::PropertyInfoV4 {
                seal_type: self.seal_type,
                name: self.name.clone(),
                cert_list_type,
                cert_list,
                create_date: generalized_time(self.create_date, "createDate")?,
                valid_start: generalized_time(self.valid_start, "validStart")?,
                valid_end: generalized_time(self.valid_end, "validEnd")?,
            },
            picture: asn1::PictureInfo {
                kind: ia5(&self.picture.kind, "picture type")?,
                data: OctetString::new(self.picture.data.as_slice())?,
                width: self.picture.width_mm,
                height: self.picture.height_mm,
            },
            ext_datas: ext_asn1(&self.ext_datas)?,
        })
    }
}

impl Seal {
    /// Build a v4 seal (DER): encode `SES_SealInfo`, have `maker` sign its DER, and assemble
    /// `SESeal` with `maker_cert_der` (whose key must be the maker's). The signature value is
    /// DER. The result is read back and its maker signature verified before it is returned.
    pub fn encode_v4(
        info: &NewSeal,
        maker: &dyn Signer,
        maker_cert_der: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let spki = spki_of(maker_cert_der)?;
        if spki != maker.public_key_spki() {
            return Err(SealError::Build(
                "the maker certificate is not for the maker's key".into(),
            ));
        }
        let seal_info = info.to_asn1()?;
        let info_der = seal_info.to_der()?;
        let sig = maker.sign(&info_der)?;
        let seal = asn1::SealV4 {
            e_seal_info: seal_info,
            cert: OctetString::new(maker_cert_der)?,
            sign_alg_id: maker.signature_algorithm_oid(),
            signed_value: BitString::from_bytes(&sig)?,
        };
        let out = seal.to_der()?;
        check_input_size(&out, "seal")?;
        let back = Seal::from_der(&out)?;
        if back.signed_bytes != info_der {
            return Err(SealError::Build("seal did not read back as written".into()));
        }
        back.verify_maker_signature()?;
        Ok(out)
    }
}

impl SesSignature {
    /// Build a v4 `TBS_Sign` (DER) embedding `seal_der` as its exact bytes.
    pub fn tbs_v4(
        seal_der: &[u8],
        time: i64,
        data_hash: &[u8],
        property_info: &str,
    ) -> Result<Vec<u8>, SealError> {
        Self::tbs_v4_with_ext(seal_der, time, data_hash, property_info, &[])
    }

    /// [`SesSignature::tbs_v4`] with `extDatas`.
    pub fn tbs_v4_with_ext(
        seal_der: &[u8],
        time: i64,
        data_hash: &[u8],
        property_info: &str,
        ext_datas: &[ExtData],
    ) -> Result<Vec<u8>, SealError> {
        let seal = Seal::from_der(seal_der)?;
        if seal.version != SealVersion::V4 {
            return Err(SealError::Build("only v4 seals are stamped".into()));
        }
        if data_hash.is_empty() || data_hash.len() > 64 {
            return Err(SealError::Build(format!(
                "dataHash of {} bytes",
                data_hash.len()
            )));
        }
        let tbs = asn1::TbsSignV4 {
            version: 4,
            eseal: asn1::RawElement(seal_der.to_vec()),
            time_info: generalized_time(time, "timeInfo")?,
            data_hash: BitString::from_bytes(data_hash)?,
            property_info: ia5(property_info, "propertyInfo")?,
            ext_datas: ext_asn1(ext_datas)?,
        };
        let out = tbs.to_der()?;
        check_input_size(&out, "TBS_Sign")?;
        Ok(out)
    }

    /// Assemble a v4 `SES_Signature` (DER) from `TBS_Sign` bytes, the signer certificate, the
    /// signature value (normalised to DER; raw `r‖s` is converted) and an optional timestamp
    /// token. The algorithm follows the certificate's key (SM2 → SM2-with-SM3, P-256 →
    /// ecdsa-with-SHA256). The result is read back and its signature verified.
    pub fn assemble_v4(
        tbs: &[u8],
        signer_cert: &[u8],
        signature: &[u8],
        timestamp: Option<&[u8]>,
    ) -> Result<Vec<u8>, SealError> {
        let tbs_el = read_one(tbs, "TBS_Sign")?;
        let n = seq_children(&tbs_el, 7, "TBS_Sign")?.len();
        if !(5..=6).contains(&n) {
            return Err(SealError::Build("not a v4 TBS_Sign".into()));
        }
        let spki = spki_of(signer_cert)?;
        let (kind, _) =
            classify_spki(&spki).map_err(|e| SealError::Certificate(format!("public key: {e}")))?;
        let (alg, sig_der) = match kind {
            PublicKeyKind::Sm2 => (
                oid::SM2_WITH_SM3,
                crate::crypto::verify::sm2_signature_from_bytes(signature)?
                    .to_der()
                    .to_vec(),
            ),
            PublicKeyKind::P256 => {
                let s = p256::ecdsa::Signature::from_der(signature)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
                    .map_err(|_| SealError::Crypto(CryptoError::MalformedSignature))?;
                (oid::ECDSA_SHA256, s.to_der().as_bytes().to_vec())
            }
            other => {
                return Err(SealError::Build(format!(
                    "signer key {other:?} (seals are signed with SM2 or P-256)"
                )));
            }
        };
        let sig = asn1::SesSignatureV4 {
            to_sign: asn1::RawElement(tbs.to_vec()),
            cert: OctetString::new(signer_cert)?,
            signature_alg_id: alg,
            signature: BitString::from_bytes(&sig_der)?,
            time_stamp: match timestamp {
                Some(t) => Some(BitString::from_bytes(t)?),
                None => None,
            },
        };
        let out = sig.to_der()?;
        check_input_size(&out, "signature")?;
        let back = SesSignature::from_der(&out)?;
        if back.tbs_bytes != tbs {
            return Err(SealError::Build(
                "signature did not read back as written".into(),
            ));
        }
        back.verify_signature()?;
        Ok(out)
    }

    /// Stamp: build the v4 `TBS_Sign`, sign it with `signer` and assemble the signature
    /// (`signer_cert` must be for the signer's key).
    pub fn sign_v4(
        seal_der: &[u8],
        time: i64,
        data_hash: &[u8],
        property_info: &str,
        signer: &dyn Signer,
        signer_cert: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        if spki_of(signer_cert)? != signer.public_key_spki() {
            return Err(SealError::Build(
                "the signer certificate is not for the signer's key".into(),
            ));
        }
        let tbs = Self::tbs_v4(seal_der, time, data_hash, property_info)?;
        let sig = signer.sign(&tbs)?;
        Self::assemble_v4(&tbs, signer_cert, &sig, None)
    }
}
