//! The `yinxin` command line. Every command has `--help` (with an example); an error prints
//! one line on standard error and exits non-zero (1: the operation failed; 2: usage).
//!
//! Language: `--lang en|zh-CN` (or `YINXIN_LANG`), else the locale (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`): help texts and the CLI's own messages follow it ([`help`], [`locale`]).
//!
//! Passphrases: the CA key store passphrase comes from `YINXIN_KEY_PASSPHRASE` or a file
//! (`init --key-passphrase-file`, `issue --ca-passphrase-file`). For `issue --generate-key`,
//! `--key-passphrase-file` is the passphrase that protects the *generated* key.

use crate::crypto::{Algorithm, Passphrase};
use crate::pki::authority::{IssueRequest, KeySource};
use crate::pki::region::{self, InitParams, Region};
use crate::pki::repo::{CertStatus, CertificateFilter};
use crate::store::SqlConnector;
use clap::{FromArgMatches, Parser, Subcommand};
use std::path::{Path, PathBuf};

mod cross;
pub mod help;
pub mod locale;
mod ofd;
mod trust;
mod verify;

/// yinxin (印信): electronic certification and e-seal service.
#[derive(Parser, Debug)]
#[command(name = "yinxin", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Language of help and messages: en or zh-CN (default: from LC_ALL, LC_MESSAGES, LANG).
    #[arg(long, global = true, env = "YINXIN_LANG", value_name = "LANG", value_parser = locale::parse_lang_arg)]
    lang: Option<crate::i18n::Lang>,
}

