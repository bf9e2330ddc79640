//! `yinxin sign`, `seal apply` and `seal sign`: signing a file or an OFD, sealing an OFD, and
//! stamping a file with a seal, with the signer's own certificate and key.
//!
//! Owns: those commands' handling and output (their arguments are in `Command` for `sign`
//! and in [`super::seal::SealCommand`]). Must not import `api` or `app`.

use super::common::{load_signer, open_store, read_objects, write_new};
use super::seal::SealCommand;
use super::tsa_client::fetch_timestamp;
use super::{CliError, Command};
use crate::crypto::Passphrase;
use crate::seal::service::{self as seals, SealRepository};

/// Run `sign`.
pub(super) async fn sign(cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Sign {
            cert,
            key,
            key_passphrase_file,
            chain,
            input,
            out,
            ofd,
            tsa,
            pdf,
            level,
            data_dir,
            certify,
        } => {
            let (signer, cert_der) = load_signer(&cert, &key, &key_passphrase_file)?;
            let alg = crate::crypto::Signer::algorithm(&signer);
            // The signing code asks for the timestamp synchronously: block this worker on the
            // HTTP exchange, and keep the first failure to report it.
            let ts_error: std::cell::RefCell<Option<CliError>> = std::cell::RefCell::new(None);
            let ts_fn = |sig: &[u8]| -> Option<Vec<u8>> {
                let url = tsa.as_deref()?;
                let got = tokio::task::block_in_place(|| {
                    tokio::runtime::Handle::current().block_on(fetch_timestamp(url, sig, alg))
                });
                match got {
                    Ok(t) => Some(t),
                    Err(e) => {
                        ts_error.borrow_mut().get_or_insert(e);
                        None
                    }
                }
            };
            let ts: Option<crate::document::cms::TimestampFn<'_>> = tsa
                .as_ref()
                .map(|_| &ts_fn as crate::document::cms::TimestampFn<'_>);
            let mut chain_der = Vec::new();
            for c in &chain {
                chain_der.extend(read_objects(c).map_err(CliError)?);
            }
            let content = std::fs::read(&input)
                .map_err(|e| CliError(format!("cannot read {}: {e}", input.display())))?;
            let now = crate::clock::now_secs();
            let out_name = out.display().to_string();
            let pdf = pdf || (!ofd && super::pdf::is_pdf(&content));
            let level: Option<crate::document::pdf::Level> = if pdf {
                let default = if tsa.is_some() { "B-T" } else { "B-B" };
                Some(
                    level
                        .as_deref()
                        .unwrap_or(default)
                        .parse()
                        .map_err(CliError)?,
                )
            } else if level.is_some() || certify.is_some() {
                return Err(CliError("--level and --certify are for PDFs".into()));
            } else {
                None
            };
            let (bytes, summary) = if let Some(level) = level {
                use crate::document::pdf::Level;
                if level >= Level::BT && tsa.is_none() {
                    return Err(CliError(format!("{} needs --tsa", level.as_str())));
                }
                if level >= Level::BLT && data_dir.is_none() {
                    return Err(CliError(format!(
                        "{} needs --data-dir (the region whose CA certificates and CRLs go into the DSS)",
                        level.as_str()
                    )));
                }
                if !super::pdf::is_pdf(&content) {
                    return Err(CliError(format!("{} is not a PDF", input.display())));
                }
                let certify = match certify.as_deref() {
                    None => None,
                    Some(c) => Some(
                        serde_json::from_value::<crate::document::pdf::DocMdp>(
                            serde_json::Value::String(c.to_string()),
                        )
                        .map_err(|_| {
                            CliError(format!(
                                "--certify takes no-changes, form-fill or annotations, not {c:?}"
                            ))
                        })?,
                    ),
                };
                let opts = crate::document::pdf::SignOptions {
                    time: now,
                    certify,
                    ..Default::default()
                };
                let ts = if level >= Level::BT { ts } else { None };
                let signed = crate::document::pdf::sign(
                    &content, &signer, &cert_der, &chain_der, &opts, ts,
                )?;
                if let Some(e) = ts_error.borrow_mut().take() {
                    return Err(e);
                }
                let signed = match &data_dir {
                    Some(d) if level >= Level::BLT => {
                        let data = super::common::DataArgs {
                            data_dir: d.clone(),
                            database_url: None,
                        };
                        super::pdf::extend_pdf(&signed, level, &data, tsa.as_deref()).await?
                    }
                    _ => signed,
                };
                (
                    signed,
                    serde_json::json!({"out": out_name, "type": "PDF", "level": level.as_str()}),
                )
            } else if ofd {
                let signed = crate::document::ofd_write::sign_ofd(
                    &content, &signer, &cert_der, &chain_der, now, ts,
                )?;
                (signed, serde_json::json!({"out": out_name, "type": "Sign"}))
            } else {
                let p7s = crate::document::cms::sign_detached(
                    &content, &signer, &cert_der, &chain_der, now, ts,
                )?;
                let n = p7s.len();
                (p7s, serde_json::json!({"out": out_name, "bytes": n}))
            };
            if let Some(e) = ts_error.into_inner() {
                return Err(e);
            }
            write_new(&out, &bytes, false)?;
            println!("{summary}");
        }
        _ => unreachable!("cli::run dispatches only sign here"),
    }
    Ok(())
}

