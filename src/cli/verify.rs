//! `yinxin verify FILE`: a seal (.esl), an electronic signature (SES_Signature), an OFD
//! package (an e-licence: also the licence verification), a PDF, a CMS signature or a certificate,
//! verified with the relying party's own trust material (anchors, chain, CRLs, trust lists,
//! signed seal and licence statuses) and, with `--fetch-revocation`, what
//! [`crate::trust::relying`] fetches from the allowed URL bases; `yinxin verify --qr TEXT`: an
//! e-licence's QR payload, its signer listed in a trust list.
//! Owns the command's input loading, its allow-list sources and its report printing; the
//! verification itself is the domain's (`seal`, `document`, `verify`).

use super::Command;
use super::common::read_objects;
use crate::licence::verify::{LicenceReport, Verifier};
use crate::trust::licences::LicenceTrust;
use crate::trust::relying::{AllowList, RelyingParty};
use crate::verify::report::Indication;
use std::path::{Path, PathBuf};

/// What a verification printed: its indication, the JSON report, the human summary.
type Outcome = (Indication, serde_json::Value, String);

/// The allow-list of `--fetch-revocation`: every `--allow-url` base and the public base URL of
/// the `--data-dir` region (trust-list supply points join in [`RelyingParty::new`]).
/// `HEAD  (KIND, N signature(s)) DETAIL`: the first line of a document's summary.
fn document_head(head: String, kind: &str, n: usize, detail: &str) -> String {
    format!("{head}  ({kind}, {n} signature(s)) {detail}")
}

/// One signature's line of a document's summary.
fn signature_line(id: &str, kind: &str, head: String, detail: &str) -> String {
    format!("\n  signature {id} ({kind}): {head} {detail}")
}

fn allow_list(allow_urls: &[String], data_dir: Option<&Path>) -> Result<AllowList, String> {
    let mut allow = AllowList::new();
    for u in allow_urls {
        allow.add_base(u).map_err(|e| format!("--allow-url {e}"))?;
    }
    if let Some(d) = data_dir {
        let c = crate::config::Config::load(d).map_err(|e| e.to_string())?;
        allow
            .add_base(&c.service.public_base_url)
            .map_err(|e| format!("--data-dir: the region's public base URL {e}"))?;
    }
    Ok(allow)
}

/// Add what was fetched and not fetched to the JSON report (`network`) and the summary.
fn add_network(out: &mut Outcome, rp: &RelyingParty) {
    let urls = rp.urls();
    let mut fetched: Vec<&str> = Vec::new();
    let mut not_fetched = Vec::new();
    for e in &urls {
        match e.outcome {
            "fetched" | "cached" => {
                if !fetched.contains(&e.url.as_str()) {
                    fetched.push(&e.url);
                    out.2
                        .push_str(&format!("\n  fetched: {} {}", e.kind, e.url));
                }
            }
            _ => {
                not_fetched.push(e);
                out.2.push_str(&format!(
                    "\n  not fetched: {} {}",
                    e.kind,
                    e.detail.as_deref().unwrap_or(&e.url)
                ));
            }
        }
    }
    if urls.is_empty() {
        out.2.push_str("\n  fetched: nothing");
    }
    if let Some(o) = out.1.as_object_mut() {
        o.insert(
            "network".into(),
            serde_json::json!({
                "fetched": fetched,
                "not_fetched": not_fetched,
                "notes": rp.notes(),
            }),
        );
    }
}

