//! `yinxin licence import`: licences issued in bulk from a CSV file (the header names the field
//! keys) or a JSON-lines file (one object of field values per line), one licence per row.
//!
//! Resumable: each row has an external key — its `--key-column` value (default: the column or
//! field `external_key`), else the file name and row number (`FILE#N`) — and a row whose key
//! the agency already used is skipped (the service's external-key idempotency), so running the
//! same file again issues only what is missing. A row that fails is described in the errors file
//! (JSON lines: row, key, the fields and why — with every resident identity number redacted) and
//! the import goes on; a failing database stops it. Rows are issued by `--workers` tasks at once
//! (default one per core); their outcomes are taken in row order. Progress goes to standard error (rows
//! done/total, rows/s, ETA: redrawn in place on a terminal, else one line every 1,000 rows or
//! 5 s), the summary to standard output (JSON); the exit status is 1 when a row failed.
//!
//! Owns: reading the rows, their keys, the errors file, the progress line and the summary. The
//! issuing is [`super::licence_issue`]'s (the same service as `yinxin licence issue`).

use super::CliError;
use super::licence_issue::{AgencyArgs, Opened, check_key};
use crate::licence::repo::{LicenceRepository, LicenceStoreError};
use crate::licence::service::{IssueRequest, LicenceError};
use crate::licence::{DraftError, LicenceKind};
use crate::pki::identifiers::redact_id_numbers;
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The default key column.
const KEY_COLUMN: &str = "external_key";
/// Without a terminal, a progress line every this many rows …
const LINE_EVERY_ROWS: u64 = 1000;
/// … or this often.
const LINE_EVERY: Duration = Duration::from_secs(5);
/// On a terminal, the line is redrawn at most this often.
const REDRAW_EVERY: Duration = Duration::from_millis(200);

// `licence import` (its about is the variant's doc comment in `LicenceCommand`).
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    on: AgencyArgs,
    /// Licence kind key (see `yinxin licence kinds`).
    #[arg(long)]
    kind: String,
    /// Serial of the agency's certificate that seals the licences (as for issue).
    #[arg(long)]
    cert: String,
    /// The rows: a CSV file (.csv) whose header names the field keys, or JSON lines (.jsonl), one object of field values per line.
    file: PathBuf,
    /// Where the rows that failed are described, one JSON object per line (default: FILE.errors.jsonl); rewritten on each run.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// The column (or JSON field) holding each row's external key (default: external_key when present, else the file name and row number).
    #[arg(long)]
    key_column: Option<String>,
    /// Rows issued at once (rendering, sealing and storing in parallel; default 0: one per core).
    #[arg(long, default_value_t = 0)]
    workers: usize,
}

/// A row: its number (from 1, the CSV header not counted; the line for JSON lines) and its
/// values, or why it cannot be read.
type Row = (u64, Result<Map<String, Value>, String>);

/// The rows of a file, read as they are issued (a file of any size).
enum Rows {
    Csv {
        headers: Vec<String>,
        records: csv::StringRecordsIntoIter<std::fs::File>,
        n: u64,
    },
    Jsonl {
        lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
        n: u64,
    },
}

fn open_file(path: &Path) -> Result<std::fs::File, CliError> {
    std::fs::File::open(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))
}

fn is_csv(path: &Path) -> bool {
    !path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        e.eq_ignore_ascii_case("jsonl")
            || e.eq_ignore_ascii_case("ndjson")
            || e.eq_ignore_ascii_case("json")
    })
}

impl Rows {
    fn open(path: &Path) -> Result<Rows, CliError> {
        if is_csv(path) {
            let mut r = csv::ReaderBuilder::new().from_reader(open_file(path)?);
            let headers = r
                .headers()
                .map_err(|e| CliError(format!("{}: {e}", path.display())))?
                .iter()
                .map(|h| h.trim().to_string())
                .collect::<Vec<_>>();
            if headers.iter().all(String::is_empty) {
                return Err(CliError(format!(
                    "{}: the first line names the field keys",
                    path.display()
                )));
            }
            Ok(Rows::Csv {
                headers,
                records: r.into_records(),
                n: 0,
            })
        } else {
            Ok(Rows::Jsonl {
                lines: std::io::BufReader::new(open_file(path)?).lines(),
                n: 0,
            })
        }
    }

