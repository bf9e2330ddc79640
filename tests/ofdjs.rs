//! Interoperability: an e-licence issued by `yinxin licence issue`, of each shipped kind, opens
//! in ofd.js 0.2.6 (the npm OFD viewer for web pages), run under jsdom by `tests/ofdjs/open.js`:
//! one page, the holder's name, the licence number and the identifier among the rendered text,
//! the seal drawn from `Signatures.xml`, its SES signature and the digests of the signed files
//! accepted by ofd.js, no error. Negative controls, so the check can fail: a page changed after
//! sealing fails ofd.js's digest check; a truncated file is reported as an error.
//!
//! Needs `node` and a directory whose `node_modules` holds ofd.js@0.2.6 and jsdom, named by
//! `YINXIN_OFDJS_DIR` (`.ci/run` installs them outside the tree); without them the test prints
//! a `skipped: …` line and passes.

mod common;
use common::{init_region, run_ok, yinxin};
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a single ofd.js run may take (the script stops itself after 30 s).
const NODE_TIMEOUT: Duration = Duration::from_secs(120);

/// The ofd.js directory, or why the test cannot run here.
fn ofdjs_dir() -> Result<PathBuf, String> {
    let dir = std::env::var_os("YINXIN_OFDJS_DIR")
        .map(PathBuf::from)
        .ok_or("YINXIN_OFDJS_DIR is not set (.ci/run installs ofd.js@0.2.6 and jsdom with npm and sets it)")?;
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Err("node is not installed".into());
    }
    let pkg = dir.join("node_modules/ofd.js/package.json");
    let text = std::fs::read_to_string(&pkg).map_err(|e| {
        format!(
            "{}: {e} (npm install ofd.js@0.2.6 jsdom there)",
            pkg.display()
        )
    })?;
    let version = serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())?["version"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if version != "0.2.6" {
        return Err(format!("{} is ofd.js {version}, not 0.2.6", pkg.display()));
    }
    if !dir.join("node_modules/jsdom/package.json").is_file() {
        return Err(format!("no jsdom in {}/node_modules", dir.display()));
    }
    Ok(dir)
}

/// `node tests/ofdjs/open.js FILE`: its JSON report and exit code, bounded by [`NODE_TIMEOUT`].
fn open(dir: &Path, file: &Path) -> (Value, Option<i32>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ofdjs/open.js");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(file)
        .env("YINXIN_OFDJS_DIR", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).map(|_| s)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > NODE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ofd.js on {} ran past {NODE_TIMEOUT:?}", file.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap().unwrap_or_default();
    let err = err.join().unwrap().unwrap_or_default();
    let report = serde_json::from_str(out.trim()).unwrap_or_else(|e| {
        panic!(
            "ofd.js on {}: no JSON report ({e}), exit {status}\nstdout: {out}\nstderr: {err}",
            file.display()
        )
    });
    (report, status.code())
}

/// A GB 32100 code: the 17 characters given and their check character.
fn credit_code(first17: &str) -> String {
    let c = yinxin::pki::identifiers::credit_code_check_char(first17).unwrap();
    format!("{first17}{c}")
}

/// The kind's values, and the holder's name and licence number among them.
fn values(kind: &str) -> (Value, &'static str, &'static str) {
    let (holder, number) = match kind {
        "business-licence" => ("广州示例科技有限公司", "91440101MA5CJMYA97"),
        "food-business-licence" => ("示例餐饮店", "JY14401010000001"),
        "professional-qualification" => ("王小明", "A2026000123"),
        other => panic!("no values for {other}"),
    };
    (common::licence::values(kind), holder, number)
}

/// A region (`yinxin init`) with an agency that may issue licences (its SM2 organization
/// certificate, key imported with a licence-issuer token, its e-licence seal listing it).
/// Returns (data dir, agency credit code, certificate serial).
fn region(work: &Path) -> (PathBuf, String, String) {
    let data = work.join("data");
    init_region(&data, None);
    let agency = credit_code("11440100MB2C12345");
    let (_, serial) =
        common::licence::agency_with_serial(&data, work, "广州市市场监督管理局", &agency, "agency");
    (data, agency, serial)
}

