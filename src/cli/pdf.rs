//! `yinxin extend`, and the PDF branches of `yinxin sign` and `seal apply`: signing, sealing
//! and extending PDFs with the signer's own certificate and key; validation data (B-LT) from a
//! region's data directory — its CA certificates and the newest full CRL of each (the CRL of
//! an issuing CA covers its end-entity certificates; OCSP responses come from the service).
//!
//! Owns: those commands' PDF handling. Must not import `api` or `app`.

use super::common::{DataArgs, open_store, write_new};
use super::tsa_client::fetch_timestamp;
use super::{CliError, Command};
use crate::crypto::Algorithm;
use crate::document::pdf::{Level, ValidationData};
use crate::pki::repo::Repository;
use crate::status::service::StatusRepository;

/// Whether `bytes` is a PDF.
pub(super) fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// The validation data of `certs` from the region in `data` (see the module doc).
pub(super) async fn region_validation_data(
    data: &DataArgs,
    certs: &[Vec<u8>],
) -> Result<ValidationData, CliError> {
    let (_, store) = open_store(data).await?;
    let cas = store.cas().await?;
    let ders: Vec<Vec<u8>> = cas.iter().map(|c| c.der.clone()).collect();
    let needs = crate::document::pdf::dss::needs(certs, &ders);
    let mut out = ValidationData::default();
    for &i in &needs.cas {
        out.certs.push(ders[i].clone());
        if let Some(crl) = store.latest_crl(&cas[i].id, false).await? {
            out.crls.push(crl.der);
        }
    }
    Ok(out)
}

/// A blocking time-stamp callback over HTTP (`url`), keeping the first failure in `error`.
pub(super) fn blocking_tsa<'a>(
    url: &'a str,
    alg: Algorithm,
    error: &'a std::cell::RefCell<Option<CliError>>,
) -> impl Fn(&[u8]) -> Option<Vec<u8>> + 'a {
    move |bytes: &[u8]| {
        let got = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(fetch_timestamp(url, bytes, alg))
        });
        match got {
            Ok(t) => Some(t),
            Err(e) => {
                error.borrow_mut().get_or_insert(e);
                None
            }
        }
    }
}

/// Extend `pdf` to `level` with the region's validation data and `tsa`.
pub(super) async fn extend_pdf(
    pdf: &[u8],
    level: Level,
    data: &DataArgs,
    tsa: Option<&str>,
) -> Result<Vec<u8>, CliError> {
    if level < Level::BLT {
        return Ok(pdf.to_vec());
    }
    let url = match (level, tsa) {
        (Level::BLTA, None) => {
            return Err(CliError(
                "B-LTA needs --tsa (the document time-stamp's TSA)".into(),
            ));
        }
        (_, u) => u.unwrap_or_default(),
    };
    let certs = crate::document::pdf::certificates(pdf)?;
    let vd = region_validation_data(data, &certs).await?;
    // The document time-stamp in the family of the signatures: SM3 for the vendors' SM2 ones.
    let alg = if pdf.windows(20).any(|w| w == b"/adbe.pkcs7.detached") {
        Algorithm::Sm2
    } else {
        Algorithm::P256
    };
    let error = std::cell::RefCell::new(None);
    let ts = blocking_tsa(url, alg, &error);
    let out =
        crate::document::pdf::extend(pdf, level, &|_| vd.clone(), &ts, crate::clock::now_secs());
    drop(ts);
    if let Some(e) = error.into_inner() {
        return Err(e);
    }
    Ok(out?)
}

/// Run `extend`.
pub(super) async fn extend(cmd: Command) -> Result<(), CliError> {
    let Command::Extend {
        data,
        input,
        out,
        level,
        tsa,
    } = cmd
    else {
        unreachable!("cli::run dispatches only extend here")
    };
    let level: Level = level.parse().map_err(CliError)?;
    if level < Level::BLT {
        return Err(CliError("--level takes B-LT or B-LTA".into()));
    }
    let pdf = std::fs::read(&input)
        .map_err(|e| CliError(format!("cannot read {}: {e}", input.display())))?;
    if !is_pdf(&pdf) {
        return Err(CliError(format!("{} is not a PDF", input.display())));
    }
    let extended = extend_pdf(&pdf, level, &data, tsa.as_deref()).await?;
    write_new(&out, &extended, false)?;
    println!(
        "{}",
        serde_json::json!({"out": out.display().to_string(), "level": level.as_str(), "bytes": extended.len()})
    );
    Ok(())
}