    /// How many rows the file holds (a first pass, for the progress line).
    fn count(path: &Path) -> Result<u64, CliError> {
        let mut n = 0;
        match Rows::open(path)? {
            Rows::Csv { records, .. } => {
                for _ in records {
                    n += 1;
                }
            }
            Rows::Jsonl { lines, .. } => {
                for l in lines {
                    let l = l.map_err(|e| CliError(format!("{}: {e}", path.display())))?;
                    if !l.trim().is_empty() {
                        n += 1;
                    }
                }
            }
        }
        Ok(n)
    }

    fn column(&self, key: &str) -> bool {
        match self {
            Rows::Csv { headers, .. } => headers.iter().any(|h| h == key),
            Rows::Jsonl { .. } => true,
        }
    }
}

impl Iterator for Rows {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        match self {
            Rows::Csv {
                headers,
                records,
                n,
            } => {
                let rec = records.next()?;
                *n += 1;
                Some((
                    *n,
                    rec.map_err(|e| e.to_string()).map(|r| {
                        headers
                            .iter()
                            .zip(r.iter())
                            .filter(|(h, _)| !h.is_empty())
                            .map(|(h, v)| (h.clone(), Value::String(v.to_string())))
                            .collect()
                    }),
                ))
            }
            Rows::Jsonl { lines, n } => loop {
                let line = lines.next()?;
                *n += 1;
                let line = match line {
                    Ok(l) => l,
                    Err(e) => return Some((*n, Err(e.to_string()))),
                };
                if line.trim().is_empty() {
                    continue;
                }
                return Some((
                    *n,
                    match serde_json::from_str(&line) {
                        Ok(Value::Object(m)) => Ok(m),
                        Ok(_) => Err("not a JSON object".to_string()),
                        Err(e) => Err(format!("not JSON: {e}")),
                    },
                ));
            },
        }
    }
}

/// The counts of an import.
#[derive(Default)]
struct Counts {
    done: u64,
    issued: u64,
    skipped: u64,
    failed: u64,
}

/// The progress line on standard error.
struct Progress {
    total: u64,
    started: Instant,
    last: Instant,
    last_done: u64,
    tty: bool,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let now = Instant::now();
        Progress {
            total,
            started: now,
            last: now,
            last_done: 0,
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn rate(&self, done: u64) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 { done as f64 / secs } else { 0.0 }
    }

    fn line(&self, c: &Counts) -> String {
        let rate = self.rate(c.done);
        let eta = if rate > 0.0 && self.total >= c.done {
            clock((self.total - c.done) as f64 / rate)
        } else {
            "-".into()
        };
        format!(
            "{}/{} rows: {} issued, {} skipped, {} failed; {rate:.1} rows/s, ETA {eta}",
            c.done, self.total, c.issued, c.skipped, c.failed
        )
    }