#[derive(clap::Args, Debug, Clone)]
struct DataArgs {
    /// Data directory of the region.
    #[arg(long, env = "YINXIN_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Database URL (overrides yinxin.toml): sqlite://FILE or postgres://…
    #[arg(long, env = "YINXIN_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a region: SM2 and P-256 root and issuing CAs, OCSP, TSA and seal-maker certificates.
    Init {
        /// Data directory to create the region in.
        #[arg(long, env = "YINXIN_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// Region code (letters, digits, '-').
        #[arg(long)]
        region: String,
        /// Region display name (may be Chinese).
        #[arg(long)]
        name: String,
        /// Database URL (default sqlite://yinxin.db inside the data directory).
        #[arg(long, env = "YINXIN_DATABASE_URL")]
        database_url: Option<String>,
        /// Public base URL put in certificates (CRL, OCSP, CA issuers).
        #[arg(long, env = "YINXIN_PUBLIC_BASE_URL")]
        public_base_url: Option<String>,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
    /// Issue a certificate under a profile from a CSR or with a generated key.
    Issue {
        #[command(flatten)]
        data: DataArgs,
        /// Profile name (person, organization, device, …).
        #[arg(long)]
        profile: String,
        /// sm2 or p256.
        #[arg(long)]
        algorithm: String,
        /// PKCS#10 request (PEM or DER).
        #[arg(
            long,
            conflicts_with = "generate_key",
            required_unless_present = "generate_key"
        )]
        csr: Option<PathBuf>,
        /// Generate the key on the server and write it encrypted to OUT/key.pem.
        #[arg(long, requires = "key_passphrase_file")]
        generate_key: bool,
        /// With --generate-key: file holding the passphrase for the generated key.
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
        /// Subject JSON file.
        #[arg(long)]
        subject: PathBuf,
        /// Validity in days (default: the profile maximum).
        #[arg(long)]
        days: Option<u32>,
        /// Output directory for cert.pem, chain.pem and key.pem.
        #[arg(long)]
        out: PathBuf,
        /// File holding the CA key store passphrase (else YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        ca_passphrase_file: Option<PathBuf>,
    },
    /// Show one certificate (JSON; --pem for the certificate itself).
    Show {
        #[command(flatten)]
        data: DataArgs,
        /// Serial number (hex).
        serial: String,
        /// Print the certificate PEM instead of JSON.
        #[arg(long)]
        pem: bool,
    },
    /// Serve the REST API over a region's data directory.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Listen address (overrides yinxin.toml; port 0 picks a free port).
        #[arg(long, env = "YINXIN_LISTEN")]
        listen: Option<String>,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
    /// Demo: create a demo region in ./data on first run, print an admin token, serve on 127.0.0.1:8080.
    Quickstart {
        /// Data directory (created on first run).
        #[arg(long, env = "YINXIN_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// Listen address.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Revoke a certificate (or put a person certificate on hold with certificateHold).
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        /// Serial number (hex).
        serial: String,
        /// RFC 5280 reason name or code (unspecified, keyCompromise, superseded, certificateHold, …).
        #[arg(long, default_value = "unspecified")]
        reason: String,
        /// Invalidity date (RFC 3339).
        #[arg(long)]
        invalidity_date: Option<String>,
    },
    /// Make and publish a new CRL of a CA and write it to a file (DER).
    Crl {
        #[command(flatten)]
        data: DataArgs,
        /// sm2 or p256 (the issuing CA), or a CA id such as sm2-root.
        #[arg(long)]
        ca: String,
        /// A delta CRL over the latest full CRL.
        #[arg(long)]
        delta: bool,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
    /// Time-stamp a file with a TSA (RFC 3161 client): writes the TimeStampResp (.tsr).
    Timestamp {
        /// The file to time-stamp.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the response (DER TimeStampResp).
        #[arg(long)]
        out: PathBuf,
        /// TSA URL (default: the region's public base URL + /tsa, from --data-dir).
        #[arg(long)]
        url: Option<String>,
        /// Hash: sha256 (P-256 unit), sha384, sha512 or sm3 (SM2 unit).
        #[arg(long, default_value = "sha256")]
        hash: String,
        /// Data directory (to find the TSA URL).
        #[arg(long, env = "YINXIN_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
    /// Validate a certificate path (RFC 5280). Exit code: 0 TOTAL_PASSED, 1 TOTAL_FAILED,
    /// 2 INDETERMINATE, 3 usage or input error. Files may be PEM or DER.
    VerifyChain {
        /// Trust anchor certificate(s).
        #[arg(long = "anchor", required = true, num_args = 1..)]
        anchors: Vec<PathBuf>,
        /// The certificate to validate.
        #[arg(long)]
        cert: PathBuf,
        /// Candidate intermediate certificates (any order).
        #[arg(long = "intermediate", num_args = 1..)]
        intermediates: Vec<PathBuf>,
        /// CRLs.
        #[arg(long = "crl", num_args = 1..)]
        crls: Vec<PathBuf>,
        /// OCSP responses (DER).
        #[arg(long = "ocsp", num_args = 1..)]
        ocsp: Vec<PathBuf>,
        /// Validation time (RFC 3339; default now).
        #[arg(long)]
        at: Option<String>,
        /// user-initial-policy-set (default anyPolicy).
        #[arg(long = "policy", num_args = 1..)]
        policies: Vec<String>,
        /// initial-explicit-policy.
        #[arg(long)]
        explicit_policy: bool,
        /// initial-policy-mapping-inhibit.
        #[arg(long)]
        inhibit_policy_mapping: bool,
        /// initial-any-policy-inhibit.
        #[arg(long)]
        inhibit_any_policy: bool,
        /// Do not check revocation.
        #[arg(long)]
        no_revocation: bool,
        /// Treat trust anchors as a name and a key only: do not require the anchor's
        /// certificate to be valid and a CA, nor apply its constraints (RFC 5937).
        #[arg(long)]
        no_anchor_constraints: bool,
        /// What the certificate is validated for: seal-maker, document-signer, tsu,
        /// ocsp-signer, trust-list-signer, ca, crl-signer, client-auth, server-auth.
        #[arg(long, default_value = "document-signer")]
        purpose: crate::verify::purpose::Purpose,
        /// Print the full JSON report.
        #[arg(long)]
        json: bool,
    },
    /// Electronic seals: make, list, revoke, stamp.
    Seal {
        #[command(subcommand)]
        command: SealCommand,
    },
    /// Verify a seal (.esl), an electronic signature (SES_Signature), an OFD, a CMS signature
    /// or a certificate; the kind is detected. Exit codes as verify-chain. Offline by default:
    /// nothing is fetched unless --fetch-revocation is given.
    Verify {
        /// The file (DER or PEM).
        file: PathBuf,
        /// The original data (for signatures).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Trust anchor certificate(s).
        #[arg(long = "anchor", num_args = 1..)]
        anchors: Vec<PathBuf>,
        /// Intermediate certificates; `--chain FILE` takes a PEM bundle (every certificate in
        /// it, e.g. the issuing CA fetched from `/ca/{id}.pem`).
        #[arg(long = "intermediate", visible_alias = "chain", num_args = 1..)]
        intermediates: Vec<PathBuf>,
        /// CRLs.
        #[arg(long = "crl", num_args = 1..)]
        crls: Vec<PathBuf>,
        /// Accept missing revocation data.
        #[arg(long)]
        no_revocation: bool,
        /// Print the full JSON report.
        #[arg(long)]
        json: bool,
        /// Signed trust list(s) of recognized regions (`GET /v1/trust-list`): their listed
        /// roots become anchors, judged by the services' status history.
        #[arg(long = "trust-list", num_args = 1.., requires = "trust_pins")]
        trust_lists: Vec<PathBuf>,
        /// SHA-256 (hex) of a certificate allowed to sign those lists.
        #[arg(long = "trust-pin", num_args = 1..)]
        trust_pins: Vec<String>,
        /// A seal maker's certificate (PEM or DER) recognised as a seal maker although it
        /// lacks this region's seal-making EKU (e.g. another vendor's maker).
        #[arg(long = "seal-maker", num_args = 1..)]
        seal_makers: Vec<PathBuf>,
        /// For a bare certificate: what it is validated for (see verify-chain --purpose).
        #[arg(long, default_value = "document-signer")]
        purpose: crate::verify::purpose::Purpose,
        /// For a bare certificate: treat trust anchors as a name and a key only (see
        /// verify-chain --no-anchor-constraints).
        #[arg(long)]
        no_anchor_constraints: bool,
        /// A signed seal status (`GET /v1/seals/{id}/status`, CMS): a seal of the anchors'
        /// region is TOTAL_PASSED offline only with its valid status.
        #[arg(long = "seal-status", num_args = 1..)]
        seal_statuses: Vec<PathBuf>,
        /// Go online: take missing intermediates from the caIssuers URLs of the certificates,
        /// OCSP (else CRL and delta CRL) for every certificate of each path, and the signed
        /// status of a seal of the anchors' region — only from URLs under an allowed base
        /// (--allow-url, the supply points of --trust-list, the --data-dir region's public base
        /// URL); other URLs are not contacted, and the report lists what was fetched and what
        /// was not, and why. Without this flag nothing is fetched.
        #[arg(long)]
        fetch_revocation: bool,
        /// With --fetch-revocation: an http:// base URL that may be fetched from (e.g.
        /// `http://127.0.0.1:8080/`).
        #[arg(long = "allow-url", num_args = 1.., requires = "fetch_revocation")]
        allow_urls: Vec<String>,
        /// With --fetch-revocation: a region's data directory; its public base URL (yinxin.toml)
        /// may be fetched from.
        #[arg(long, requires = "fetch_revocation")]
        data_dir: Option<PathBuf>,
    },
    /// Sign any file with a detached CMS signature (.p7s): SM2 per GB/T 35275 or P-256.
    Sign {
        /// Signer certificate (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
        /// Signer key (encrypted PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// File with the signer key's passphrase.
        #[arg(long)]
        key_passphrase_file: PathBuf,
        /// Chain certificates to include (issuing CA …).
        #[arg(long = "chain", num_args = 1..)]
        chain: Vec<PathBuf>,
        /// The file to sign.
        #[arg(long = "in")]
        input: PathBuf,
        /// The signature (.p7s, DER), or with `--ofd` the signed OFD.
        #[arg(long)]
        out: PathBuf,
        /// The input is an OFD: add a Type="Sign" signature (CMS over Signature.xml) inside
        /// the package instead of writing a detached .p7s.
        #[arg(long)]
        ofd: bool,
        /// RFC 3161 TSA URL: add a signature timestamp (unsigned attribute); signing fails
        /// when the TSA does not answer with a token.
        #[arg(long)]
        tsa: Option<String>,
    },
    /// Operator tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Cross-certify a peer region's root CA (bridge model): a certificate from our root to
    /// the peer root with policy mappings and optional name constraints.
    CrossCertify(cross::CrossCertifyArgs),
    /// The region's signed trust list (mutual recognition): publish, withdraw a service, show.
    TrustList {
        #[command(subcommand)]
        command: trust::TrustListCommand,
    },
    /// OFD documents: create a plain one with lines of text (for trying sealing and signing).
    Ofd {
        #[command(subcommand)]
        command: ofd::OfdCommand,
    },
    /// List certificates (one JSON object per line).
    List {
        #[command(flatten)]
        data: DataArgs,
        /// Only this profile.
        #[arg(long)]
        profile: Option<String>,
        /// Only this status (valid, revoked, hold).
        #[arg(long)]
        status: Option<String>,
        /// Serials after this one (pagination cursor).
        #[arg(long)]
        after: Option<String>,
        /// At most this many (1–1000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create a token; the secret is printed once and stored only as a hash.
    Create {
        #[command(flatten)]
        data: DataArgs,
        /// admin, registrar, auditor, seal-admin or signer.
        #[arg(long)]
        role: String,
        /// Bind a registrar or seal-admin to an organization (unified social credit code).
        #[arg(long)]
        org: Option<String>,
        /// Signer tokens: the serial of the signer's certificate.
        #[arg(long, requires = "key")]
        cert: Option<String>,
        /// Signer tokens: the signer's key (encrypted PKCS#8 PEM), imported into the key store
        /// for server-side stamping (云签章).
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

#[derive(Subcommand, Debug)]
enum SealCommand {
    /// Make a seal (signed by the region's SM2 seal maker) and register it.
    Create {
        #[command(flatten)]
        data: DataArgs,
        /// Holder: the unified social credit code (organization seals) or the resident identity
        /// number (personal seals; stored only as the region's salted hash).
        #[arg(long)]
        holder: String,
        /// Seal type key (official, contract, finance, invoice, e-licence, personal).
        #[arg(long = "type")]
        seal_type: String,
        /// Name on the seal.
        #[arg(long)]
        name: String,
        /// Serial(s) of the certificates allowed to stamp with it.
        #[arg(long = "signer", required = true, num_args = 1..)]
        signers: Vec<String>,
        /// The seal picture (PNG); default: the standard look for the type and name, drawn with
        /// the built-in font (GB 2312 hanzi; YINXIN_SEAL_FONT=FILE for another font).
        #[arg(long)]
        picture: Option<PathBuf>,
        /// Validity in days (default: the type's maximum).
        #[arg(long)]
        days: Option<u32>,
        /// Also write the seal (.esl, DER) here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
    /// List registered seals (one JSON object per line).
    List {
        #[command(flatten)]
        data: DataArgs,
        /// Only this holder.
        #[arg(long)]
        holder: Option<String>,
    },
    /// Revoke (or suspend) a seal.
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        /// esID.
        id: String,
        /// Suspend instead of revoking.
        #[arg(long)]
        suspend: bool,
    },
    /// Seal an OFD document: adds a Type="Seal" signature with a stamp on a page (at X,Y mm or
    /// centred on a keyword); earlier signatures stay valid.
    Apply {
        #[command(flatten)]
        data: DataArgs,
        /// esID.
        #[arg(long)]
        seal: String,
        /// The OFD to seal.
        #[arg(long = "in")]
        input: PathBuf,
        /// The sealed OFD.
        #[arg(long)]
        out: PathBuf,
        /// Page (1-based).
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Top-left corner of the stamp in mm: X,Y.
        #[arg(long, conflicts_with = "keyword")]
        at: Option<String>,
        /// Centre the stamp on the first text containing this.
        #[arg(long)]
        keyword: Option<String>,
        /// Signer certificate (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
        /// Signer key (encrypted PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// File with the signer key's passphrase.
        #[arg(long)]
        key_passphrase_file: PathBuf,
    },
    /// Stamp a file with a seal: writes an SES_Signature (DER), with a timestamp when a TSA
    /// URL is given.
    Sign {
        #[command(flatten)]
        data: DataArgs,
        /// esID.
        #[arg(long)]
        seal: String,
        /// File to stamp.
        #[arg(long = "in")]
        input: PathBuf,
        /// Output (.sig).
        #[arg(long)]
        out: PathBuf,
        /// Signer certificate (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
        /// Signer key (encrypted PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// File with the signer key's passphrase.
        #[arg(long)]
        key_passphrase_file: PathBuf,
        /// TSA URL for a timestamp over the signature value.
        #[arg(long)]
        tsa: Option<String>,
    },
}

/// The demo passphrase file written by `quickstart`.
pub const DEMO_PASSPHRASE_FILE: &str = "DEMO-ONLY-key-passphrase.txt";

async fn open_store(
    data: &DataArgs,
) -> Result<(crate::config::Config, crate::store::Store), CliError> {
    let mut config = crate::config::Config::load(&data.data_dir)?;
    if let Some(u) = &data.database_url {
        config.database.url = u.clone();
    }
    let url = crate::config::resolve_database_url(&config.database.url, &data.data_dir);
    let store = crate::store::Store::connect(&url).await?;
    Ok((config, store))
}

async fn create_token(
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
            crate::auth::Role::Registrar | crate::auth::Role::SealAdmin
        ) {
            return Err(CliError(
                "--org binds registrar and seal-admin tokens only".into(),
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

/// Publish the roots' first CRLs (ARLs, valid one year) right after `init`, while the root
/// keys are at hand; later ones are made offline with `yinxin crl --ca {alg}-root`.
async fn publish_root_crls(data_dir: &Path, pass: &Passphrase) -> Result<(), CliError> {
    let config = crate::config::Config::load(data_dir)?;
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let store = std::sync::Arc::new(crate::store::Store::connect(&url).await?);
    let region = Region::from_parts(data_dir, config, store.clone()).await?;
    let mut signers = Vec::new();
    for alg in Algorithm::ALL {
        let id = format!("{alg}-root");
        signers.push((id.clone(), region.ca_signer(&id, pass).await?));
    }
    let cfg = crate::status::service::StatusConfig {
        crl_validity: 365 * 86_400,
        ..Default::default()
    };
    let svc = crate::status::service::StatusService::new(
        region.crl_only_cas(signers).await?,
        store.clone(),
        store.clone(),
        cfg,
        std::sync::Arc::new(crate::clock::SystemClock),
    )
    .await?;
    for alg in Algorithm::ALL {
        svc.generate_crl(&format!("{alg}-root"), false).await?;
    }
    store.close().await;
    Ok(())
}

/// Open the region, load both issuing keys and serve until SIGTERM/SIGINT.
async fn serve_region(
    data_dir: &Path,
    database_url: Option<&str>,
    listen: Option<String>,
    pass: &Passphrase,
) -> Result<(), CliError> {
    let mut config = crate::config::Config::load(data_dir)?;
    if let Some(u) = database_url {
        config.database.url = u.to_string();
    }
    if let Some(l) = listen {
        config.service.listen = l;
    }
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let store = std::sync::Arc::new(
        crate::store::Store::connect(&url)
            .await?
            .with_group_commit(config.service.group_commit_batch),
    );
    let region = Region::from_parts(data_dir, config.clone(), store.clone()).await?;
    let authority = std::sync::Arc::new(region.authority(pass, &Algorithm::ALL).await?);
    let cas = region.repo.cas().await?;
    let status_config = config.service.status_config();
    let status_cas = region.status_cas(pass, &authority).await?;
    let status = std::sync::Arc::new(
        crate::status::service::StatusService::new(
            status_cas,
            store.clone(),
            store.clone(),
            status_config.clone(),
            std::sync::Arc::new(crate::clock::SystemClock),
        )
        .await?,
    );
    let mut units = Vec::new();
    for alg in Algorithm::ALL {
        let (signer, cert_der) = region.service_signer(&format!("{alg}-tsa"), pass).await?;
        units.push((alg, crate::status::tsp::TsaUnit { signer, cert_der }));
    }
    let tsa = std::sync::Arc::new(crate::status::tsa::TsaService::new(
        units,
        store.clone(),
        std::sync::Arc::new(crate::clock::SystemClock),
    ));
    let (seal_maker, seal_maker_cert) = region.service_signer("sm2-seal-maker", pass).await?;
    let cas_for_verify = cas.clone();
    let policies_dir = data_dir.join("policies");
    // Cross-certificates we issued (bridge model) join the verification pool.
    let cross_certs = crate::pki::cross::load_issued(data_dir);
    let trust_config = crate::trust::peers::TrustConfig::load(&policies_dir)
        .map_err(|e| CliError(e.to_string()))?;
    let federation = std::sync::Arc::new(
        crate::trust::peers::Federation::new(
            (&config.region.code, &config.region.name),
            cas.iter()
                .filter(|c| c.role == crate::pki::repo::CaRole::Root)
                .map(|c| c.der.clone())
                .collect(),
            trust_config,
            &policies_dir,
            store.clone(),
        )
        .await
        .map_err(|e| CliError(e.to_string()))?
        .with_cross_certificates(&cross_certs),
    );
    let keys = region.key_store();
    let region = std::sync::Arc::new(region);
    let trust = std::sync::Arc::new(crate::api::trust::TrustServices::new(
        federation,
        store.clone(),
        region.clone(),
        pass.clone(),
    ));
    let services = crate::api::Services {
        authority,
        repo: store.clone(),
        tokens: store.clone(),
        status,
        status_config,
        tsa,
        seals: Some(std::sync::Arc::new(crate::api::seals::SealServices {
            maker: seal_maker,
            maker_cert: seal_maker_cert,
            repo: store.clone(),
            keys,
            passphrase: pass.clone(),
            hasher: crate::pki::region::load_holder_hasher(data_dir, pass)?,
            region: config.region.code.clone(),
            anchors: cas_for_verify
                .iter()
                .filter(|c| c.role == crate::pki::repo::CaRole::Root)
                .map(|c| c.der.clone())
                .collect(),
            intermediates: cas_for_verify
                .iter()
                .filter(|c| c.role == crate::pki::repo::CaRole::Issuing)
                .map(|c| c.der.clone())
                .chain(cross_certs.iter().cloned())
                .collect(),
            status: crate::api::seals::StatusCache::new(
                config.service.seal_status_validity_seconds,
            ),
        })),
        trust: Some(trust.clone()),
    };
    trust
        .publish_if_due()
        .await
        .map_err(|e| CliError(format!("trust list: {e}")))?;
    let state = std::sync::Arc::new(crate::api::AppState::new(services, &config, cas));
    crate::api::spawn_background(state.clone());
    crate::api::serve(state, &config.service.listen)
        .await
        .map_err(|e| CliError(format!("cannot serve on {}: {e}", config.service.listen)))?;
    store.close().await;
    Ok(())
}

/// POST a body to an http:// URL and return the response body (2xx only).
/// A signature timestamp from the RFC 3161 TSA at `url`: a token over SM3 of `sig`.
/// A timestamp over `sig` from the TSA at `url`, asking for the hash that goes with the
/// signature's algorithm (SM3 for SM2, SHA-256 for P-256), so that SM2 signatures get an SM2
/// token and P-256 ones a P-256 token that `openssl ts -verify` can check.
async fn fetch_timestamp(
    url: &str,
    sig: &[u8],
    alg: crate::crypto::Algorithm,
) -> Result<Vec<u8>, CliError> {
    use crate::status::tsp::TsHash;
    let hash = match alg {
        crate::crypto::Algorithm::Sm2 => TsHash::Sm3,
        crate::crypto::Algorithm::P256 => TsHash::Sha256,
    };
    let req = crate::status::tsp::build_request(hash, &hash.digest(sig), None, true)?;
    let resp = http_post(url, "application/timestamp-query", req).await?;
    let p = crate::status::tsp::parse_response(&resp).map_err(|e| CliError(format!("TSA: {e}")))?;
    p.token
        .map(|t| t.der)
        .ok_or_else(|| CliError(format!("the TSA refused: {}", p.status_text.join("; "))))
}

async fn http_post(url: &str, content_type: &str, body: Vec<u8>) -> Result<Vec<u8>, CliError> {
    use http_body_util::{BodyExt, Full};
    if !url.starts_with("http://") {
        return Err(CliError(format!(
            "only http:// URLs are supported here: {url}"
        )));
    }
    let client: hyper_util::client::legacy::Client<_, Full<hyper::body::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let req = hyper::Request::post(url)
        .header("content-type", content_type)
        .body(Full::new(hyper::body::Bytes::from(body)))
        .map_err(|e| CliError(format!("bad URL {url}: {e}")))?;
    let resp = tokio::time::timeout(std::time::Duration::from_secs(30), client.request(req))
        .await
        .map_err(|_| CliError(format!("{url}: no answer within 30 s")))?
        .map_err(|e| CliError(format!("{url}: {e}")))?;
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| CliError(format!("{url}: {e}")))?
        .to_bytes()
        .to_vec();
    if !status.is_success() {
        return Err(CliError(format!(
            "{url} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(200)
                .collect::<String>()
        )));
    }
    Ok(bytes)
}

/// A CLI failure: one line of text.
#[derive(Debug)]
pub struct CliError(String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

fn passphrase(file: Option<&Path>, what: &str) -> Result<Passphrase, CliError> {
    if let Some(f) = file {
        return Ok(Passphrase::from_file(f)?);
    }
    match std::env::var("YINXIN_KEY_PASSPHRASE") {
        Ok(v) if !v.is_empty() => Ok(Passphrase::new(v)?),
        _ => Err(CliError(locale::missing_passphrase(what))),
    }
}

fn write_new(path: &Path, data: &[u8], private: bool) -> Result<(), CliError> {
    if private {
        crate::crypto::keys::write_private_file(path, data)?;
    } else {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| CliError(format!("cannot create {}: {e}", path.display())))?;
        std::io::Write::write_all(&mut f, data)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let connector = SqlConnector;
    match cli.command {
        Command::Init {
            data_dir,
            region,
            name,
            database_url,
            public_base_url,
            key_passphrase_file,
        } => {
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            let summary = region::init(
                InitParams {
                    data_dir: data_dir.clone(),
                    code: region,
                    name,
                    database_url: database_url.clone(),
                    public_base_url,
                },
                &pass,
                &connector,
            )
            .await?;
            publish_root_crls(&data_dir, &pass).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
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
            let actor = format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            );
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
        Command::Serve {
            data,
            listen,
            key_passphrase_file,
        } => {
            init_json_logs();
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            serve_region(&data.data_dir, data.database_url.as_deref(), listen, &pass).await?;
        }
        Command::Quickstart { data_dir, listen } => {
            init_json_logs();
            let pass_file = data_dir.join(DEMO_PASSPHRASE_FILE);
            if !data_dir.join(crate::config::CONFIG_FILE).exists() {
                std::fs::create_dir_all(&data_dir)
                    .map_err(|e| CliError(format!("cannot create {}: {e}", data_dir.display())))?;
                if !pass_file.exists() {
                    let p = Passphrase::generate()?;
                    let text = format!(
                        "{}\n# DEMO ONLY: the key store passphrase of this demo region. Never use a demo region for real certificates.\n",
                        p.expose_str()
                    );
                    crate::crypto::keys::write_private_file(&pass_file, text.as_bytes())?;
                }
                let pass = Passphrase::from_file(&pass_file)?;
                region::init(
                    InitParams {
                        data_dir: data_dir.clone(),
                        code: "demo".into(),
                        name: "Demo Region (演示)".into(),
                        database_url: None,
                        public_base_url: Some(format!("http://{listen}")),
                    },
                    &pass,
                    &connector,
                )
                .await?;
                publish_root_crls(&data_dir, &pass).await?;
                eprintln!(
                    "created demo region in {} (DEMO ONLY; passphrase in {})",
                    data_dir.display(),
                    pass_file.display()
                );
            }
            let pass = Passphrase::from_file(&pass_file)
                .map_err(|e| CliError(format!("{e} (quickstart needs the demo passphrase file; use `yinxin serve` for a real region)")))?;
            let data = DataArgs {
                data_dir: data_dir.clone(),
                database_url: None,
            };
            let (_, store) = open_store(&data).await?;
            let t =
                create_token(&store, crate::auth::Role::Admin, None, 1, "cli:quickstart").await?;
            store.close().await;
            println!(
                "admin token (shown once, valid 1 day): {}",
                t.secret.as_str()
            );
            println!(
                "try: curl -H 'Authorization: Bearer {}' http://{listen}/v1/certificates",
                t.secret.as_str()
            );
            serve_region(&data_dir, None, Some(listen), &pass).await?;
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
            let actor = format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            );
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
        Command::Crl {
            data,
            ca,
            delta,
            out,
            key_passphrase_file,
        } => {
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            let ca_id = match ca.as_str() {
                "sm2" | "p256" => format!("{ca}-issuing"),
                other => other.to_string(),
            };
            let mut config = crate::config::Config::load(&data.data_dir)?;
            if let Some(u) = &data.database_url {
                config.database.url = u.clone();
            }
            let url = crate::config::resolve_database_url(&config.database.url, &data.data_dir);
            let store = std::sync::Arc::new(crate::store::Store::connect(&url).await?);
            let region = Region::from_parts(&data.data_dir, config, store.clone()).await?;
            let signer = region.ca_signer(&ca_id, &pass).await?;
            let cas = region.crl_only_cas(vec![(ca_id.clone(), signer)]).await?;
            let svc = crate::status::service::StatusService::new(
                cas,
                store.clone(),
                store.clone(),
                crate::status::service::StatusConfig::default(),
                std::sync::Arc::new(crate::clock::SystemClock),
            )
            .await?;
            let rec = svc.generate_crl(&ca_id, delta).await?;
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
        Command::VerifyChain { .. } => unreachable!("handled before the runtime starts"),
        Command::Seal { command } => seal_command(command).await?,
        Command::CrossCertify(args) => cross::cross_certify(args).await?,
        Command::TrustList { command } => trust::run(command).await?,
        Command::Ofd { command } => ofd::run(command)?,
        Command::Verify { .. } => unreachable!("handled before the runtime starts"),
        Command::Sign {
            cert,
            key,
            key_passphrase_file,
            chain,
            input,
            out,
            ofd,
            tsa,
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
            if ofd {
                let signed = crate::document::ofd_write::sign_ofd(
                    &content,
                    &signer,
                    &cert_der,
                    &chain_der,
                    crate::clock::now_secs(),
                    ts,
                )?;
                if let Some(e) = ts_error.into_inner() {
                    return Err(e);
                }
                write_new(&out, &signed, false)?;
                println!(
                    "{}",
                    serde_json::json!({"out": out.display().to_string(), "type": "Sign"})
                );
                return Ok(());
            }
            let p7s = crate::document::cms::sign_detached(
                &content,
                &signer,
                &cert_der,
                &chain_der,
                crate::clock::now_secs(),
                ts,
            )?;
            if let Some(e) = ts_error.into_inner() {
                return Err(e);
            }
            write_new(&out, &p7s, false)?;
            println!(
                "{}",
                serde_json::json!({"out": out.display().to_string(), "bytes": p7s.len()})
            );
        }
        Command::Token { command } => match command {
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
                        "unknown role '{role}' (admin, registrar, auditor, seal-admin, signer)"
                    ))
                })?;
                if (role == crate::auth::Role::Signer) != cert.is_some() {
                    return Err(CliError(
                        "signer tokens need --cert and --key; other roles take neither".into(),
                    ));
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
                    let kp =
                        Passphrase::from_file(key_passphrase_file.as_deref().ok_or_else(
                            || CliError("--key needs --key-passphrase-file".into()),
                        )?)?;
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
                    let ca_pass =
                        passphrase(ca_passphrase_file.as_deref(), "key store passphrase")?;
                    let ks =
                        crate::crypto::KeyStore::new(crate::pki::region::key_dir(&data.data_dir));
                    let id = format!("signer-{}", rec.serial);
                    if !ks.contains(&id) {
                        ks.save(&id, &k, &ca_pass)?;
                    }
                }
                let actor = format!(
                    "cli:{}",
                    std::env::var("USER").unwrap_or_else(|_| "unknown".into())
                );
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
                let actor = format!(
                    "cli:{}",
                    std::env::var("USER").unwrap_or_else(|_| "unknown".into())
                );
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
        },
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
    }
    Ok(())
}

fn init_json_logs() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YINXIN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .try_init();
}

async fn seal_command(cmd: SealCommand) -> Result<(), CliError> {
    use crate::seal::service::{self as seals, SealRepository, SealStatus};
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let open = |data: &DataArgs| {
        let data = data.clone();
        async move {
            let (config, store) = open_store(&data).await?;
            Ok::<_, CliError>((config, std::sync::Arc::new(store), data))
        }
    };
    match cmd {
        SealCommand::Create {
            data,
            holder,
            seal_type,
            name,
            signers,
            picture,
            days,
            out,
            key_passphrase_file,
        } => {
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            let (config, store, data) = open(&data).await?;
            let region = Region::from_parts(&data.data_dir, config.clone(), store.clone()).await?;
            let t = crate::seal::types::builtin()
                .into_iter()
                .find(|t| t.key == seal_type)
                .ok_or_else(|| CliError(format!("unknown seal type '{seal_type}'")))?;
            // Checked by type; a personal seal's identity number becomes the salted hash of
            // person certificates before anything is stored, audited or printed.
            let now = crate::clock::now_secs();
            let hasher = crate::pki::region::load_holder_hasher(&data.data_dir, &pass)?;
            let holder = crate::seal::holder::SealHolder::resolve(&t, &holder, &hasher, now)
                .map_err(|e| CliError(format!("--{e}")))?;
            let mut certs = Vec::new();
            for s in &signers {
                let rec = region
                    .repo
                    .certificate(s)
                    .await?
                    .ok_or_else(|| CliError(format!("no certificate with serial {s}")))?;
                if rec.status != CertStatus::Valid {
                    return Err(CliError(format!(
                        "certificate {s} is {}",
                        rec.status.as_str()
                    )));
                }
                holder
                    .check_signer(&rec)
                    .map_err(|e| CliError(e.to_string()))?;
                certs.push((rec.serial.clone(), rec.der.clone()));
            }
            let png = match &picture {
                Some(p) => std::fs::read(p)
                    .map_err(|e| CliError(format!("cannot read {}: {e}", p.display())))?,
                None => crate::seal::picture::for_type(&name, &t)?,
            };
            let (maker, maker_cert) = region.service_signer("sm2-seal-maker", &pass).await?;
            let rec = seals::make_seal(
                &seals::SealRequest {
                    region: &config.region.code,
                    seal_type: &t,
                    holder: holder.as_str(),
                    name: &name,
                    signers: certs,
                    picture_png: png,
                    validity_days: days.unwrap_or(t.max_validity_days),
                    now,
                },
                maker.as_ref(),
                &maker_cert,
            )?;
            let audit = crate::pki::repo::AuditEvent::now(
                &actor,
                "seal.create",
                &rec.id,
                "success",
                &format!(
                    "type={} holder_kind={} holder={}",
                    t.key,
                    crate::seal::holder::kind_name(holder.kind()),
                    holder.as_str()
                ),
            );
            store.insert_seal(&rec, &audit).await?;
            if let Some(o) = out {
                write_new(&o, &rec.der, false)?;
            }
            println!("{}", serde_json::to_string_pretty(&rec)?);
        }
        SealCommand::List { data, holder } => {
            let (_, store, _) = open(&data).await?;
            for r in store.seals(holder.as_deref()).await? {
                println!("{}", serde_json::to_string(&r)?);
            }
        }
        SealCommand::Revoke { data, id, suspend } => {
            let (_, store, _) = open(&data).await?;
            let status = if suspend {
                SealStatus::Suspended
            } else {
                SealStatus::Revoked
            };
            let audit = crate::pki::repo::AuditEvent::now(
                &actor,
                &format!("seal.{}", status.as_str()),
                &id,
                "success",
                "",
            );
            if !store.set_seal_status(&id, status, &audit).await? {
                return Err(CliError(format!("no active or suspended seal {id}")));
            }
            println!(
                "{}",
                serde_json::json!({"id": id, "status": status.as_str()})
            );
        }
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
        } => {
            let (_, store, _) = open(&data).await?;
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
            let (_, store, _) = open(&data).await?;
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
    }
    Ok(())
}

/// Load a signer from a certificate file and an encrypted key file.
fn load_signer(
    cert: &Path,
    key: &Path,
    pass_file: &Path,
) -> Result<(crate::crypto::SoftwareSigner, Vec<u8>), CliError> {
    let cert_der = read_objects(cert)
        .map_err(CliError)?
        .into_iter()
        .next()
        .ok_or_else(|| CliError("no certificate in --cert".into()))?;
    let pass = Passphrase::from_file(pass_file)?;
    let pem = std::fs::read_to_string(key)
        .map_err(|e| CliError(format!("cannot read {}: {e}", key.display())))?;
    let signer =
        crate::crypto::PrivateKey::from_encrypted_pem(&pem, &pass, "signer key")?.signer()?;
    let spki = crate::verify::cert::Cert::from_der(&cert_der)
        .map_err(CliError)?
        .spki_der;
    if spki != crate::crypto::Signer::public_key_spki(&signer) {
        return Err(CliError(
            "the key does not belong to the certificate".into(),
        ));
    }
    Ok((signer, cert_der))
}

/// Read certificates or CRLs from a PEM (one or more blocks) or DER file.
fn read_objects(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if data.trim_ascii_start().starts_with(b"-----BEGIN") {
        let text = String::from_utf8_lossy(&data);
        let mut out = Vec::new();
        let mut rest: &str = &text;
        while let Some(start) = rest.find("-----BEGIN") {
            let block = &rest[start..];
            let end_marker = block
                .find("-----END")
                .ok_or_else(|| format!("{}: unterminated PEM block", path.display()))?;
            let end = block[end_marker..]
                .find("\n")
                .map(|e| end_marker + e + 1)
                .unwrap_or(block.len());
            let (_, der_bytes) = der::pem::decode_vec(&block.as_bytes()[..end])
                .map_err(|e| format!("{}: {e}", path.display()))?;
            out.push(der_bytes);
            rest = &block[end..];
        }
        Ok(out)
    } else {
        Ok(vec![data])
    }
}

/// `yinxin verify-chain`: exit 0 passed, 1 failed, 2 indeterminate, 3 usage or input error.
fn verify_chain(cmd: Command) -> i32 {
    let Command::VerifyChain {
        anchors,
        cert,
        intermediates,
        crls,
        ocsp,
        at,
        policies,
        explicit_policy,
        inhibit_policy_mapping,
        inhibit_any_policy,
        no_revocation,
        no_anchor_constraints,
        purpose,
        json,
    } = cmd
    else {
        return 3;
    };
    let run = || -> Result<crate::verify::report::Report, String> {
        let load_all = |paths: &[PathBuf]| -> Result<Vec<Vec<u8>>, String> {
            let mut v = Vec::new();
            for p in paths {
                v.extend(read_objects(p)?);
            }
            Ok(v)
        };
        let target = read_objects(&cert)?
            .into_iter()
            .next()
            .ok_or("no certificate in --cert")?;
        let time = match at {
            Some(t) => {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| format!("--at: '{t}' is not an RFC 3339 time"))?
                    .unix_timestamp()
            }
            None => crate::clock::now_secs(),
        };
        let mut input = crate::verify::path::Input::new(target, load_all(&anchors)?, time, purpose);
        input.intermediates = load_all(&intermediates)?;
        input.crls = load_all(&crls)?;
        input.ocsp = load_all(&ocsp)?;
        if !policies.is_empty() {
            let mut set = Vec::new();
            for p in &policies {
                set.push(
                    const_oid::ObjectIdentifier::new(p)
                        .map_err(|_| format!("--policy: '{p}' is not an OID"))?,
                );
            }
            input.policy.user_initial_policy_set =
                if set.contains(&crate::verify::policy::ANY_POLICY) {
                    None
                } else {
                    Some(set)
                };
        }
        input.policy.initial_explicit_policy = explicit_policy;
        input.policy.initial_policy_mapping_inhibit = inhibit_policy_mapping;
        input.policy.initial_any_policy_inhibit = inhibit_any_policy;
        input.revocation = if no_revocation {
            crate::verify::path::RevocationMode::Off
        } else {
            crate::verify::path::RevocationMode::Require
        };
        input.enforce_anchor_constraints = !no_anchor_constraints;
        Ok(crate::verify::path::Validator::new().validate(&input))
    };
    match run() {
        Err(e) => {
            locale::print_error(&e);
            3
        }
        Ok(report) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                println!("{}", locale::chain_summary(locale::lang(), &report));
            }
            match report.indication {
                crate::verify::report::Indication::TotalPassed => 0,
                crate::verify::report::Indication::TotalFailed => 1,
                crate::verify::report::Indication::Indeterminate => 2,
            }
        }
    }
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The help is built in the language asked for, before parsing.
    let lang = locale::prescan(&args, |k| std::env::var(k).ok());
    locale::set_lang(lang);
    // verify-chain reserves 1 and 2 for validation outcomes: usage errors are 3.
    let is_verify = matches!(
        args.get(1).and_then(|a| a.to_str()),
        Some("verify-chain") | Some("verify")
    );
    let matches = match help::command(lang).try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return locale::clap_error(e, is_verify),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return locale::clap_error(e, is_verify),
    };
    locale::set_lang(cli.lang.unwrap_or(lang));
    locale::set_data_dir(locale::data_dir_of(&matches));
    if !matches!(
        cli.command,
        Command::Serve { .. } | Command::Quickstart { .. }
    ) {
        // A command piped into `head` ends quietly when the pipe closes, as Unix tools do,
        // instead of panicking on the failed write. (The server keeps ignoring SIGPIPE.)
        #[cfg(unix)]
        // SAFETY: restoring the default disposition of one signal before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    if matches!(cli.command, Command::VerifyChain { .. }) {
        return verify_chain(cli.command);
    }
    if matches!(cli.command, Command::Verify { .. }) {
        return verify::verify_file(cli.command);
    }
    // The service logs JSON (set up by its command); other commands log plain text.
    if !matches!(
        cli.command,
        Command::Serve { .. } | Command::Quickstart { .. }
    ) {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("YINXIN_LOG")
                    .unwrap_or_else(|_| "warn".into()),
            )
            .try_init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            locale::print_error(&format!("cannot start runtime: {e}"));
            return 1;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => 0,
        Err(CliError(msg)) => {
            locale::print_error(&msg);
            1
        }
    }
}