#[test]
fn issued_licences_open_in_ofdjs() {
    let dir = match ofdjs_dir() {
        Ok(d) => d,
        Err(why) => {
            println!("skipped: ofd.js interoperability: {why}");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let (data, agency, serial) = region(work);

    let mut first = None;
    for kind in [
        "business-licence",
        "food-business-licence",
        "professional-qualification",
    ] {
        let (v, holder, number) = values(kind);
        let vfile = work.join(format!("{kind}.json"));
        std::fs::write(&vfile, v.to_string()).unwrap();
        let ofd = work.join(format!("{kind}.ofd"));
        let o = run_ok(
            yinxin()
                .args(["licence", "issue", "--kind", kind, "--agency", &agency])
                .args(["--cert", &serial, "--values"])
                .arg(&vfile)
                .arg("--out")
                .arg(&ofd)
                .arg("--data-dir")
                .arg(&data),
        );
        let issued: Value = serde_json::from_slice(&o.stdout).unwrap();
        let id = issued["identifier"].as_str().unwrap().to_string();

        let (r, code) = open(&dir, &ofd);
        assert_eq!(r["ofdjs"], "0.2.6", "{kind}: {r:#}");
        assert_eq!(r["errors"], json!([]), "{kind}: {r:#}");
        assert_eq!(code, Some(0), "{kind}: {r:#}");
        assert_eq!(r["pages"], 1, "{kind}: {r:#}");
        assert_eq!(r["rendered"], 1, "{kind}: {r:#}");
        let text: Vec<&str> = r["text"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for want in [holder, number, id.as_str()] {
            assert!(
                text.iter().any(|t| t.contains(want)),
                "{kind}: {want:?} not among the text ofd.js rendered: {text:?}"
            );
        }
        assert_eq!(r["seals"], 1, "{kind}: the seal was not rendered: {r:#}");
        assert_eq!(
            r["seal_verify"],
            json!([true]),
            "{kind}: ofd.js did not accept the seal's signature: {r:#}"
        );
        assert_eq!(
            r["seal_digests"],
            json!([true]),
            "{kind}: ofd.js's digest check of the signed files failed: {r:#}"
        );
        assert!(
            r["seal_references"][0].as_u64().unwrap() >= 8,
            "{kind}: {r:#}"
        );
        // The QR code at least (and the photo for a person's certificate), besides the seal.
        let images = r["images"].as_u64().unwrap();
        assert!(images >= 2, "{kind}: {images} images: {r:#}");
        first.get_or_insert((ofd, holder));
    }
    let (first, holder) = first.unwrap();

    // Negative controls. The page changed after sealing: ofd.js still draws it, with the
    // changed text, but its digest check of the signed files fails.
    let forged = work.join("forged.ofd");
    std::fs::write(
        &forged,
        replace_in_entry(
            &std::fs::read(&first).unwrap(),
            "Doc_0/Pages/Page_0/Content.xml",
            holder,
            "广州伪造科技有限公司",
        ),
    )
    .unwrap();
    let (r, code) = open(&dir, &forged);
    assert_eq!(code, Some(0), "{r:#}");
    assert!(r.to_string().contains("广州伪造科技有限公司"), "{r:#}");
    assert_eq!(r["seal_digests"], json!([false]), "{r:#}");

    // The same file cut in half is not an OFD ofd.js can open.
    let whole = std::fs::read(&first).unwrap();
    let cut = work.join("truncated.ofd");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let (r, code) = open(&dir, &cut);
    assert_eq!(code, Some(1), "{r:#}");
    assert_eq!(r["pages"], 0, "{r:#}");
    let errors = r["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("parse: ")),
        "{r:#}"
    );
}

/// The OFD `zip` with `from` replaced by `to` in the entry `name` (the other entries as they were).
fn replace_in_entry(zip: &[u8], name: &str, from: &str, to: &str) -> Vec<u8> {
    use std::io::Write;
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut replaced = false;
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let entry = f.name().unwrap().to_string();
        let mut data = vec![];
        f.read_to_end(&mut data).unwrap();
        if entry == name {
            let text = String::from_utf8(data).unwrap();
            assert!(text.contains(from), "{from:?} not in {name}");
            data = text.replace(from, to).into_bytes();
            replaced = true;
        }
        w.start_file(entry, deflated).unwrap();
        w.write_all(&data).unwrap();
    }
    assert!(replaced, "no {name} in the OFD");
    w.finish().unwrap().into_inner()
}
