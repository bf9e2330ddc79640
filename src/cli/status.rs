//! `yinxin crl` and `timestamp`: a CRL made offline, and a file time-stamped by a TSA.
//!
//! Owns: those commands' handling and output (their arguments are in the `Command` tree of
//! `mod.rs`). Must not import `api` or `store`.

use super::common::passphrase;
use super::tsa_client::http_post;
use super::{CliError, Command};
use crate::app;

/// Run `crl` or `timestamp`.
pub(super) async fn run(cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Crl {
            data,
            ca,
            delta,
            out,
            key_passphrase_file,
        } => {
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            let rec = app::generate_crl(
                &data.data_dir,
                data.database_url.as_deref(),
                &ca,
                delta,
                &pass,
            )
            .await?;
            let ca_id = rec.ca_id.clone();
            std::fs::write(&out, &rec.der)
                .map_err(|e| CliError(format!("cannot write {}: {e}", out.display())))?;
            println!(
                "{}",
                serde_json::json!({
                    "ca": ca_id, "number": rec.number, "base_number": rec.base_number, "entries": rec.entries,
                    "this_update": crate::clock::rfc3339(rec.this_update), "next_update": crate::clock::rfc3339(rec.next_update),
                    "out": out.display().to_string(),
                })
            );
        }
        Command::Timestamp {
            input,
            out,
            url,
            hash,
            data_dir,
        } => {
            use crate::status::tsp;
            let hash: tsp::TsHash = hash
                .parse()
                .map_err(|e: tsp::TspError| CliError(format!("--hash: {e}")))?;
            let url = match url {
                Some(u) => u,
                None => format!(
                    "{}/tsa",
                    crate::config::Config::load(&data_dir)?
                        .service
                        .public_base_url
                        .trim_end_matches('/')
                ),
            };
            let data = std::fs::read(&input)
                .map_err(|e| CliError(format!("cannot read {}: {e}", input.display())))?;
            let digest = hash.digest(&data);
            let mut nonce = [0u8; 8];
            crate::crypto::random_bytes(&mut nonce)?;
            nonce[0] &= 0x7f;
            let req = tsp::build_request(hash, &digest, Some(&nonce), true)?;
            let resp = http_post(&url, "application/timestamp-query", req).await?;
            let parsed = tsp::parse_response(&resp).map_err(|e| {
                CliError(format!(
                    "the TSA answered something that is not a TimeStampResp: {e}"
                ))
            })?;
            let Some(token) = parsed.token.as_ref() else {
                return Err(CliError(format!(
                    "the TSA refused: {:?} {}",
                    parsed.failures(),
                    parsed.status_text.join("; ")
                )));
            };
            if token.message_imprint().hashed_message.as_bytes() != digest.as_slice() {
                return Err(CliError(
                    "the token does not time-stamp this file (imprint differs)".into(),
                ));
            }
            if token.nonce().map(|n| {
                n.iter()
                    .skip_while(|b| **b == 0)
                    .copied()
                    .collect::<Vec<_>>()
            }) != Some(nonce.iter().skip_while(|b| **b == 0).copied().collect())
            {
                return Err(CliError(
                    "the token does not answer this request (nonce differs)".into(),
                ));
            }
            let cert = token
                .signer_certificate()
                .ok_or_else(|| CliError("the token carries no TSA certificate".into()))?;
            token
                .verify_signature(cert)
                .map_err(|e| CliError(format!("the token's signature does not verify: {e}")))?;
            std::fs::write(&out, &resp)
                .map_err(|e| CliError(format!("cannot write {}: {e}", out.display())))?;
            println!(
                "{}",
                serde_json::json!({
                    "status": "granted",
                    "serial": hex::encode_upper(token.serial()),
                    "gen_time_ms": token.gen_time_unix_millis(),
                    "policy": token.policy().to_string(),
                    "hash": hash.to_string(),
                    "out": out.display().to_string(),
                })
            );
        }
        _ => unreachable!("cli::run dispatches only crl and timestamp here"),
    }
    Ok(())
}
