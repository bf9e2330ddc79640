//! `yinxin token create | revoke`: operator tokens (the secret printed once, stored hashed).
//!
//! Owns: the token commands' arguments and output, and creating a token (also for
//! `quickstart`). Must not import `api` or `app`.

use super::CliError;
use super::common::{DataArgs, actor, open_store, passphrase};
use crate::crypto::Passphrase;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(super) enum TokenCommand {
    /// Create a token; the secret is printed once and stored only as a hash.
    Create {
        #[command(flatten)]
        data: DataArgs,
        /// admin, registrar, auditor, seal-admin, signer, region-peer, licence-issuer, registration-authority or relying-agency.
        #[arg(long)]
        role: String,
        /// Bind a registrar, seal-admin or licence-issuer to an organization (unified social credit code).
        #[arg(long)]
        org: Option<String>,
        /// Signer and licence-issuer tokens: the serial of the certificate they sign or seal with.
        #[arg(long, requires = "key")]
        cert: Option<String>,
        /// Signer and licence-issuer tokens: that certificate's key (encrypted PKCS#8 PEM),
        /// imported into the key store for server-side stamping (云签章).
        #[arg(long, requires = "key_passphrase_file")]
        key: Option<PathBuf>,
        /// File with the passphrase of --key.
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE), for --key.
        #[arg(long)]
        ca_passphrase_file: Option<PathBuf>,
        /// Validity in days.
        #[arg(long, default_value_t = 90)]
        expires: u32,
    },
    /// Revoke a token by id.
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        /// Token id.
        id: String,
    },
}

/// Run a token command.
pub(super) async fn run(command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Create {
            data,
            role,
            org,
            cert,
            key,
            key_passphrase_file,
            ca_passphrase_file,
            expires,
        } => {
            let role = crate::auth::Role::parse(&role).ok_or_else(|| {
                CliError(format!(
                    "unknown role '{role}' (admin, registrar, auditor, seal-admin, signer, region-peer, licence-issuer, registration-authority, relying-agency)"
                ))
            })?;
            let holds_key = role == crate::auth::Role::Signer || role.is_agency();
            if holds_key != cert.is_some() {
                return Err(CliError(
                    "signer, licence-issuer and registration-authority tokens need --cert and --key; other roles take neither"
                        .into(),
                ));
            }
            if (role.is_agency() || role == crate::auth::Role::RelyingAgency) && org.is_none() {
                return Err(CliError(format!(
                    "{} tokens need --org (the agency's credit code)",
                    role.as_str()
                )));
            }
            let (_, store) = open_store(&data).await?;
            if let (Some(serial), Some(key)) = (&cert, &key) {
                // Import the signer's key: decrypt with its passphrase, check it matches the
                // certificate, store it under the key store passphrase.
                use crate::pki::repo::Repository;
                let rec = store
                    .certificate(serial)
                    .await?
                    .ok_or_else(|| CliError(format!("no certificate with serial {serial}")))?;
                if role.is_agency() && rec.organization != org {
                    return Err(CliError(format!(
                        "certificate {serial} is not the agency's (--org): a {} token stamps with its agency's own certificate",
                        role.as_str()
                    )));
                }
                let kp = Passphrase::from_file(
                    key_passphrase_file
                        .as_deref()
                        .ok_or_else(|| CliError("--key needs --key-passphrase-file".into()))?,
                )?;
                let pem = std::fs::read_to_string(key)
                    .map_err(|e| CliError(format!("cannot read {}: {e}", key.display())))?;
                let k = crate::crypto::PrivateKey::from_encrypted_pem(&pem, &kp, "signer key")?;
                let cert_spki = crate::verify::cert::Cert::from_der(&rec.der)
                    .map_err(CliError)?
                    .spki_der;
                if k.public_key_spki_der()? != cert_spki {
                    return Err(CliError(
                        "the key does not belong to the certificate".into(),
                    ));
                }
                let ca_pass = passphrase(ca_passphrase_file.as_deref(), "key store passphrase")?;
                let ks = crate::crypto::KeyStore::new(crate::pki::region::key_dir(&data.data_dir));
                let id = format!("signer-{}", rec.serial);
                if !ks.contains(&id) {
                    ks.save(&id, &k, &ca_pass)?;
                }
            }
            let actor = actor();
            let t = create_token_bound(
                &store,
                role,
                org,
                cert.map(|c| c.to_ascii_uppercase()),
                expires,
                &actor,
            )
            .await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "id": t.record.id,
                    "token": t.secret.as_str(),
                    "role": t.record.role,
                    "organization": t.record.organization,
                    "expires_at": crate::clock::rfc3339(t.record.expires_at),
                }))?
            );
        }
        TokenCommand::Revoke { data, id } => {
            use crate::pki::repo::TokenRepository;
            let (_, store) = open_store(&data).await?;
            let actor = actor();
            let audit =
                crate::pki::repo::AuditEvent::now(&actor, "token.revoke", &id, "success", "");
            if !store
                .revoke_token(&id, crate::clock::now_secs(), &audit)
                .await?
            {
                return Err(CliError(format!("no token with id {id}")));
            }
            println!("{}", serde_json::json!({"id": id, "revoked": true}));
        }
    }
    Ok(())
}

pub(super) async fn create_token(
    store: &crate::store::Store,
    role: crate::auth::Role,
    org: Option<String>,
    days: u32,
    actor: &str,
) -> Result<crate::auth::NewToken, CliError> {
    create_token_bound(store, role, org, None, days, actor).await
}

async fn create_token_bound(
    store: &crate::store::Store,
    role: crate::auth::Role,
    org: Option<String>,
    certificate: Option<String>,
    days: u32,
    actor: &str,
) -> Result<crate::auth::NewToken, CliError> {
    use crate::pki::repo::TokenRepository;
    if let Some(o) = &org {
        crate::pki::identifiers::check_credit_code(o)
            .map_err(|e| CliError(format!("--org: {e}")))?;
        if !matches!(
            role,
            crate::auth::Role::Registrar
                | crate::auth::Role::SealAdmin
                | crate::auth::Role::LicenceIssuer
                | crate::auth::Role::RegistrationAuthority
                | crate::auth::Role::RelyingAgency
        ) {
            return Err(CliError(
                "--org binds registrar, seal-admin, licence-issuer, registration-authority and relying-agency tokens only".into(),
            ));
        }
    }
    if days == 0 || days > 3650 {
        return Err(CliError("--expires must be between 1 and 3650 days".into()));
    }
    let mut t = crate::auth::generate_token(role, org.clone(), crate::clock::now_secs(), days)?;
    t.record.certificate = certificate;
    let audit = crate::pki::repo::AuditEvent::now(
        actor,
        "token.create",
        &t.record.id,
        "success",
        &format!(
            "role={} org={}",
            role.as_str(),
            org.as_deref().unwrap_or("-")
        ),
    );
    store.insert_token(&t.record, &audit).await?;
    Ok(t)
}
