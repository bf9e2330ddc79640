//! Adding a signature to an OFD package, shared by sealing and signing: the next signature
//! id and directory, SM3 references over every file but `Signatures.xml`, `Signature.xml`,
//! its `SignedValue.dat` (an SES_Signature or a CMS SignedData), and `Signatures.xml` (new,
//! or edited in place); every other file keeps its exact bytes.
//!
//! Owns the signature's files; must not import the document writer. Where a stamp goes is
//! `placement`'s.

use super::placement::{Files, PageBox, PageRef, Placement, stamp_annot};
use super::zip::write_zip;
use super::{ECDSA_SHA256_OID, OfdWriteError, PROVIDER, SM2_SM3_OID, part_err};
use crate::crypto::Signer;
use crate::document::ofd::{self, OfdError, Package, SM3_OID};
use crate::document::xml::{PREFIX, esc, open_part, read_exact};
use crate::seal::service::{SealRecord, TimestampFn, stamp};
use base64::Engine as _;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{Seek, Write};

/// The digits of an id like `3` or `s006`.
pub(super) fn id_number(s: &str) -> Option<u64> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    d.parse().ok()
}

/// What a new signature in a package is.
pub(super) enum Mark<'a> {
    /// An e-seal (Type="Seal") placed on a page.
    Seal(&'a SealRecord, Placement),
    /// A CMS digital signature (Type="Sign") carrying these CA certificates.
    Sign(&'a [Vec<u8>]),
}

pub(super) fn add_signature<W: Write + Seek>(
    package: &Package,
    mark: Mark<'_>,
    signer: &dyn Signer,
    signer_cert: &[u8],
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
    out: W,
) -> Result<W, OfdWriteError> {
    let mut files: Files<'_> = package
        .names()
        .filter_map(|n| package.get(n).map(|b| (n.to_string(), Cow::Borrowed(b))))
        .collect();
    // OFD.xml → DocRoot (and Signatures, if any) of the first DocBody.
    let ofd_bytes = package
        .get("OFD.xml")
        .ok_or_else(|| OfdError::MissingPart("OFD.xml".into()))?;
    let (ofd_part, ofd_text) = read_exact("OFD.xml", ofd_bytes)?;
    let body = ofd_part
        .root
        .child("DocBody")
        .ok_or_else(|| part_err("OFD.xml", "no DocBody"))?;
    let doc_loc = body
        .child_text("DocRoot")
        .ok_or_else(|| part_err("OFD.xml", "no DocRoot"))?;
    let doc_path = package
        .resolve("OFD.xml", &doc_loc)
        .filter(|p| files.contains_key(p))
        .ok_or_else(|| OfdError::MissingPart(format!("{doc_loc} (DocRoot)")))?;
    let doc_dir = doc_path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let in_doc = |name: &str| {
        if doc_dir.is_empty() {
            name.to_string()
        } else {
            format!("{doc_dir}/{name}")
        }
    };
    // Pages.
    let doc_root = read_exact(&doc_path, &files[&doc_path])?.0.root;
    let pages: Vec<PageRef> = doc_root
        .child("Pages")
        .map(|p| {
            p.children_named("Page")
                .map(|pg| PageRef {
                    id: pg.attr("ID").unwrap_or_default().to_string(),
                    content: pg
                        .attr("BaseLoc")
                        .and_then(|l| package.resolve(&doc_path, l))
                        .filter(|l| files.contains_key(l)),
                })
                .collect()
        })
        .unwrap_or_default();
    // The stamp's size and place (seals only), within the page.
    let stamp_xml = match &mark {
        Mark::Sign(_) => String::new(),
        Mark::Seal(seal, placement) => {
            let default_box = PageBox::of_area(
                doc_root
                    .child("CommonData")
                    .and_then(|c| c.child("PageArea")),
            );
            stamp_annot(&files, &pages, &doc_path, default_box, seal, placement)?
        }
    };
    // Signatures.xml: where, and what is in it.
    let (sigs_path, ofd_new) = match body.child_text("Signatures") {
        Some(loc) => {
            let p = package.resolve("OFD.xml", &loc).ok_or_else(|| {
                part_err("OFD.xml", format!("Signatures {loc:?} leaves the package"))
            })?;
            (p, None)
        }
        None => {
            let p = in_doc("Signs/Signatures.xml");
            // Insert the reference at the end of the first DocBody.
            let at = body
                .end_start
                .ok_or_else(|| part_err("OFD.xml", "an empty DocBody"))?;
            let prefix = &ofd_part.prefix;
            let mut t = ofd_text.clone();
            t.insert_str(
                at,
                &format!("<{prefix}Signatures>{}</{prefix}Signatures>", esc(&p)),
            );
            (p, Some(t.into_bytes()))
        }
    };
    // A signature that protects Signatures.xml itself declared itself the last one: adding
    // another would invalidate it, so refuse rather than silently break it.
    if let Ok((entries, _)) = ofd::signature_entries(package) {
        for e in entries {
            let Some(sp) = package.resolve(&e.signatures_xml, &e.base_loc) else {
                continue;
            };
            let Some(x) = package
                .get(&sp)
                .and_then(|b| ofd::parse_signature_xml(&sp, b).ok())
            else {
                continue;
            };
            if x.references
                .iter()
                .any(|r| package.resolve(&sp, &r.file_ref).as_deref() == Some(sigs_path.as_str()))
            {
                return Err(part_err(
                    &sigs_path,
                    format!(
                        "signature {} ({sp}) protects this file, so a new signature would invalidate it",
                        e.id
                    ),
                ));
            }
        }
    }
    let sigs_dir = sigs_path
        .rsplit_once('/')
        .map_or("", |(d, _)| d)
        .to_string();
    let existing = match files.get(&sigs_path) {
        Some(b) => Some(read_exact(&sigs_path, b)?),
        None => None,
    };
    let mut max_id = 0u64;
    if let Some((part, _)) = &existing {
        let root = &part.root;
        if let Some(m) = root.child_text("MaxSignId").and_then(|m| id_number(&m)) {
            max_id = max_id.max(m);
        }
        for s in root.children_named("Signature") {
            if let Some(n) = s.attr("ID").and_then(id_number) {
                max_id = max_id.max(n);
            }
        }
    }
    let sign_id = max_id + 1;
    let mut k = 0usize;
    let sign_dir = loop {
        let d = if sigs_dir.is_empty() {
            format!("Sign_{k}")
        } else {
            format!("{sigs_dir}/Sign_{k}")
        };
        let prefix = format!("{d}/");
        if !files.keys().any(|n| n.starts_with(&prefix)) {
            break d;
        }
        k += 1;
    };
    if let Some(b) = ofd_new {
        files.insert("OFD.xml".into(), Cow::Owned(b));
    }
    // References: every file but Signatures.xml (this signature's files are not there yet).
    let mut refs = String::new();
    for (name, data) in &files {
        if *name == sigs_path {
            continue;
        }
        let _ = write!(
            refs,
            "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>",
            esc(name),
            base64::engine::general_purpose::STANDARD.encode(crate::crypto::sm3(data))
        );
    }
    let when = time::OffsetDateTime::from_unix_timestamp(now)
        .map_err(|e| OfdWriteError::Invalid(format!("signing time: {e}")))?;
    let sig_path = format!("{sign_dir}/Signature.xml");
    let value_path = format!("{sign_dir}/SignedValue.dat");
    let seal_path = format!("{sign_dir}/Seal.esl");
    let seal_xml = match &mark {
        Mark::Seal(..) => format!(
            "<ofd:Seal><ofd:BaseLoc>/{}</ofd:BaseLoc></ofd:Seal>",
            esc(&seal_path)
        ),
        Mark::Sign(_) => String::new(),
    };
    let method = match signer.algorithm() {
        crate::crypto::Algorithm::Sm2 => SM2_SM3_OID,
        _ => ECDSA_SHA256_OID,
    };
    let signature_xml = format!(
        "{}<ofd:SignedInfo>\
         <ofd:Provider ProviderName=\"{PROVIDER}\" Version=\"{}\" Company=\"{PROVIDER}\"/>\
         <ofd:SignatureMethod>{method}</ofd:SignatureMethod>\
         <ofd:SignatureDateTime>{:04}{:02}{:02}{:02}{:02}{:02}Z</ofd:SignatureDateTime>\
         <ofd:References CheckMethod=\"{SM3_OID}\">{refs}</ofd:References>\
         {stamp_xml}{seal_xml}\
         </ofd:SignedInfo><ofd:SignedValue>/{}</ofd:SignedValue></ofd:Signature>",
        open_part("Signature", ""),
        env!("CARGO_PKG_VERSION"),
        when.year(),
        when.month() as u8,
        when.day(),
        when.hour(),
        when.minute(),
        when.second(),
        esc(&value_path),
    )
    .into_bytes();
    let value = match &mark {
        Mark::Seal(seal, _) => stamp(
            seal,
            &crate::crypto::sm3(&signature_xml),
            &format!("/{sig_path}"),
            signer,
            signer_cert,
            now,
            timestamp,
        )?,
        Mark::Sign(chain) => crate::document::cms::sign_detached(
            &signature_xml,
            signer,
            signer_cert,
            chain,
            now,
            timestamp,
        )
        .map_err(|e| OfdWriteError::Invalid(format!("CMS signature: {e}")))?,
    };
    // Signatures.xml, new or with the new entry added in place.
    let entry = format!(
        "<{{p}}Signature ID=\"{sign_id}\" Type=\"{}\" BaseLoc=\"/{}\"/>",
        match mark {
            Mark::Seal(..) => "Seal",
            Mark::Sign(_) => "Sign",
        },
        esc(&sig_path)
    );
    let sigs_new = match &existing {
        None => format!(
            "{}<ofd:MaxSignId>{sign_id}</ofd:MaxSignId>{}</ofd:Signatures>",
            open_part("Signatures", ""),
            entry.replace("{p}", PREFIX)
        ),
        Some((part, text)) => {
            let (root, p) = (&part.root, &part.prefix);
            let entry = entry.replace("{p}", p);
            let end = root
                .end_start
                .ok_or_else(|| part_err(&sigs_path, "an empty Signatures element"))?;
            let mut t = text.clone();
            t.insert_str(end, &entry);
            // MaxSignId: replace its content, or add it first.
            match root
                .child("MaxSignId")
                .and_then(|m| m.end_start.map(|e| (m.start_end, e)))
            {
                Some((s, e)) if s <= e => t.replace_range(s..e, &sign_id.to_string()),
                _ => t.insert_str(
                    root.start_end,
                    &format!("<{p}MaxSignId>{sign_id}</{p}MaxSignId>"),
                ),
            }
            t
        }
    };
    files.insert(sigs_path, Cow::Owned(sigs_new.into_bytes()));
    files.insert(sig_path, Cow::Owned(signature_xml));
    files.insert(value_path, Cow::Owned(value));
    if let Mark::Seal(seal, _) = &mark {
        files.insert(seal_path, Cow::Borrowed(seal.der.as_slice()));
    }
    write_zip(&files, now, out)
}