/// Run `seal apply` or `seal sign`.
pub(super) async fn seal(cmd: SealCommand) -> Result<(), CliError> {
    match cmd {
        SealCommand::Apply {
            data,
            seal,
            input,
            out,
            page,
            at,
            keyword,
            cert,
            key,
            key_passphrase_file,
            tsa,
        } => {
            let (_, store) = open_store(&data).await?;
            let rec = store
                .seal(&seal)
                .await?
                .ok_or_else(|| CliError(format!("no seal {seal}")))?;
            let (signer, cert_der) = load_signer(&cert, &key, &key_passphrase_file)?;
            let placement = match (at, keyword) {
                (_, Some(k)) => crate::document::ofd_write::Placement::Keyword(k),
                (Some(xy), None) => {
                    let (x, y) = xy
                        .split_once(',')
                        .ok_or_else(|| CliError("--at takes X,Y in mm".into()))?;
                    let p = |v: &str| {
                        v.trim()
                            .parse::<f64>()
                            .map_err(|_| CliError(format!("--at: '{v}' is not a number")))
                    };
                    crate::document::ofd_write::Placement::At {
                        page: page.saturating_sub(1),
                        x_mm: p(x)?,
                        y_mm: p(y)?,
                    }
                }
                (None, None) => crate::document::ofd_write::Placement::At {
                    page: page.saturating_sub(1),
                    x_mm: 20.0,
                    y_mm: 20.0,
                },
            };
            let doc = std::fs::read(&input)
                .map_err(|e| CliError(format!("cannot read {}: {e}", input.display())))?;
            if super::pdf::is_pdf(&doc) {
                let at = match placement {
                    crate::document::ofd_write::Placement::At { page, x_mm, y_mm } => {
                        crate::document::pdf::SealPlacement::At { page, x_mm, y_mm }
                    }
                    crate::document::ofd_write::Placement::Keyword(k) => {
                        crate::document::pdf::SealPlacement::Keyword(k)
                    }
                };
                // The CA certificates of the signer's path, from the region, carried in the CMS.
                let cas: Vec<Vec<u8>> = crate::pki::repo::Repository::cas(&store)
                    .await?
                    .into_iter()
                    .map(|c| c.der)
                    .collect();
                let chain: Vec<Vec<u8>> =
                    crate::document::pdf::dss::needs(std::slice::from_ref(&cert_der), &cas)
                        .cas
                        .into_iter()
                        .map(|i| cas[i].clone())
                        .collect();
                let alg = crate::crypto::Signer::algorithm(&signer);
                let error = std::cell::RefCell::new(None);
                let url = tsa.as_deref().unwrap_or_default();
                let ses_ts = super::pdf::blocking_tsa(url, crate::crypto::Algorithm::Sm2, &error);
                let ts = super::pdf::blocking_tsa(url, alg, &error);
                let (ses_ts, ts): (
                    Option<crate::document::cms::TimestampFn<'_>>,
                    Option<crate::document::cms::TimestampFn<'_>>,
                ) = if tsa.is_some() {
                    (Some(&ses_ts), Some(&ts))
                } else {
                    (None, None)
                };
                let sealed = crate::document::pdf::seal(
                    &doc,
                    &rec,
                    &signer,
                    &cert_der,
                    &chain,
                    &at,
                    &crate::document::pdf::SignOptions {
                        field_name: "Seal1".into(),
                        ..Default::default()
                    },
                    ses_ts,
                    ts,
                );
                if let Some(e) = error.borrow_mut().take() {
                    return Err(e);
                }
                write_new(&out, &sealed?, false)?;
                println!(
                    "{}",
                    serde_json::json!({"seal": rec.id, "out": out.display().to_string(), "type": "PDF"})
                );
                return Ok(());
            }
            let sealed = crate::document::ofd_write::seal_ofd(
                &doc,
                &rec,
                &signer,
                &cert_der,
                placement,
                crate::clock::now_secs(),
                None,
            )?;
            write_new(&out, &sealed, false)?;
            println!(
                "{}",
                serde_json::json!({"seal": rec.id, "out": out.display().to_string()})
            );
        }
        SealCommand::Sign {
            data,
            seal,
            input,
            out,
            cert,
            key,
            key_passphrase_file,
            tsa,
        } => {
            let (_, store) = open_store(&data).await?;
            let rec = store
                .seal(&seal)
                .await?
                .ok_or_else(|| CliError(format!("no seal {seal}")))?;
            let cert_der = read_objects(&cert)
                .map_err(CliError)?
                .into_iter()
                .next()
                .ok_or_else(|| CliError("no certificate in --cert".into()))?;
            let pass = Passphrase::from_file(&key_passphrase_file)?;
            let pem = std::fs::read_to_string(&key)
                .map_err(|e| CliError(format!("cannot read {}: {e}", key.display())))?;
            let signer = crate::crypto::PrivateKey::from_encrypted_pem(&pem, &pass, "signer key")?
                .signer()?;
            let content = std::fs::read(&input)
                .map_err(|e| CliError(format!("cannot read {}: {e}", input.display())))?;
            let hash = crate::crypto::sm3(&content);
            // The timestamp is fetched over HTTP from inside a blocking closure: get it first
            // for a throw-away signature is not possible, so sign, then ask the TSA, then assemble.
            let name = input
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("data")
                .to_string();
            let now = crate::clock::now_secs();
            let unsigned = seals::stamp(&rec, &hash, &name, &signer, &cert_der, now, None)?;
            let parsed = crate::seal::SesSignature::from_der(&unsigned)?;
            let token = match tsa {
                Some(url) => Some(
                    fetch_timestamp(&url, &parsed.signature, crate::crypto::Algorithm::Sm2).await?,
                ),
                None => None,
            };
            let signed = crate::seal::SesSignature::assemble_v4(
                &parsed.tbs_bytes,
                &cert_der,
                &parsed.signature,
                token.as_deref(),
            )?;
            write_new(&out, &signed, false)?;
            println!(
                "{}",
                serde_json::json!({"seal": rec.id, "out": out.display().to_string(), "timestamp": token.is_some()})
            );
        }
        _ => unreachable!("seal::run dispatches only apply and sign here"),
    }
    Ok(())
}
