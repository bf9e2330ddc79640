//! `yinxin seal create` without `--picture` draws the seal's picture with the built-in font,
//! on any machine (no system CJK font, no `YINXIN_SEAL_FONT`); a character the font lacks and
//! an unreadable `YINXIN_SEAL_FONT` are one-line errors that say what to do.

mod common;
use common::{init_region, run_ok, yinxin};
use std::path::Path;
use std::process::Command;

const HOLDER: &str = "91350100M000100Y43";

/// `seal create` of an official seal named `name` for `serial`, without `--picture`.
fn create(data: &Path, serial: &str, name: &str, out: &Path) -> Command {
    let mut c = yinxin();
    c.env_remove("YINXIN_SEAL_FONT")
        .args(["seal", "create", "--holder", HOLDER, "--type", "official"])
        .args(["--name", name, "--signer", serial, "--data-dir"])
        .arg(data)
        .arg("--out")
        .arg(out);
    c
}

#[test]
fn seal_create_without_picture_draws_one_with_the_builtin_font() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let serial =
        common::http::issue_generated_org(&data, tmp.path(), "广州市数据局", HOLDER, "signer");

    let esl = tmp.path().join("seal.esl");
    let o = run_ok(&mut create(&data, &serial, "广州市数据局", &esl));
    let rec: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rec["status"], "active", "{rec}");
    let seal = yinxin::seal::Seal::from_der(&std::fs::read(&esl).unwrap()).unwrap();
    assert_eq!(seal.name, "广州市数据局");
    assert_eq!(seal.picture.kind, "PNG");
    assert_eq!((seal.picture.width_mm, seal.picture.height_mm), (42, 42));
    assert!(seal.picture.data.starts_with(b"\x89PNG\r\n\x1a\n"));
    let png = tiny_skia::Pixmap::decode_png(&seal.picture.data).unwrap();
    assert_eq!((png.width(), png.height()), (504, 504));
    let red = png
        .pixels()
        .iter()
        .filter(|c| c.alpha() > 128 && c.red() > 150 && c.green() < 80)
        .count();
    assert!(red > 504 * 504 / 20, "{red} red pixels");
    // The same picture as the library draws with the built-in font: deterministic.
    let official = yinxin::seal::types::by_key("official").unwrap();
    assert_eq!(
        seal.picture.data,
        yinxin::seal::picture::for_type_with("广州市数据局", &official, None).unwrap()
    );
    let o = run_ok(yinxin().args(["seal", "list", "--data-dir"]).arg(&data));
    assert!(String::from_utf8_lossy(&o.stdout).contains(rec["id"].as_str().unwrap()));

    // A character outside the font: refused, naming it, and no seal is made.
    let o = create(&data, &serial, "广州市龘数据局", &tmp.path().join("x.esl"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "the seal font has no glyph for '龘' (U+9F98): pass --picture FILE.png or set \
             YINXIN_SEAL_FONT to a font that has it"
        ),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!tmp.path().join("x.esl").exists());

    // YINXIN_SEAL_FONT naming a missing file: refused, saying so.
    let missing = tmp.path().join("no-such-font.ttf");
    let o = create(&data, &serial, "广州市数据局", &tmp.path().join("y.esl"))
        .env("YINXIN_SEAL_FONT", &missing)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("YINXIN_SEAL_FONT={}: ", missing.display())),
        "{err}"
    );
    let o = run_ok(yinxin().args(["seal", "list", "--data-dir"]).arg(&data));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim().lines().count(), 1);
}
