//! What a citizen is told of a verification report: the verdict in one word, who sealed or
//! signed and when (proven by a timestamp, or only claimed), the licence's data and status,
//! and why, in plain words, for anything not valid.
//!
//! Built from the JSON report `POST /v1/verify` answers (the same value, so the page can
//! never say more than the API): the verdict starts [`Verdict::Undecided`] and is raised only
//! by the report's own top-level indication — a missing or unknown indication stays
//! undecided. The seal pictures shown are those of seals whose own verification passed: a
//! forged seal's picture is never displayed beside the result.

use crate::i18n::{Lang, t};
use serde_json::Value;

/// The one-word result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 有效: every check ran and passed (TOTAL_PASSED).
    Valid,
    /// 无效: a check failed (TOTAL_FAILED).
    Invalid,
    /// 无法确定: anything else.
    Undecided,
}

impl Verdict {
    /// From a report's `indication`; anything but the two decided values is undecided.
    pub fn of(indication: &Value) -> Verdict {
        match indication.as_str() {
            Some("TOTAL_PASSED") => Verdict::Valid,
            Some("TOTAL_FAILED") => Verdict::Invalid,
            _ => Verdict::Undecided,
        }
    }

    /// The CSS class and catalogue suffix: `valid`, `invalid`, `undecided`.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Undecided => "undecided",
        }
    }
}

/// When a signature was made, as far as the report knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhenSigned {
    /// The time, `YYYY-MM-DD HH:MM:SS` UTC+8 (Beijing time, as the documents are read).
    pub at: String,
    /// Proven by a validated timestamp (else only what the signer wrote).
    pub proven: bool,
}

/// One seal or signature of the object.
#[derive(Clone, Debug, Default)]
pub struct SignerView {
    /// `Seal` or `Sign` (OFD), `seal`, `signature`, `certificate`, `cms`.
    pub kind: String,
    /// The organization (or person) of the signer's certificate.
    pub organization: Option<String>,
    /// The seal's name.
    pub seal_name: Option<String>,
    /// When.
    pub when: Option<WhenSigned>,
    /// This signature's own verdict.
    pub verdict: Option<Verdict>,
    /// Where its signed value is in the package (to find the seal picture).
    pub signed_value: Option<String>,
}

/// One field of a licence as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldLine {
    /// Label in the page's language (the key when the report has no label).
    pub label: String,
    /// Value, masked when sensitive.
    pub value: String,
}

/// The licence part.
#[derive(Clone, Debug, Default)]
pub struct LicenceView {
    /// Its kind's name.
    pub kind_name: Option<String>,
    /// ZZBS.
    pub identifier: Option<String>,
    /// Version.
    pub version: Option<u64>,
    /// Holder as printed (QR claims) — the fields carry it for a file.
    pub holder_name: Option<String>,
    /// Valid to.
    pub valid_to: Option<String>,
    /// `active`, `suspended`, `revoked`, `superseded`, `expired`, `unknown`.
    pub status: String,
    /// The current version, when superseded.
    pub current_identifier: Option<String>,
    /// The fields (file) in order.
    pub fields: Vec<FieldLine>,
    /// A holder's showing (亮证): when it was shown, only when the report's `shown` check
    /// passed (a showing past its time is a reason, not a line).
    pub shown_at: Option<String>,
}

/// One step of the report, for the details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepLine {
    /// Which part: the licence, a signature's id, …
    pub part: String,
    /// The check's name.
    pub name: String,
    /// `passed`, `failed`, `indeterminate`, `skipped`.
    pub outcome: String,
    /// What was found.
    pub detail: String,
}

/// Everything the page shows of one report.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The result.
    pub verdict: Verdict,
    /// What was verified (`e-licence`, `e-licence-qr`, `ofd`, `seal`, `signature`,
    /// `certificate`, `cms`, or empty when the report does not say).
    pub object: String,
    /// Why, in plain words (empty when valid).
    pub reasons: Vec<String>,
    /// Files changed or added after signing, or not covered.
    pub files: Vec<String>,
    /// Each seal or signature.
    pub signers: Vec<SignerView>,
    /// The licence, for an e-licence.
    pub licence: Option<LicenceView>,
    /// What the relying party should know beyond the verdict.
    pub warnings: Vec<String>,
    /// Every step.
    pub steps: Vec<StepLine>,
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// A report's bilingual text (`{"en": …, "zh-CN": …}`) in `lang`.
fn bilingual(v: &Value, lang: Lang) -> Option<String> {
    text(&v[lang.tag()]).or_else(|| text(&v["en"]))
}

