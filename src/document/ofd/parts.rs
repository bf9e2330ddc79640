//! The signature parts of a package: `OFD.xml` → `Signatures.xml` entries, and `Signature.xml`.

use super::xml::parse_xml;
use super::{OfdError, Package};
use serde::Serialize;

/// One `ofd:Signature` entry of `Signatures.xml`.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureEntry {
    /// ID.
    pub id: String,
    /// Type: `Seal` (default) or `Sign`.
    pub kind: String,
    /// BaseLoc as written.
    pub base_loc: String,
    /// The `Signatures.xml` path it was listed in.
    pub signatures_xml: String,
}

/// The signature list of a package: every `Signatures.xml` named by a `DocBody` of `OFD.xml`,
/// with the quirks tolerated. An OFD without signatures gives an empty list.
pub fn signature_entries(pkg: &Package) -> Result<(Vec<SignatureEntry>, Vec<String>), OfdError> {
    let ofd = pkg
        .get("OFD.xml")
        .ok_or_else(|| OfdError::MissingPart("OFD.xml".into()))?;
    let (root, mut tolerated) = parse_xml("OFD.xml", ofd)?;
    let mut out = Vec::new();
    for body in root.children_named("DocBody") {
        let Some(loc) = body.child_text("Signatures") else {
            continue;
        };
        let path = pkg
            .resolve("OFD.xml", &loc)
            .ok_or_else(|| OfdError::BadXml {
                path: "OFD.xml".into(),
                reason: format!("Signatures path {loc:?} leaves the package"),
            })?;
        let bytes = pkg
            .get(&path)
            .ok_or_else(|| OfdError::MissingPart(path.clone()))?;
        let (sigs, t) = parse_xml(&path, bytes)?;
        tolerated.extend(t);
        if let Some(max) = sigs.child_text("MaxSignId")
            && max.parse::<u64>().is_err()
        {
            tolerated.push(format!("{path}: MaxSignId {max:?} is not a number"));
        }
        for s in sigs.children_named("Signature") {
            let base_loc = s
                .attr("BaseLoc")
                .map(str::to_string)
                .or_else(|| s.child_text("BaseLoc"))
                .unwrap_or_default();
            out.push(SignatureEntry {
                id: s.attr("ID").unwrap_or_default().to_string(),
                kind: s
                    .attr("Type")
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .unwrap_or("Seal")
                    .to_string(),
                base_loc,
                signatures_xml: path.clone(),
            });
        }
    }
    Ok((out, tolerated))
}

/// Provider of a signature.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Provider {
    /// ProviderName.
    pub name: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Company.
    pub company: Option<String>,
}

/// One protected file.
#[derive(Clone, Debug, Serialize)]
pub struct Reference {
    /// FileRef as written.
    pub file_ref: String,
    /// CheckMethod of its References element (None = SM3).
    pub check_method: Option<String>,
    /// CheckValue as written (base64).
    pub check_value: String,
}

/// A stamp appearance.
#[derive(Clone, Debug, Serialize)]
pub struct StampAnnot {
    /// ID.
    pub id: Option<String>,
    /// PageRef.
    pub page_ref: Option<String>,
    /// Boundary (`x y w h`, mm).
    pub boundary: Option<String>,
}

/// A parsed `Signature.xml`.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureXml {
    /// Provider.
    pub provider: Provider,
    /// SignatureMethod (OID text).
    pub signature_method: Option<String>,
    /// SignatureDateTime, as written (formats vary).
    pub signature_date_time: Option<String>,
    /// References.
    pub references: Vec<Reference>,
    /// StampAnnots.
    pub stamp_annots: Vec<StampAnnot>,
    /// Seal BaseLoc.
    pub seal_base_loc: Option<String>,
    /// SignedValue path as written.
    pub signed_value: Option<String>,
    /// Quirks tolerated.
    pub tolerated: Vec<String>,
}

/// Parse `Signature.xml` (at `path`, for messages).
pub fn parse_signature_xml(path: &str, bytes: &[u8]) -> Result<SignatureXml, OfdError> {
    let (root, mut tolerated) = parse_xml(path, bytes)?;
    let si = root.child("SignedInfo").ok_or_else(|| OfdError::BadXml {
        path: path.to_string(),
        reason: "no SignedInfo".into(),
    })?;
    let mut provider = Provider::default();
    if let Some(p) = si.child("Provider") {
        provider.name = p.attr("ProviderName").map(str::to_string);
        provider.version = p.attr("Version").map(str::to_string);
        provider.company = p.attr("Company").map(str::to_string);
        if provider.name.is_none() && p.child("ProviderName").is_some() {
            tolerated.push(format!("{path}: Provider written as child elements"));
            provider.name = p.child_text("ProviderName");
            provider.version = p.child_text("Version");
            provider.company = p.child_text("Company");
        }
    }
    let mut references = Vec::new();
    for refs in si.children_named("References") {
        let method = refs
            .attr("CheckMethod")
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty());
        for r in refs.children_named("Reference") {
            references.push(Reference {
                file_ref: r.attr("FileRef").unwrap_or_default().to_string(),
                check_method: method.clone(),
                check_value: r.child_text("CheckValue").unwrap_or_default(),
            });
        }
    }
    let stamp_annots = si
        .children_named("StampAnnot")
        .map(|a| StampAnnot {
            id: a.attr("ID").map(str::to_string),
            page_ref: a.attr("PageRef").map(str::to_string),
            boundary: a.attr("Boundary").map(str::to_string),
        })
        .collect();
    Ok(SignatureXml {
        provider,
        signature_method: si.child_text("SignatureMethod"),
        signature_date_time: si.child_text("SignatureDateTime"),
        references,
        stamp_annots,
        seal_base_loc: si.child("Seal").and_then(|s| s.child_text("BaseLoc")),
        signed_value: root.child_text("SignedValue"),
        tolerated,
    })
}
