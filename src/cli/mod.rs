//! The `yinxin` command line. Every command has `--help` (with an example); an error prints
//! one line on standard error and exits non-zero (1: the operation failed; 2: usage).
//!
//! Language: `--lang en|zh-CN` (or `YINXIN_LANG`), else the locale (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`): help texts and the CLI's own messages follow it ([`help`], [`locale`]).
//!
//! Passphrases: the CA key store passphrase comes from `YINXIN_KEY_PASSPHRASE` or a file
//! (`init --key-passphrase-file`, `issue --ca-passphrase-file`). For `issue --generate-key`,
//! `--key-passphrase-file` is the passphrase that protects the *generated* key.
//!
//! Layout: this file holds the argument tree ([`Cli`], the commands), [`CliError`], the entry
//! point and the dispatch; each command group has its file (`init`, `issue`, `status`, `seal`,
//! `document`, `token`, `trust`, `cross`, `ofd`, `licence`, `licence_issue`, `licence_import`,
//! `enterprise`,
//! `verify`, `verify_chain`), and what they share
//! is in `common`. The service itself is assembled by [`crate::app`]. Nothing outside `cli`
//! (but `main.rs`) imports it.

use clap::{FromArgMatches, Parser, Subcommand};
use common::DataArgs;
use std::path::PathBuf;

mod audit;
mod backup;
mod ca;
mod common;
mod cross;
mod document;
pub mod enterprise;
pub mod help;
mod init;
mod issue;
mod licence;
mod licence_import;
mod licence_issue;
pub mod locale;
mod monitor;
mod ofd;
mod pdf;
mod seal;
mod status;
mod token;
mod trust;
mod tsa_client;
mod verify;
mod verify_chain;

