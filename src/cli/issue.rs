//! `yinxin issue`, `show`, `revoke` and `list`: certificates of the region.
//!
//! Owns: those commands' handling and output (their arguments are in the `Command` tree of
//! `mod.rs`). Must not import `api` or `app`.

use super::common::{actor, passphrase, write_new};
use super::{CliError, Command};
use crate::crypto::{Algorithm, Passphrase};
use crate::pki::authority::{IssueRequest, KeySource};
use crate::pki::region::Region;
use crate::pki::repo::{CertStatus, CertificateFilter};
use crate::store::SqlConnector;

/// Run `issue`, `show`, `revoke` or `list`.
pub(super) async fn run(cmd: Command) -> Result<(), CliError> {
    let connector = SqlConnector;
    match cmd {
        Command::Issue {
            data,
            profile,
            algorithm,
            csr,
            generate_key,
            key_passphrase_file,
            subject,
            days,
            out,
            ca_passphrase_file,
        } => {
            let algorithm: Algorithm = algorithm.parse()?;
            let subject_text = std::fs::read_to_string(&subject)
                .map_err(|e| CliError(format!("cannot read {}: {e}", subject.display())))?;
            let subject_json: serde_json::Value = serde_json::from_str(&subject_text)
                .map_err(|e| CliError(format!("{}: not valid JSON: {e}", subject.display())))?;
            let key = match (csr, generate_key) {
                (Some(path), false) => KeySource::Csr(
                    std::fs::read(&path)
                        .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?,
                ),
                (None, true) => {
                    let f = key_passphrase_file.ok_or_else(|| {
                        CliError("--generate-key needs --key-passphrase-file".into())
                    })?;
                    KeySource::Generate(Passphrase::from_file(&f)?)
                }
                _ => {
                    return Err(CliError(
                        "give exactly one of --csr or --generate-key".into(),
                    ));
                }
            };
            std::fs::create_dir_all(&out)
                .map_err(|e| CliError(format!("cannot create {}: {e}", out.display())))?;
            for f in ["cert.pem", "chain.pem", "key.pem"] {
                if out.join(f).exists() {
                    return Err(CliError(format!(
                        "{} exists: refusing to overwrite",
                        out.join(f).display()
                    )));
                }
            }
            let ca_pass = passphrase(ca_passphrase_file.as_deref(), "key store passphrase")?;
            let region =
                Region::open(&data.data_dir, data.database_url.as_deref(), &connector).await?;
            let authority = region.authority(&ca_pass, &[algorithm]).await?;
            let actor = actor();
            let issued = authority
                .issue(IssueRequest {
                    profile,
                    algorithm,
                    subject: subject_json,
                    key,
                    validity_days: days,
                    actor,
                    scope: None,
                })
                .await?;
            write_new(
                &out.join("cert.pem"),
                issued.certificate_pem.as_bytes(),
                false,
            )?;
            write_new(&out.join("chain.pem"), issued.chain_pem.as_bytes(), false)?;
            if let Some(k) = &issued.encrypted_key_pem {
                write_new(&out.join("key.pem"), k.as_bytes(), true)?;
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&issued.record.to_json())?
            );
        }
        Command::Show { data, serial, pem } => {
            let region =
                Region::open(&data.data_dir, data.database_url.as_deref(), &connector).await?;
            let rec = region
                .repo
                .certificate(&serial)
                .await?
                .ok_or_else(|| CliError(format!("no certificate with serial {serial}")))?;
            if pem {
                print!("{}", crate::pki::cert::to_pem(&rec.der));
            } else {
                println!("{}", serde_json::to_string_pretty(&rec.to_json())?);
            }
        }
        Command::Revoke {
            data,
            serial,
            reason,
            invalidity_date,
        } => {
            let reason = crate::pki::revocation::RevocationReason::parse(&reason)
                .ok_or_else(|| CliError(format!("unknown reason '{reason}'")))?;
            let invalidity_date = match invalidity_date {
                Some(t) => Some(
                    time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| {
                            CliError(format!("--invalidity-date: '{t}' is not an RFC 3339 time"))
                        })?
                        .unix_timestamp(),
                ),
                None => None,
            };
            let region =
                Region::open(&data.data_dir, data.database_url.as_deref(), &connector).await?;
            let actor = actor();
            let req = crate::pki::revocation::RevokeRequest {
                serial: &serial,
                reason,
                invalidity_date,
                actor: &actor,
                scope: None,
                now: crate::clock::now_secs(),
            };
            let (rec, changed) = crate::pki::revocation::revoke(region.repo.as_ref(), &req).await?;
            let mut v = rec.to_json();
            v["changed"] = serde_json::Value::Bool(changed);
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Command::List {
            data,
            profile,
            status,
            after,
            limit,
        } => {
            let status = match status {
                Some(s) => Some(CertStatus::parse(&s).ok_or_else(|| {
                    CliError(format!("unknown status '{s}' (valid, revoked, hold)"))
                })?),
                None => None,
            };
            if !(1..=1000).contains(&limit) {
                return Err(CliError("--limit must be between 1 and 1000".into()));
            }
            let region =
                Region::open(&data.data_dir, data.database_url.as_deref(), &connector).await?;
            let filter = CertificateFilter {
                profile,
                status,
                after,
                limit,
                ..Default::default()
            };
            for r in region.repo.certificates(&filter).await? {
                println!("{}", serde_json::to_string(&r.to_json())?);
            }
        }
        _ => unreachable!("cli::run dispatches only issue, show, revoke and list here"),
    }
    Ok(())
}
