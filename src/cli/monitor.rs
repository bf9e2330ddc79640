//! `yinxin monitor --region R`: follow a recognized region's transparency log (the log and
//! its key as R's trust list, accepted by this region, announces them), verify that it only
//! grows, and list what was appended since the last run: certificates, seals, licences,
//! revocations, trust lists — filtered by holder or name, so that an agency sees every seal
//! made in its name. Each new seal is also looked up in R's registry (its public status URL):
//! a seal in the log that R no longer knows is an alarm.
//!
//! One JSON line per listed entry, then a summary line; alarms make the exit status non-zero.
//! The state (size, root, the tree's right edge) is kept in a file between runs and saved only
//! after a run whose checkpoint matched.

use super::CliError;
use super::common::DataArgs;
use crate::transparency::checkpoint::{CheckpointPolicy, verifier_from_vkey};
use crate::transparency::entry::Entry;
use crate::transparency::monitor::{LogSource, MonitorState, follow};
use crate::transparency::note::Verifiers;
use crate::trust::fetch::RevocationFetcher;
use serde_json::json;
use std::path::PathBuf;

/// `monitor` arguments.
#[derive(clap::Args, Debug)]
pub struct MonitorArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The recognized region whose log to follow.
    #[arg(long)]
    region: String,
    /// Read the log from this URL instead of the one the region's list announces (a mirror).
    #[arg(long)]
    log_url: Option<String>,
    /// State file (default: DATA_DIR/monitor/<region>.json).
    #[arg(long)]
    state: Option<PathBuf>,
    /// List only entries of this holder (credit code, or a person's holder hash).
    #[arg(long)]
    holder: Option<String>,
    /// List only entries whose name contains this text.
    #[arg(long)]
    name: Option<String>,
    /// Do not look new seals up in the region's registry.
    #[arg(long)]
    no_registry_check: bool,
}

struct HttpLog<'a> {
    fetcher: &'a RevocationFetcher,
    base: String,
}

#[async_trait::async_trait]
impl LogSource for HttpLog<'_> {
    async fn get(&self, path: &str) -> Result<Vec<u8>, String> {
        let url = format!("{}/{path}", self.base);
        let prefix = format!("{}/", self.base);
        self.fetcher
            .get(&url, &|u: &str| u.starts_with(&prefix))
            .await
            .map_err(|e| e.to_string())
    }
}

/// Run the monitor.
pub async fn run(a: MonitorArgs) -> Result<(), CliError> {
    let federation =
        crate::app::open_federation(&a.data.data_dir, a.data.database_url.as_deref()).await?;
    let (_, info) = federation
        .peer_logs()
        .into_iter()
        .find(|(r, _)| *r == a.region)
        .ok_or_else(|| {
            CliError(format!(
                "region {} is not a recognized peer whose accepted trust list announces a log \
                 (see `yinxin serve` federation and policies/trust.toml)",
                a.region
            ))
        })?;
    let base = a
        .log_url
        .clone()
        .unwrap_or_else(|| info.url.clone())
        .trim_end_matches('/')
        .to_string();
    let mut keys = Verifiers::new();
    keys.push(verifier_from_vkey(&info.log_key)?);
    let mut witnesses = Verifiers::new();
    for (r, l) in federation.peer_logs() {
        if r != a.region
            && let Ok(v) = verifier_from_vkey(&l.witness_key)
        {
            witnesses.push(v);
        }
    }
    let policy = CheckpointPolicy::new(&info.origin, keys).with_cosigners(witnesses, 0);
    let state_file = a.state.clone().unwrap_or_else(|| {
        a.data
            .data_dir
            .join("monitor")
            .join(format!("{}.json", a.region))
    });
    let old: Option<MonitorState> = match std::fs::read(&state_file) {
        Ok(b) => Some(serde_json::from_slice(&b).map_err(|e| {
            CliError(format!(
                "{}: not a monitor state: {e}",
                state_file.display()
            ))
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(CliError(format!("{}: {e}", state_file.display()))),
    };
    if let Some(o) = &old
        && o.origin != info.origin
    {
        return Err(CliError(format!(
            "{}: state of log {}, not {}",
            state_file.display(),
            o.origin,
            info.origin
        )));
    }
    let source = HttpLog {
        fetcher: federation.list_client(),
        base: base.clone(),
    };
    let r = follow(&source, &policy, old.as_ref()).await?;
    let region_base = info
        .url
        .trim_end_matches('/')
        .trim_end_matches("/log")
        .to_string();
    let mut alarms = Vec::new();
    let mut listed = 0;
    for (index, e) in &r.entries {
        let wanted = a
            .holder
            .as_ref()
            .is_none_or(|h| e.holder.as_ref() == Some(h))
            && a.name
                .as_ref()
                .is_none_or(|n| e.name.as_ref().is_some_and(|x| x.contains(n.as_str())));
        let registry = if e.kind == "seal.make" && !a.no_registry_check {
            Some(
                seal_known(
                    federation.list_client(),
                    federation.config().sync.max_list_bytes,
                    &region_base,
                    e,
                )
                .await,
            )
        } else {
            None
        };
        if let Some(Err(why)) = &registry {
            alarms.push(format!("entry {index} ({} {}): {why}", e.kind, e.reference));
        }
        if wanted {
            listed += 1;
            println!("{}", entry_json(*index, e, registry.as_ref()));
        }
    }
    println!(
        "{}",
        json!({
            "region": a.region,
            "log": info.origin,
            "size": r.state.size,
            "previous_size": old.as_ref().map_or(0, |o| o.size),
            "new_entries": r.entries.len(),
            "listed": listed,
            "cosigned_by": r.cosigned_by,
            "alarms": alarms,
        })
    );
    if let Some(dir) = state_file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(&state_file, serde_json::to_vec_pretty(&r.state)?)
        .map_err(|e| CliError(format!("cannot write {}: {e}", state_file.display())))?;
    if alarms.is_empty() {
        Ok(())
    } else {
        Err(CliError(format!(
            "{} alarm(s) in region {}'s log: {}",
            alarms.len(),
            a.region,
            alarms.join("; ")
        )))
    }
}

fn entry_json(index: u64, e: &Entry, registry: Option<&Result<(), String>>) -> serde_json::Value {
    let mut v = json!({
        "index": index,
        "kind": e.kind,
        "time": crate::clock::rfc3339(e.time),
        "ref": e.reference,
        "object_sha256": hex::encode(e.object_sha256),
    });
    if let Some(h) = &e.holder {
        v["holder"] = json!(h);
    }
    if let Some(n) = &e.name {
        v["name"] = json!(n);
    }
    if let Some(r) = registry {
        v["registry"] = json!(if r.is_ok() { "present" } else { "absent" });
    }
    v
}

/// Whether the region still knows the seal of a `seal.make` entry: its public status URL
/// answers (a 404 means the registry no longer holds it).
async fn seal_known(
    fetcher: &RevocationFetcher,
    cap: usize,
    region_base: &str,
    e: &Entry,
) -> Result<(), String> {
    let url = format!("{region_base}/v1/seals/{}/status", e.reference);
    match fetcher.get_answer(&url, &|u: &str| u == url, cap).await {
        Ok((200, _)) => Ok(()),
        Ok((404, _)) => Err(format!(
            "seal {} is in the log but not in the region's registry (hidden or removed)",
            e.reference
        )),
        Ok((status, _)) => Err(format!(
            "the registry could not be asked: {url}: HTTP status {status}"
        )),
        Err(err) => Err(format!("the registry could not be asked: {err}")),
    }
}