/// The demo passphrase file written by `quickstart` (see [`crate::app`]).
pub use crate::app::DEMO_PASSPHRASE_FILE;

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
        /// PKCS#11 module that holds the region's P-256 keys (e.g. /usr/lib/softhsm/libsofthsm2.so).
        #[arg(long, requires = "hsm_token")]
        hsm_module: Option<PathBuf>,
        /// Label of the PKCS#11 token for the region's keys.
        #[arg(long, requires = "hsm_module")]
        hsm_token: Option<String>,
        /// File holding the token's user PIN (else YINXIN_HSM_PIN).
        #[arg(long, requires = "hsm_module")]
        hsm_pin_file: Option<PathBuf>,
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
        /// What this process serves (overrides yinxin.toml): all (default), ca (issuance, signing, administration; loads the keys) or verify (public verification, CRLs, trust lists; loads no key).
        #[arg(long, env = "YINXIN_ROLE", value_parser = parse_role)]
        role: Option<crate::config::ServiceRole>,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE); a verify process reads neither.
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
        command: seal::SealCommand,
    },
    /// Verify a seal (.esl), an electronic signature (SES_Signature), an OFD (an e-licence
    /// too), a PDF, a CMS signature or a certificate; the kind is detected; or, with --qr, an
    /// e-licence's QR code. Exit codes as verify-chain. Offline by default: nothing is fetched
    /// unless --fetch-revocation is given.
    Verify {
        /// The file (DER or PEM).
        #[arg(required_unless_present = "qr", conflicts_with = "qr")]
        file: Option<PathBuf>,
        /// The text of an e-licence's QR code (the URL or the bare payload), verified instead
        /// of a file: its signer must be a QR signer listed in a --trust-list.
        #[arg(long)]
        qr: Option<String>,
        /// A signed e-licence status (`GET /v1/licences/{id}/status`, CMS) signed by the
        /// --trust-pin signer of the licence's region: an e-licence is TOTAL_PASSED offline
        /// only with its valid status.
        #[arg(long = "licence-status", num_args = 1..)]
        licence_statuses: Vec<PathBuf>,
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
        /// The input is a PDF (also recognised by its %PDF- header): add a signature by
        /// incremental update, PAdES for P-256 keys, the vendors' SM2 profile for SM2 keys.
        #[arg(long, conflicts_with = "ofd")]
        pdf: bool,
        /// PDF: the PAdES level, B-B, B-T (with --tsa; the default then), B-LT or B-LTA (with
        /// --data-dir too).
        #[arg(long)]
        level: Option<String>,
        /// PDF at B-LT or B-LTA: the region's data directory, whose CA certificates and newest
        /// CRLs go into the DSS.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// PDF: a certification signature (DocMDP) allowing later no-changes, form-fill or
        /// annotations; only as the document's first signature.
        #[arg(long)]
        certify: Option<String>,
    },
    /// Extend a signed PDF: B-LT adds the DSS (the region's CA certificates and newest CRLs
    /// for every certificate its signatures and time-stamps carry), B-LTA also a document
    /// time-stamp from --tsa.
    Extend {
        #[command(flatten)]
        data: DataArgs,
        /// The signed PDF.
        #[arg(long = "in")]
        input: PathBuf,
        /// The extended PDF.
        #[arg(long)]
        out: PathBuf,
        /// B-LT or B-LTA.
        #[arg(long, default_value = "B-LTA")]
        level: String,
        /// RFC 3161 TSA URL for the document time-stamp (B-LTA).
        #[arg(long)]
        tsa: Option<String>,
    },
    /// Back up the region (database snapshot, configuration, key store, documents) into one file signed by its TSA, optionally encrypted.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new data directory, after checking its signature and every file's hash.
    Restore(backup::RestoreArgs),
    /// The tamper-evident audit trail: verify it, or fix its head in a checkpoint.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Operator tokens.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// The CA lifecycle: renew an issuing CA, roll a root over.
    Ca {
        #[command(subcommand)]
        command: ca::CaCommand,
    },
    /// Cross-certify a peer region's root CA (bridge model): a certificate from our root to
    /// the peer root with policy mappings and optional name constraints.
    CrossCertify(cross::CrossCertifyArgs),
    /// Follow a recognized region's transparency log: verify it only grows, list what it
    /// appended (by holder or name), and flag seals it logged but no longer knows.
    Monitor(monitor::MonitorArgs),
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
    /// E-licences (电子证照): issue, change, suspend, resume, revoke, show, import in bulk;
    /// check an identifier, list the kinds.
    Licence {
        #[command(subcommand)]
        command: licence::LicenceCommand,
    },
    /// Companies (同步发放): register a new company's certificate, 公章 and business licence in
    /// one step.
    Enterprise {
        #[command(subcommand)]
        command: enterprise::EnterpriseCommand,
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

/// `--role`: all, ca or verify.
fn parse_role(s: &str) -> Result<crate::config::ServiceRole, String> {
    s.parse()
}

/// A CLI failure: one line of text.
#[derive(Debug)]
pub struct CliError(String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        c @ (Command::Init { .. } | Command::Serve { .. } | Command::Quickstart { .. }) => {
            init::run(c).await?
        }
        c @ (Command::Issue { .. }
        | Command::Show { .. }
        | Command::Revoke { .. }
        | Command::List { .. }) => issue::run(c).await?,
        c @ (Command::Crl { .. } | Command::Timestamp { .. }) => status::run(c).await?,
        c @ Command::Sign { .. } => document::sign(c).await?,
        c @ Command::Extend { .. } => pdf::extend(c).await?,
        Command::Seal { command } => seal::run(command).await?,
        Command::Token { command } => token::run(command).await?,
        Command::Audit { command } => audit::run(command).await?,
        Command::Backup(args) => backup::backup(args).await?,
        Command::Restore(args) => backup::restore(args).await?,
        Command::CrossCertify(args) => cross::cross_certify(args).await?,
        Command::Ca { command } => ca::run(command).await?,
        Command::TrustList { command } => trust::run(command).await?,
        Command::Monitor(args) => monitor::run(args).await?,
        Command::Ofd { command } => ofd::run(command)?,
        Command::Licence { command } => licence::run(command).await?,
        Command::Enterprise { command } => enterprise::run(command).await?,
        Command::VerifyChain { .. } | Command::Verify { .. } => {
            unreachable!("handled before the runtime starts")
        }
    }
    Ok(())
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
        return verify_chain::verify_chain(cli.command);
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