    fn tick(&mut self, c: &Counts) {
        let since = self.last.elapsed();
        let mut err = std::io::stderr().lock();
        if self.tty {
            if since >= REDRAW_EVERY || c.done == self.total {
                let _ = write!(err, "\r{}\x1b[K", self.line(c));
                let _ = err.flush();
                self.last = Instant::now();
            }
        } else if c.done - self.last_done >= LINE_EVERY_ROWS || since >= LINE_EVERY {
            let _ = writeln!(err, "{}", self.line(c));
            self.last = Instant::now();
            self.last_done = c.done;
        }
    }

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

/// `H:MM:SS`.
fn clock(secs: f64) -> String {
    let s = secs.round().clamp(0.0, 1e9) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The errors file: one JSON object per failed row.
struct Errors {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl Errors {
    fn create(path: PathBuf) -> Result<Errors, CliError> {
        let f = std::fs::File::create(&path)
            .map_err(|e| CliError(format!("cannot create {}: {e}", path.display())))?;
        Ok(Errors {
            path,
            out: std::io::BufWriter::new(f),
        })
    }

    /// Record row `row` (key `key`) as failed: the field errors, or another reason. No
    /// resident identity number is written, whatever the row held.
    fn row(&mut self, row: u64, key: Option<&str>, why: Why) -> Result<(), CliError> {
        let key = key.map(redact_id_numbers);
        let mut v = json!({"row": row, "key": key});
        match why {
            Why::Fields(errors) => {
                v["errors"] = errors
                    .iter()
                    .map(|e| {
                        json!({"field": redact_id_numbers(&e.field), "reason": redact_id_numbers(&e.reason)})
                    })
                    .collect();
            }
            Why::Other(m) => v["error"] = Value::String(redact_id_numbers(&m)),
        }
        writeln!(self.out, "{v}")
            .map_err(|e| CliError(format!("cannot write {}: {e}", self.path.display())))
    }

    fn close(mut self) -> Result<(), CliError> {
        self.out
            .flush()
            .map_err(|e| CliError(format!("cannot write {}: {e}", self.path.display())))
    }
}

/// Why a row failed.
enum Why {
    Fields(Vec<crate::licence::fields::FieldError>),
    Other(String),
}

/// The key of a row and its values without the key column (unless the column is a field).
fn row_key(
    kind: &LicenceKind,
    values: &mut Map<String, Value>,
    column: &str,
    explicit: bool,
    fallback: String,
) -> Result<String, String> {
    let found = if kind.field(column).is_some() {
        values.get(column).cloned()
    } else {
        values.remove(column)
    };
    let key = match found {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) | Some(Value::String(_)) if !explicit => fallback,
        _ => return Err(format!("no external key in `{column}`")),
    };
    check_key(&key)?;
    Ok(key)
}

/// `yinxin licence import`.
pub(super) async fn import(a: ImportArgs) -> Result<(), CliError> {
    let file_name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rows".into());
    let errors_path = a.errors.clone().unwrap_or_else(|| {
        let mut p = a.file.clone().into_os_string();
        p.push(".errors.jsonl");
        PathBuf::from(p)
    });
    if errors_path == a.file {
        return Err(CliError("--errors must not be the input file".into()));
    }
    let total = Rows::count(&a.file)?;
    let mut rows = Rows::open(&a.file)?;
    let column = a.key_column.clone().unwrap_or_else(|| KEY_COLUMN.into());
    let explicit = a.key_column.is_some();
    if explicit && !rows.column(&column) {
        return Err(CliError(format!(
            "--key-column: {} has no column `{column}`",
            a.file.display()
        )));
    }
    if !rows.column(&column) {
        eprintln!(
            "note: no `{KEY_COLUMN}` column: rows are keyed by file name and row number ({file_name}#N); run the same file again to resume"
        );
    }
    let opened = Arc::new(Opened::open(&a.on.data, a.on.key_passphrase_file.as_deref()).await?);
    let kind = opened
        .catalogue
        .by_key(&a.kind)
        .ok_or_else(|| CliError(LicenceError::UnknownKind(a.kind.clone()).to_string()))?;
    if kind.field(&column).is_some_and(|f| f.sensitive) {
        // External keys are stored in clear: never a personal identity number.
        return Err(CliError(format!(
            "--key-column: `{column}` is a sensitive field of {} and external keys are stored in clear: use another column",
            kind.key
        )));
    }
    if !kind.may_issue(&a.on.agency) {
        return Err(CliError(
            DraftError::NotAllowed {
                agency: a.on.agency.clone(),
                kind: kind.key.clone(),
            }
            .to_string(),
        ));
    }
    let sealer = Arc::new(opened.sealer(&a.on.agency, &a.cert).await?);
    let workers = match a.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut errors = Errors::create(errors_path.clone())?;
    let mut progress = Progress::new(total);
    let mut c = Counts::default();
    let mut ts_problem = None;
    let actor = super::common::actor();
    // Rows are issued by up to `workers` tasks at once; their outcomes are taken in row order,
    // so the counts, the errors file and the progress line are those of a sequential run.
    let mut pending: VecDeque<Pending> = VecDeque::with_capacity(workers);
    loop {
        let full = pending.len() >= workers;
        let next = if full { None } else { rows.next() };
        let Some((n, values)) = next else {
            let Some(p) = pending.pop_front() else {
                break;
            };
            let (n, key) = (p.n, p.key.clone());
            let outcome = match p.wait().await {
                Err(RowError::Fatal(e)) => {
                    // Let the rows already started finish (each is all or nothing), then stop.
                    for p in pending.drain(..) {
                        if let Ok((true, _)) = p.wait().await {
                            c.issued += 1;
                        }
                    }
                    progress.finish();
                    errors.close()?;
                    return Err(CliError(format!(
                        "stopped at row {n} after {} issued: {e}",
                        c.issued
                    )));
                }
                Err(RowError::Row(why)) => Err((key, why)),
                Ok((issued, ts)) => {
                    ts_problem = ts_problem.or(ts);
                    Ok(issued)
                }
            };
            c.done += 1;
            match outcome {
                Ok(true) => c.issued += 1,
                Ok(false) => c.skipped += 1,
                Err((key, why)) => {
                    c.failed += 1;
                    errors.row(n, key.as_deref(), why)?;
                }
            }
            progress.tick(&c);
            continue;
        };
        let fallback = format!("{file_name}#{n}");
        let p = match values {
            Err(e) => Pending::failed(n, None, Why::Other(e)),
            Ok(mut values) => match row_key(kind, &mut values, &column, explicit, fallback) {
                Err(e) => Pending::failed(n, None, Why::Other(e)),
                Ok(key) => {
                    let (opened, sealer) = (opened.clone(), sealer.clone());
                    let (agency, kind, actor) =
                        (a.on.agency.clone(), a.kind.clone(), actor.clone());
                    let k = key.clone();
                    Pending {
                        n,
                        key: Some(key),
                        work: Work::Running(tokio::spawn(async move {
                            let reg = opened.registry();
                            issue_row(&opened, &sealer, &reg, &agency, &kind, values, &k, &actor)
                                .await
                        })),
                    }
                }
            },
        };
        pending.push_back(p);
    }
    progress.finish();
    errors.close()?;
    if let Some(p) = ts_problem {
        eprintln!("warning: some seals carry no timestamp: {p}");
    }
    let elapsed = progress.started.elapsed().as_secs_f64();
    let rate = progress.rate(c.done);
    println!(
        "{}",
        json!({
            "rows": c.done,
            "issued": c.issued,
            "skipped": c.skipped,
            "failed": c.failed,
            "elapsed_seconds": (elapsed * 1000.0).round() / 1000.0,
            "rows_per_second": (rate * 10.0).round() / 10.0,
            "errors_file": errors_path.display().to_string(),
        })
    );
    eprintln!(
        "{} issued, {} skipped (already issued), {} failed in {}, {rate:.1} rows/s",
        c.issued,
        c.skipped,
        c.failed,
        clock(elapsed)
    );
    if c.failed > 0 {
        return Err(CliError(format!(
            "{} of {} rows failed: see {}",
            c.failed,
            c.done,
            errors_path.display()
        )));
    }
    Ok(())
}

/// Why a row was not issued: the row's own fault, or the registry's (the import stops).
enum RowError {
    Row(Why),
    Fatal(String),
}

/// What [`issue_row`] gives.
type Issuing = Result<(bool, Option<String>), RowError>;

/// A row on its way: failed before issuing, or being issued by a task.
struct Pending {
    n: u64,
    key: Option<String>,
    work: Work,
}

enum Work {
    Failed(Why),
    Running(tokio::task::JoinHandle<Issuing>),
}

impl Pending {
    fn failed(n: u64, key: Option<String>, why: Why) -> Pending {
        Pending {
            n,
            key,
            work: Work::Failed(why),
        }
    }

    /// The row's outcome once its task is done.
    async fn wait(self) -> Issuing {
        match self.work {
            Work::Failed(why) => Err(RowError::Row(why)),
            Work::Running(task) => task
                .await
                .unwrap_or_else(|e| Err(RowError::Fatal(format!("a worker failed: {e}")))),
        }
    }
}

/// Issue one row (`Ok(true)`), or skip it when its key was used already (`Ok(false)`); with
/// the reason its seal has no timestamp, if it has none.
#[allow(clippy::too_many_arguments)]
async fn issue_row(
    opened: &Opened,
    sealer: &super::licence_issue::AgencySealer,
    reg: &crate::licence::service::Registry<'_>,
    agency: &str,
    kind: &str,
    values: Map<String, Value>,
    key: &str,
    actor: &str,
) -> Issuing {
    // Already issued: skipped without touching the file store or the keys.
    match opened.store.by_external_key(agency, key).await {
        Ok(Some(_)) => return Ok((false, None)),
        Ok(None) => {}
        Err(e) => return Err(RowError::Fatal(e.to_string())),
    }
    let req = IssueRequest {
        kind: kind.to_string(),
        agency: sealer.agency.clone(),
        values,
        external_key: Some(key.to_string()),
        actor: actor.to_string(),
    };
    match sealer.issue(reg, req).await {
        Ok((issued, ts)) => Ok((!issued.replayed, ts)),
        Err(LicenceError::Draft(DraftError::Fields(errors))) => {
            Err(RowError::Row(Why::Fields(errors)))
        }
        Err(e @ LicenceError::Store(LicenceStoreError::Backend(_))) => {
            Err(RowError::Fatal(e.to_string()))
        }
        Err(e) => Err(RowError::Row(Why::Other(e.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_formats() {
        assert_eq!(clock(0.0), "0:00:00");
        assert_eq!(clock(3725.4), "1:02:05");
        assert!(is_csv(Path::new("a.csv")));
        assert!(is_csv(Path::new("a.CSV")));
        assert!(!is_csv(Path::new("a.jsonl")));
    }

    #[test]
    fn rows_of_csv_and_jsonl() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("r.csv");
        std::fs::write(
            &csv_path,
            "\u{feff}name,external_key,note\n\"甲, 乙\",k1,\"two\nlines\"\nb,k2,\n",
        )
        .unwrap();
        assert_eq!(Rows::count(&csv_path).unwrap(), 2);
        let rows: Vec<Row> = Rows::open(&csv_path).unwrap().collect();
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first["name"], "甲, 乙");
        assert_eq!(first["external_key"], "k1");
        assert_eq!(first["note"], "two\nlines");
        assert_eq!(rows[1].0, 2);
        assert!(Rows::open(&csv_path).unwrap().column("external_key"));

        let jl = dir.path().join("r.jsonl");
        std::fs::write(&jl, "{\"name\":\"a\"}\n\n[1]\n{bad\n").unwrap();
        assert_eq!(Rows::count(&jl).unwrap(), 3);
        let rows: Vec<Row> = Rows::open(&jl).unwrap().collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].1.as_ref().unwrap()["name"], "a");
        assert_eq!(rows[1].0, 3, "numbered by line");
        assert!(rows[1].1.is_err() && rows[2].1.is_err());
    }

    #[test]
    fn progress_line() {
        let p = Progress::new(2000);
        let c = Counts {
            done: 1000,
            issued: 900,
            skipped: 90,
            failed: 10,
        };
        let line = p.line(&c);
        assert!(
            line.starts_with("1000/2000 rows: 900 issued, 90 skipped, 10 failed; "),
            "{line}"
        );
        assert!(line.contains(" rows/s, ETA "), "{line}");
    }

    #[test]
    fn keys_of_rows() {
        let cat = crate::licence::Catalogue::builtin();
        let kind = cat.by_key("business-licence").unwrap();
        let mut v: Map<String, Value> =
            serde_json::from_str(r#"{"external_key":" k-1 ","credit_code":"91440101MA5CJMYA97"}"#)
                .unwrap();
        assert_eq!(
            row_key(kind, &mut v, "external_key", false, "f#1".into()).unwrap(),
            "k-1"
        );
        assert!(!v.contains_key("external_key"), "not a field: removed");
        // A field used as the key stays a value.
        assert_eq!(
            row_key(kind, &mut v, "credit_code", true, "f#1".into()).unwrap(),
            "91440101MA5CJMYA97"
        );
        assert!(v.contains_key("credit_code"));
        // Absent: the row number, unless the column was asked for.
        let mut empty = Map::new();
        assert_eq!(
            row_key(kind, &mut empty, "external_key", false, "f#7".into()).unwrap(),
            "f#7"
        );
        assert!(row_key(kind, &mut empty, "external_key", true, "f#7".into()).is_err());
        let mut long = Map::new();
        long.insert("external_key".into(), Value::String("x".repeat(129)));
        assert!(row_key(kind, &mut long, "external_key", false, "f#1".into()).is_err());
    }
}