/// The kind's names are `{"zh": …, "en": …}`.
fn kind_name(v: &Value, lang: Lang) -> Option<String> {
    let key = if lang == Lang::ZhCn { "zh" } else { "en" };
    text(&v[key]).or_else(|| text(&v["zh"]))
}

/// The organization of an RFC 4514 subject: its `O`, else its `CN`.
pub fn organization_of(subject: &str) -> Option<String> {
    let parts: Vec<&str> = subject.split(',').map(str::trim).collect();
    let of = |k: &str| {
        parts
            .iter()
            .find_map(|p| p.strip_prefix(k))
            .map(str::to_string)
    };
    of("O=").or_else(|| of("CN="))
}

/// Unix seconds as Beijing time, `YYYY-MM-DD HH:MM:SS`.
pub fn beijing(unix: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix + 8 * 3600).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// An RFC 3339 time as Beijing time.
fn beijing_rfc3339(s: &str) -> Option<String> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    beijing(t.unix_timestamp())
}

/// When a seal report says it was made: the proven time when a validated timestamp gave one,
/// else the claimed time marked as such.
fn when_of(seal: &Value) -> Option<WhenSigned> {
    let time = &seal["time"];
    if time["basis"] == "timestamp"
        && let Some(at) = time["proven"]["at"].as_i64()
    {
        return beijing(at).map(|at| WhenSigned { at, proven: true });
    }
    text(&time["claimed"])
        .and_then(|c| beijing_rfc3339(&c))
        .map(|at| WhenSigned { at, proven: false })
}

/// The signer of a seal report: its signer chain's subject, else the maker's (a bare seal).
fn signer_of(seal: &Value, kind: &str, signed_value: Option<String>) -> SignerView {
    let subject = |chain: &Value| text(&chain["path"][0]["subject"]);
    let org = subject(&seal["signer_chain"])
        .or_else(|| subject(&seal["maker_chain"]))
        .and_then(|s| organization_of(&s));
    SignerView {
        kind: kind.to_string(),
        organization: org,
        seal_name: text(&seal["seal"]["name"]),
        when: when_of(seal),
        verdict: Some(Verdict::of(&seal["indication"])),
        signed_value,
    }
}

/// A PDF signature: a seal's (its SES_Signature's report), else the CMS signer's; the time a
/// signature time-stamp or a document time-stamp proved (PAdES carries no signingTime: the
/// `/M` claim is not shown).
fn pdf_signer_of(sig: &Value) -> SignerView {
    let verdict = Some(Verdict::of(&sig["indication"]));
    if sig["seal"].is_object() {
        let mut v = signer_of(&sig["seal"], "seal", None);
        v.verdict = verdict;
        return v;
    }
    let proven = sig["cms"]["timestamp_time"]
        .as_i64()
        .or_else(|| sig["proven_time"].as_i64());
    SignerView {
        kind: text(&sig["kind"]).unwrap_or_else(|| "signature".into()),
        organization: text(&sig["cms"]["signer"]).and_then(|s| organization_of(&s)),
        seal_name: None,
        when: proven
            .and_then(beijing)
            .map(|at| WhenSigned { at, proven: true }),
        verdict,
        signed_value: None,
    }
}

/// Why a report is not valid: its reason's text, else its sub-indication's, then its detail.
fn reasons_of(r: &Value, lang: Lang, out: &mut Vec<String>) {
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(s) = bilingual(&r["reason_text"], lang) {
        push(s);
    } else if let Some(s) = bilingual(&r["failure"]["reason_text"], lang) {
        push(s);
    } else if let Some(s) = bilingual(&r["sub_indication_text"], lang) {
        push(s);
    } else if let Some(sub) = r["sub_indication"].as_str() {
        push(t(lang, &format!("subindication-{sub}"), &[]));
    }
    if let Some(d) = text(&r["detail"]) {
        push(d);
    }
}

fn steps_of(part: &str, list: &Value, out: &mut Vec<StepLine>) {
    for c in list.as_array().into_iter().flatten() {
        let name = text(&c["check"]).or_else(|| text(&c["name"]));
        let Some(name) = name else { continue };
        out.push(StepLine {
            part: part.to_string(),
            name,
            outcome: text(&c["outcome"]).unwrap_or_default(),
            detail: text(&c["detail"]).unwrap_or_default(),
        });
    }
}

fn licence_of(l: &Value, lang: Lang) -> LicenceView {
    let fields = l["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let label = kind_name(&f["label"], lang).or_else(|| text(&f["key"]))?;
            Some(FieldLine {
                label,
                value: text(&f["value"]).unwrap_or_default(),
            })
        })
        .collect();
    LicenceView {
        kind_name: kind_name(&l["kind"]["name"], lang),
        identifier: text(&l["identifier"]),
        version: l["version"].as_u64(),
        holder_name: text(&l["claims"]["holder_name"]),
        valid_to: text(&l["valid_to"]),
        status: text(&l["status"]).unwrap_or_else(|| "unknown".into()),
        current_identifier: text(&l["current_identifier"]),
        fields,
        shown_at: shown_at(l),
    }
}