/// `yinxin verify FILE`: seal, SES_Signature or certificate; exit codes as verify-chain.
pub(super) fn verify_file(cmd: Command) -> i32 {
    let Command::Verify {
        file,
        qr,
        licence_statuses,
        data,
        anchors,
        intermediates,
        crls,
        no_revocation,
        json,
        trust_lists,
        trust_pins,
        seal_makers,
        purpose,
        no_anchor_constraints,
        seal_statuses,
        fetch_revocation,
        allow_urls,
        data_dir,
    } = cmd
    else {
        return 3;
    };
    let load_all = |paths: &[PathBuf]| -> Result<Vec<Vec<u8>>, String> {
        let mut v = Vec::new();
        for p in paths {
            v.extend(read_objects(p)?);
        }
        Ok(v)
    };
    let mut relying: Option<RelyingParty> = None;
    let mut run = || -> Result<Outcome, String> {
        let obj = match &file {
            Some(f) => read_objects(f)?.into_iter().next().ok_or("empty file")?,
            None => Vec::new(),
        };
        let statuses = load_all(&licence_statuses)?;
        let mut anchors = load_all(&anchors)?;
        let mut intermediates = load_all(&intermediates)?;
        let crls = load_all(&crls)?;
        let offline = if trust_lists.is_empty() {
            None
        } else {
            let mut pins = Vec::new();
            for p in &trust_pins {
                pins.push(
                    hex::decode(p.trim())
                        .ok()
                        .and_then(|b| <[u8; 32]>::try_from(b).ok())
                        .ok_or(format!("--trust-pin {p}: not a SHA-256 in hex"))?,
                );
            }
            let mut signed = Vec::new();
            for f in &trust_lists {
                signed.push(
                    std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?,
                );
            }
            let t =
                crate::trust::offline::OfflineTrust::load(&signed, &pins, crate::clock::now_secs())
                    .map_err(|e| format!("trust list: {e}"))?;
            let (a, i) = crate::verify::hook::TrustSource::anchors(&t);
            anchors.extend(a);
            intermediates.extend(i);
            Some(t)
        };
        let mut offline = offline;
        if fetch_revocation {
            let allow = allow_list(&allow_urls, data_dir.as_deref())?;
            relying = Some(RelyingParty::new(
                allow,
                &anchors,
                &intermediates,
                offline.take(),
            ));
        }
        let trust = match &relying {
            Some(r) => Some(r as &dyn crate::verify::hook::TrustSource),
            None => offline
                .as_ref()
                .map(|t| t as &dyn crate::verify::hook::TrustSource),
        };
        let revocation = if no_revocation {
            crate::verify::path::RevocationMode::Off
        } else {
            crate::verify::path::RevocationMode::Require
        };
        let data = match &data {
            Some(p) => {
                Some(std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?)
            }
            None => None,
        };
        let context = crate::verify::context::Context::builder()
            .anchors(&anchors)
            .intermediates(&intermediates)
            .crls(crls)
            .revocation(revocation)
            .seal_makers(
                load_all(&seal_makers)?
                    .iter()
                    .map(|c| crate::crypto::sha256(c)),
            )
            .no_anchor_constraints(no_anchor_constraints)
            .seal_status(load_all(&seal_statuses)?)
            .shared();
        let mut opts = crate::seal::verify::VerifyOptions {
            context,
            trust,
            registry: None,
            data: None,
            now: crate::clock::now_secs(),
        };
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        };
        let licence_trust: Option<&dyn LicenceTrust> = match &relying {
            Some(r) => Some(r),
            None => offline.as_ref().map(|t| t as &dyn LicenceTrust),
        };
        let catalogue = crate::licence::Catalogue::builtin();
        if let Some(text) = &qr {
            let v = Verifier {
                trust: licence_trust,
                statuses: &statuses,
                ..Verifier::new(&catalogue, &opts)
            };
            let r = runtime()?.block_on(v.qr(text));
            return Ok((
                r.indication,
                serde_json::to_value(&r).unwrap_or_default(),
                licence_summary(&r),
            ));
        }
        if obj.starts_with(b"%PDF-") {
            let r = runtime()?
                .block_on(crate::document::pdf::verify(&obj, &opts))
                .map_err(|e| e.to_string())?;
            let mut summary = document_head(
                head(r.indication, None),
                "PDF",
                r.signatures.len(),
                &r.detail,
            );
            for sig in &r.signatures {
                summary.push_str(&signature_line(
                    &sig.field,
                    &sig.sub_filter,
                    head(sig.indication, sig.sub_indication),
                    &sig.detail,
                ));
            }
            return Ok((
                r.indication,
                serde_json::to_value(&r).unwrap_or_default(),
                summary,
            ));
        }
        if obj.starts_with(b"PK") || obj.windows(4).take(1 << 16).any(|w| w == b"PK\x03\x04") {
            // An OFD package.
            let rt = runtime()?;
            let pkg = crate::document::ofd::Package::from_bytes(&obj).ok();
            let r = match &pkg {
                Some(p) => rt.block_on(crate::document::ofd::verify_package(p, &opts)),
                None => rt.block_on(crate::document::ofd::verify(&obj, &opts)),
            };
            let mut summary = document_head(
                head(r.indication, r.sub_indication),
                "OFD",
                r.signatures.len(),
                &r.detail,
            );
            for sig in &r.signatures {
                summary.push_str(&signature_line(
                    &sig.id,
                    &sig.kind,
                    head(sig.indication, None),
                    &sig.detail,
                ));
                for f in &sig.failed_files {
                    summary.push_str(&format!("\n    changed after signing: {f}"));
                }
                for f in &sig.uncovered {
                    summary.push_str(&format!("\n    not protected by this signature: {f}"));
                }
            }
            for w in &r.warnings {
                summary.push_str(&format!("\n  warning: {w}"));
            }
            if let Some(p) = pkg.filter(crate::licence::verify::is_licence) {
                // An e-licence: its verdict is the answer (it needs the OFD's to pass).
                let v = Verifier {
                    trust: licence_trust,
                    statuses: &statuses,
                    ..Verifier::new(&catalogue, &opts)
                };
                let l = rt.block_on(v.ofd(&r, &p));
                summary = format!("{}\n{summary}", licence_summary(&l));
                return Ok((
                    l.indication,
                    crate::licence::verify::ofd_with_licence(&r, &l),
                    summary,
                ));
            }
            return Ok((
                r.indication,
                serde_json::to_value(&r).unwrap_or_default(),
                summary,
            ));
        }
        if !matches!(crate::seal::detect(&obj), crate::seal::Detected::Unknown(_)) {
            opts.data = data.as_deref();
            let rt = runtime()?;
            let r = rt.block_on(crate::seal::service::verify(&obj, &opts));
            let mut summary = format!("{}  ({})", head(r.indication, r.sub_indication), r.object);
            for s in &r.steps {
                summary.push_str(&format!(
                    "\n  {} {:<22} {:<13} {}",
                    s.step, s.name, s.outcome, s.detail
                ));
            }
            return Ok((
                r.indication,
                serde_json::to_value(&r).unwrap_or_default(),
                summary,
            ));
        }
        if crate::document::cms::embedded_content(&obj).is_ok() {
            let rt = runtime()?;
            let r = rt.block_on(crate::document::cms::verify_with_options(
                &obj,
                data.as_deref().unwrap_or_default(),
                &opts,
            ));
            let summary = format!(
                "{}  (CMS) {}",
                head(r.indication, r.sub_indication),
                r.detail
            );
            return Ok((
                r.indication,
                serde_json::to_value(&r).unwrap_or_default(),
                summary,
            ));
        }
        if crate::verify::cert::Cert::shared(&obj).is_ok() {
            let r = runtime()?.block_on(crate::verify::chain::validate_for(
                &obj,
                &[],
                opts.now,
                purpose,
                &opts.chain_inputs(),
            ));
            let summary = format!(
                "{}  (certificate){}{}",
                head(r.indication, r.sub_indication),
                r.failure
                    .as_ref()
                    .map(|f| format!("\n  {}", f.rule))
                    .unwrap_or_default(),
                r.recognition
                    .as_ref()
                    .map(|g| format!("\n  {}", g.summary))
                    .unwrap_or_default()
            );
            return Ok((
                r.indication,
                serde_json::to_value(&r).unwrap_or_default(),
                summary,
            ));
        }
        Err("not a certificate, a seal, an electronic signature, an OFD, a PDF or a CMS".into())
    };
    let result = run();
    match result {
        Err(e) => {
            super::locale::print_error(&e);
            3
        }
        Ok(mut out) => {
            if let Some(rp) = &relying {
                add_network(&mut out, rp);
            }
            let (ind, full, summary) = out;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&full).unwrap_or_default()
                );
            } else {
                println!("{summary}");
            }
            match ind {
                Indication::TotalPassed => 0,
                Indication::TotalFailed => 1,
                Indication::Indeterminate => 2,
            }
        }
    }
}

/// The summary of an e-licence report: the indication, the licence, its status, each check.
fn licence_summary(r: &LicenceReport) -> String {
    let mut out = format!(
        "{}  ({} {}) {}",
        head(r.indication, r.sub_indication),
        r.object,
        r.identifier.as_deref().unwrap_or("?"),
        r.detail
    );
    if let Some(k) = &r.kind {
        out.push_str(&format!("\n  kind: {} ({})", k.name.zh, k.key));
    }
    out.push_str(&format!(
        "\n  status: {}{}",
        r.status,
        r.status_source
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    ));
    if let Some(c) = &r.current_identifier {
        out.push_str(&format!("\n  current version: {c}"));
    }
    for c in &r.checks {
        let outcome = serde_json::to_value(c.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!("\n  {:<16} {:<13} {}", c.check, outcome, c.detail));
    }
    out
}

/// The indication line of a summary in the CLI's language: `TOTAL_FAILED / HASH_FAILURE`, in
/// zh-CN with the meaning of each code beside it (every report kind shares these codes).
fn head(ind: Indication, sub: Option<crate::verify::report::SubIndication>) -> String {
    super::locale::indication_line(super::locale::lang(), ind, sub)
}
