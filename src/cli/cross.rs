//! `yinxin cross-certify`: our root issues a cross-certificate to a peer region's root
//! (see [`crate::pki::cross`]).

use super::CliError;
use super::common::{DataArgs, passphrase, read_objects, write_new};
use crate::crypto::Algorithm;
use crate::pki::cross::{self, CrossSpec, NameConstraintSpec};
use crate::pki::region::Region;
use std::path::PathBuf;

/// Arguments of `yinxin cross-certify`.
#[derive(clap::Args, Debug)]
pub(super) struct CrossCertifyArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The peer region's root CA certificate (PEM or DER).
    #[arg(long)]
    peer_root: PathBuf,
    /// Which of our roots signs: sm2 or p256 (default: the algorithm of the peer root's key).
    #[arg(long)]
    algorithm: Option<String>,
    /// OURS=THEIRS: our policy OID and the peer's equivalent (repeatable; at least one).
    #[arg(long = "policy-map", value_name = "OURS=THEIRS", required = true)]
    policy_map: Vec<String>,
    /// permitted|excluded:TYPE:VALUE with TYPE dirName (C=CN,O=…, in DN order), dns, email,
    /// uri or ip (CIDR), e.g. permitted:dirName:C=CN,O=Region Y or excluded:dns:.example
    /// (repeatable).
    #[arg(long = "name-constraints", value_name = "SPEC")]
    name_constraints: Vec<String>,
    /// Add policyConstraints requireExplicitPolicy=0: every path through the
    /// cross-certificate must be valid for a mapped policy.
    #[arg(long)]
    require_explicit_policy: bool,
    /// Validity in days (default 5 years; never beyond either root's notAfter).
    #[arg(long)]
    days: Option<u32>,
    /// Where to write the cross-certificate (PEM); it is also kept in DATA_DIR/ca.
    #[arg(long)]
    out: PathBuf,
    /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
    #[arg(long)]
    key_passphrase_file: Option<PathBuf>,
}

/// Run `yinxin cross-certify`.
pub(super) async fn cross_certify(args: CrossCertifyArgs) -> Result<(), CliError> {
    // Everything that can be checked without the keys first.
    let mut policy_map = Vec::new();
    for spec in &args.policy_map {
        policy_map.push(
            cross::parse_policy_map(spec).map_err(|e| CliError(format!("--policy-map: {e}")))?,
        );
    }
    let mut name_constraints = NameConstraintSpec::default();
    for spec in &args.name_constraints {
        name_constraints
            .add(spec)
            .map_err(|e| CliError(format!("--name-constraints: {e}")))?;
    }
    let peer_root_der = read_objects(&args.peer_root)
        .map_err(CliError)?
        .into_iter()
        .next()
        .ok_or_else(|| CliError(format!("no certificate in {}", args.peer_root.display())))?;
    let algorithm: Algorithm = match &args.algorithm {
        Some(a) => a
            .parse()
            .map_err(|_| CliError(format!("--algorithm: '{a}' is neither sm2 nor p256")))?,
        None => cross::key_algorithm(&peer_root_der)?.ok_or_else(|| {
            CliError(
                "the peer root's key is neither SM2 nor P-256: choose our signing root with --algorithm"
                    .into(),
            )
        })?,
    };
    if args.out.exists() {
        return Err(CliError(format!(
            "{} exists: refusing to overwrite",
            args.out.display()
        )));
    }
    let pass = passphrase(args.key_passphrase_file.as_deref(), "key store passphrase")?;
    let region = Region::open(
        &args.data.data_dir,
        args.data.database_url.as_deref(),
        &crate::store::SqlConnector,
    )
    .await?;
    let spec = CrossSpec {
        peer_root_der,
        policy_map,
        name_constraints,
        require_explicit_policy: args.require_explicit_policy,
        days: args.days,
    };
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let issued = cross::cross_certify(&region, algorithm, &pass, &spec, &actor).await?;
    write_new(
        &args.out,
        crate::pki::cert::to_pem(&issued.der).as_bytes(),
        false,
    )?;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "issuer_ca": issued.issuer_ca,
            "serial": issued.serial,
            "subject": issued.subject,
            "peer_sha256": issued.peer_sha256,
            "not_before": crate::clock::rfc3339(issued.not_before),
            "not_after": crate::clock::rfc3339(issued.not_after),
            "file": issued.file.display().to_string(),
            "out": args.out.display().to_string(),
        }))?
    );
    Ok(())
}