/// When the holder showed the licence, if the report's `shown` check passed.
fn shown_at(l: &Value) -> Option<String> {
    let passed = l["checks"]
        .as_array()?
        .iter()
        .any(|c| c["check"] == "shown" && c["outcome"] == "passed");
    let at = l["claims"]["shown"]["at"].as_i64()?;
    passed.then(|| crate::clock::rfc3339(at))
}

impl Summary {
    /// What the page shows of `report` in `lang`.
    pub fn of(report: &Value, lang: Lang) -> Summary {
        let verdict = Verdict::of(&report["indication"]);
        let object = text(&report["object"]).unwrap_or_else(|| {
            if report.get("signatures").is_some() {
                "ofd".into()
            } else {
                String::new()
            }
        });
        let mut s = Summary {
            verdict,
            object: object.clone(),
            reasons: Vec::new(),
            files: Vec::new(),
            signers: Vec::new(),
            licence: None,
            warnings: Vec::new(),
            steps: Vec::new(),
        };
        // The licence (an e-licence file carries it under `licence`; a QR report is one).
        let licence = if report["licence"].is_object() {
            Some(&report["licence"])
        } else if object.starts_with("e-licence") {
            Some(report)
        } else {
            None
        };
        if let Some(l) = licence {
            s.licence = Some(licence_of(l, lang));
            steps_of("licence", &l["checks"], &mut s.steps);
            if verdict != Verdict::Valid {
                reasons_of(l, lang, &mut s.reasons);
            }
        }
        // PDF signatures and document time-stamps (of a PDF, or of a licence written as PDF).
        if object == "pdf" || report.get("pdf_indication").is_some() {
            for sig in report["signatures"].as_array().into_iter().flatten() {
                s.signers.push(pdf_signer_of(sig));
                let field = text(&sig["field"]).unwrap_or_default();
                if Verdict::of(&sig["indication"]) != Verdict::Valid {
                    reasons_of(&sig["seal"], lang, &mut s.reasons);
                    reasons_of(sig, lang, &mut s.reasons);
                }
                steps_of(&field, &sig["seal"]["steps"], &mut s.steps);
            }
            if verdict != Verdict::Valid {
                reasons_of(report, lang, &mut s.reasons);
            }
            return s;
        }
        // OFD signatures.
        for sig in report["signatures"].as_array().into_iter().flatten() {
            let id = text(&sig["id"]).unwrap_or_default();
            let kind = text(&sig["kind"]).unwrap_or_default();
            let sv = text(&sig["info"]["signed_value"]);
            let mut v = signer_of(&sig["seal"], &kind, sv);
            v.verdict = Some(Verdict::of(&sig["indication"]));
            s.signers.push(v);
            for f in sig["failed_files"].as_array().into_iter().flatten() {
                if let Some(f) = text(f)
                    && !s.files.contains(&f)
                {
                    s.files.push(f);
                }
            }
            for f in sig["uncovered"].as_array().into_iter().flatten() {
                if let Some(f) = text(f)
                    && !s.files.contains(&f)
                {
                    s.files.push(f);
                }
            }
            if Verdict::of(&sig["indication"]) != Verdict::Valid {
                reasons_of(&sig["seal"], lang, &mut s.reasons);
                reasons_of(sig, lang, &mut s.reasons);
            }
            steps_of(&format!("{kind} {id}"), &sig["seal"]["steps"], &mut s.steps);
        }
        // A bare seal or SES signature.
        if report["seal"].is_object() && report["steps"].is_array() {
            let kind = if object.starts_with("signature") {
                "signature"
            } else {
                "seal"
            };
            s.signers.push(signer_of(report, kind, None));
            steps_of(kind, &report["steps"], &mut s.steps);
        }
        // A certificate.
        if object == "certificate" {
            s.signers.push(SignerView {
                kind: "certificate".into(),
                organization: text(&report["path"][0]["subject"]).and_then(|x| organization_of(&x)),
                verdict: Some(verdict),
                ..SignerView::default()
            });
        }
        for w in report["warnings"].as_array().into_iter().flatten() {
            if let Some(w) = text(w) {
                s.warnings.push(w);
            }
        }
        if verdict != Verdict::Valid {
            reasons_of(report, lang, &mut s.reasons);
        }
        s
    }
}

#[cfg(test)]
mod tests;
