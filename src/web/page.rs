//! The verification page: the upload form (a file, the original data of a detached
//! signature, the text of a QR code, a photo of a QR code) and, after a verification, the
//! result — server-rendered, so it works without JavaScript; the script only adds camera
//! scanning and a print button. Texts are the catalogues' `web-…` messages.

use super::html::{Html, escape};
use super::view::{LicenceView, SignerView, Summary, Verdict};
use crate::i18n::{Lang, t};
use base64::Engine;

/// A picture to show beside a signer: PNG, JPEG or GIF bytes.
pub struct Picture {
    /// `image/png`, `image/jpeg`, `image/gif`.
    pub mime: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// What the page shows.
pub struct Page<'a> {
    /// Language.
    pub lang: Lang,
    /// The path the language switch links to (the page itself).
    pub path: &'a str,
    /// A verification's result.
    pub result: Option<Result<'a>>,
    /// A request that could not be verified (too large, nothing given, an unreadable photo).
    pub error: Option<String>,
}

/// A verification's result.
pub struct Result<'a> {
    /// What the page says of the report.
    pub summary: &'a Summary,
    /// The report itself (JSON, indented), for the details.
    pub report_json: &'a str,
    /// The report as compact JSON, for the download.
    pub report_compact: &'a str,
    /// Pictures by signer, aligned with `summary.signers`.
    pub pictures: &'a [Option<Picture>],
}

fn tr(lang: Lang, id: &str) -> String {
    t(lang, id, &[])
}

/// The whole page.
pub fn render(p: &Page<'_>) -> String {
    let lang = p.lang;
    let mut h = Html::default();
    let title = match &p.result {
        Some(r) => format!(
            "{} · {}",
            tr(lang, &format!("web-verdict-{}", r.summary.verdict.key())),
            tr(lang, "web-title")
        ),
        None => tr(lang, "web-title"),
    };
    head(&mut h, lang, &title);
    header(&mut h, lang, p.path);
    h.raw("<main id=\"main\">");
    if let Some(e) = &p.error {
        h.raw("<section class=\"result result-undecided\" role=\"alert\">")
            .element("p", "class=\"verdict\"", &tr(lang, "web-error"))
            .element("p", "", e)
            .raw("</section>");
    }
    match &p.result {
        Some(r) => {
            result(&mut h, lang, r);
            form(&mut h, lang);
        }
        None => {
            h.element("h1", "", &tr(lang, "web-heading")).element(
                "p",
                "class=\"lead\"",
                &tr(lang, "web-lead"),
            );
            form(&mut h, lang);
        }
    }
    foot(&mut h, lang);
    h.finish()
}

/// A licence's public status page (identifier, version, status, current version, valid to;
/// no personal data), stated at `produced_at`: no verdict.
pub fn render_status(lang: Lang, l: &LicenceView, produced_at: &str) -> String {
    let mut h = Html::default();
    head(&mut h, lang, &tr(lang, "web-licence-status-heading"));
    header(&mut h, lang, "/");
    h.raw("<main id=\"main\">")
        .element("h1", "", &tr(lang, "web-licence-status-heading"));
    h.raw("<section class=\"result\">");
    licence(&mut h, lang, l);
    h.element("p", "class=\"hint\"", produced_at);
    h.raw("</section>");
    form(&mut h, lang);
    foot(&mut h, lang);
    h.finish()
}

pub(super) fn head(h: &mut Html, lang: Lang, title: &str) {
    h.raw("<!doctype html><html lang=\"")
        .raw(lang.tag())
        .raw("\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<meta name=\"referrer\" content=\"no-referrer\">");
    h.element("title", "", title);
    h.raw(&format!(
        "<link rel=\"stylesheet\" href=\"{}\"><script src=\"{}\" defer></script></head><body>",
        super::assets::css_path(),
        super::assets::js_path()
    ));
    h.raw("<a class=\"skip\" href=\"#main\">")
        .text(&tr(lang, "web-skip"))
        .raw("</a>");
}

pub(super) fn foot(h: &mut Html, lang: Lang) {
    h.raw("</main><footer>")
        .element("p", "", &tr(lang, "web-footer"))
        .raw("</footer></body></html>");
}

pub(super) fn header(h: &mut Html, lang: Lang, path: &str) {
    h.raw("<header class=\"top\"><a class=\"brand\" href=\"/\">")
        .text(&tr(lang, "web-brand"))
        .raw("</a><nav class=\"langs\" aria-label=\"")
        .text(&tr(lang, "web-language"))
        .raw("\">");
    // Each language's name in itself, as language switches are written.
    for (l, name) in [(Lang::ZhCn, "中文"), (Lang::En, "English")] {
        let current = if l == lang {
            " aria-current=\"true\""
        } else {
            ""
        };
        h.raw(&format!(
            "<a href=\"{}?lang={}\" lang=\"{}\" hreflang=\"{}\"{current}>{name}</a>",
            escape(path),
            l.tag(),
            l.tag(),
            l.tag()
        ));
    }
    h.raw("</nav></header>");
}

fn form(h: &mut Html, lang: Lang) {
    h.raw("<section class=\"upload\" aria-labelledby=\"upload-h\">")
        .element("h2", "id=\"upload-h\"", &tr(lang, "web-form-heading"));
    h.raw("<form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\">")
        .raw(&format!(
            "<input type=\"hidden\" name=\"lang\" value=\"{}\">",
            lang.tag()
        ));
    field(h, lang, "file", "web-form-file");
    h.raw("<input id=\"file\" name=\"file\" type=\"file\" aria-describedby=\"file-hint\">");
    h.raw("<details class=\"more\"><summary>")
        .text(&tr(lang, "web-form-data-summary"))
        .raw("</summary>");
    field(h, lang, "data", "web-form-data");
    h.raw("<input id=\"data\" name=\"data\" type=\"file\" aria-describedby=\"data-hint\">")
        .raw("</details>");
    h.element("p", "class=\"or\"", &tr(lang, "web-form-or"));
    field(h, lang, "qr", "web-form-qr");
    h.raw("<textarea id=\"qr\" name=\"qr\" rows=\"3\" autocomplete=\"off\" spellcheck=\"false\" aria-describedby=\"qr-hint\"></textarea>");
    field(h, lang, "qr_photo", "web-form-photo");
    h.raw("<input id=\"qr_photo\" name=\"qr_photo\" type=\"file\" accept=\"image/png,image/jpeg\" capture=\"environment\" aria-describedby=\"qr_photo-hint\">");
    // Shown by the script where the browser has a camera and BarcodeDetector.
    h.raw("<div class=\"camera\" hidden><button type=\"button\" id=\"scan\" data-scanning=\"")
        .text(&tr(lang, "web-form-scanning"))
        .raw("\">")
        .text(&tr(lang, "web-form-camera"))
        .raw("</button><video id=\"camera\" playsinline muted hidden></video>")
        .raw("<p id=\"camera-status\" role=\"status\" aria-live=\"polite\"></p></div>");
    h.raw("<p><button type=\"submit\" class=\"primary\">")
        .text(&tr(lang, "web-form-submit"))
        .raw("</button></p></form></section>");
}

/// A form field's label and hint: catalogue messages `key` and `key-hint`.
fn field(h: &mut Html, lang: Lang, id: &str, key: &str) {
    h.raw(&format!("<label for=\"{id}\">"))
        .text(&tr(lang, key))
        .raw("</label>")
        .raw(&format!("<p class=\"hint\" id=\"{id}-hint\">"))
        .text(&tr(lang, &format!("{key}-hint")))
        .raw("</p>");
}

fn icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "✓",
        Verdict::Invalid => "✗",
        Verdict::Undecided => "?",
    }
}

fn result(h: &mut Html, lang: Lang, r: &Result<'_>) {
    let s = r.summary;
    let v = s.verdict;
    h.raw(&format!(
        "<section class=\"result result-{}\" aria-labelledby=\"verdict\">",
        v.key()
    ));
    h.raw("<h1 id=\"verdict\" class=\"verdict\"><span class=\"icon\" aria-hidden=\"true\">")
        .raw(icon(v))
        .raw("</span> ")
        .text(&tr(lang, &format!("web-verdict-{}", v.key())))
        .raw("</h1>");
    let what = what_key(&s.object);
    h.element(
        "p",
        "class=\"headline\"",
        &t(
            lang,
            &format!("web-headline-{}", v.key()),
            &[("what", &tr(lang, what))],
        ),
    );
    if !s.reasons.is_empty() || !s.files.is_empty() {
        h.element("h2", "", &tr(lang, "web-why"));
        h.raw("<ul class=\"why\">");
        for f in &s.files {
            h.element("li", "", &t(lang, "web-file-changed", &[("file", f)]));
        }
        for reason in &s.reasons {
            h.element("li", "", reason);
        }
        h.raw("</ul>");
    }
    if let Some(l) = &s.licence {
        licence(h, lang, l);
    }
    if !s.signers.is_empty() {
        h.element("h2", "", &tr(lang, "web-signers"));
        h.raw("<ul class=\"signers\">");
        for (i, sg) in s.signers.iter().enumerate() {
            signer(h, lang, sg, r.pictures.get(i).and_then(Option::as_ref));
        }
        h.raw("</ul>");
    }
    if !s.warnings.is_empty() {
        h.element("h2", "", &tr(lang, "web-warnings"));
        h.raw("<ul class=\"warnings\">");
        for w in &s.warnings {
            h.element("li", "", w);
        }
        h.raw("</ul>");
    }
    details(h, lang, r);
    h.raw("</section>");
}

/// The catalogue id naming what was verified.
fn what_key(object: &str) -> &'static str {
    match object {
        "e-licence" => "web-what-licence",
        "e-licence-qr" => "web-what-licence-qr",
        "certificate" => "web-what-certificate",
        "ofd" => "web-what-ofd",
        o if o.starts_with("seal") => "web-what-seal",
        o if o.starts_with("signature") || o.starts_with("cms") => "web-what-signature",
        _ => "web-what-object",
    }
}

fn licence(h: &mut Html, lang: Lang, l: &LicenceView) {
    h.raw("<div class=\"licence\">");
    h.element(
        "h2",
        "",
        l.kind_name
            .as_deref()
            .unwrap_or(&tr(lang, "web-what-licence")),
    );
    let status_text = tr(lang, &format!("web-status-{}", status_key(&l.status)));
    h.raw(&format!(
        "<p class=\"status status-{}\">",
        status_key(&l.status)
    ))
    .text(&tr(lang, "web-status"))
    .raw(" <strong>")
    .text(&status_text)
    .raw("</strong>");
    if let Some(current) = &l.current_identifier {
        h.raw(" · <a href=\"/verify/licence/")
            .raw(&escape(current))
            .raw(&format!("?lang={}\">", lang.tag()))
            .text(&tr(lang, "web-current-version"))
            .raw("</a>");
    }
    h.raw("</p><dl>");
    let mut row = |k: &str, v: &str| {
        h.element("dt", "", k).element("dd", "", v);
    };
    // A licence file's metadata already carries the identifier, holder and validity (ZZBS,
    // CZZT, ZZYXQJZRQ …); a QR payload or a status has only these.
    if l.fields.is_empty()
        && let Some(id) = &l.identifier
    {
        row(&tr(lang, "web-identifier"), id);
    }
    if let Some(v) = l.version {
        row(&tr(lang, "web-version"), &v.to_string());
    }
    if l.fields.is_empty() {
        if let Some(n) = &l.holder_name {
            row(&tr(lang, "web-holder"), n);
        }
        if let Some(v) = &l.valid_to {
            row(&tr(lang, "web-valid-to"), v);
        }
    }
    for f in &l.fields {
        row(&f.label, &f.value);
    }
    if let Some(at) = &l.shown_at {
        h.raw("</dl><p class=\"shown\" id=\"shown\">")
            .text(&t(lang, "web-shown-by-holder", &[("at", at.as_str())]))
            .raw("</p></div>");
        return;
    }
    h.raw("</dl></div>");
}

/// A known status, else `unknown`.
fn status_key(s: &str) -> &'static str {
    match s {
        "active" => "active",
        "suspended" => "suspended",
        "revoked" => "revoked",
        "superseded" => "superseded",
        "expired" => "expired",
        _ => "unknown",
    }
}

fn signer(h: &mut Html, lang: Lang, s: &SignerView, picture: Option<&Picture>) {
    h.raw("<li class=\"signer\">");
    if let Some(p) = picture {
        let alt = t(
            lang,
            "web-seal-picture",
            &[("name", s.seal_name.as_deref().unwrap_or(""))],
        );
        h.raw(&format!(
            "<img class=\"seal\" width=\"120\" height=\"120\" alt=\"{}\" src=\"data:{};base64,{}\">",
            escape(&alt),
            p.mime,
            base64::engine::general_purpose::STANDARD.encode(&p.bytes)
        ));
    }
    h.raw("<dl>");
    let mut row = |k: &str, v: &str| {
        h.element("dt", "", k).element("dd", "", v);
    };
    if let Some(o) = &s.organization {
        row(&tr(lang, "web-organization"), o);
    }
    if let Some(n) = &s.seal_name {
        row(&tr(lang, "web-seal-name"), n);
    }
    if let Some(w) = &s.when {
        let how = if w.proven {
            tr(lang, "web-time-proven")
        } else {
            tr(lang, "web-time-claimed")
        };
        row(&tr(lang, "web-time"), &format!("{} ({how})", w.at));
    }
    if let Some(v) = s.verdict {
        row(
            &tr(lang, "web-this-signature"),
            &tr(lang, &format!("web-verdict-{}", v.key())),
        );
    }
    h.raw("</dl></li>");
}

fn details(h: &mut Html, lang: Lang, r: &Result<'_>) {
    let s = r.summary;
    if !s.steps.is_empty() {
        h.raw("<details class=\"steps\"><summary>")
            .text(&tr(lang, "web-steps"))
            .raw("</summary><table><thead><tr>");
        for k in [
            "web-step-part",
            "web-step-name",
            "web-step-outcome",
            "web-step-detail",
        ] {
            h.element("th", "scope=\"col\"", &tr(lang, k));
        }
        h.raw("</tr></thead><tbody>");
        for st in &s.steps {
            h.raw(&format!("<tr class=\"outcome-{}\">", escape(&st.outcome)));
            h.element("td", "", &st.part)
                .element("td", "", &st.name)
                .element("td", "", &st.outcome)
                .element("td", "", &st.detail);
            h.raw("</tr>");
        }
        h.raw("</tbody></table></details>");
    }
    h.raw("<details class=\"json\"><summary>")
        .text(&tr(lang, "web-report-json"))
        .raw("</summary><pre>")
        .text(r.report_json)
        .raw("</pre></details>");
    h.raw(&format!(
        "<p class=\"actions\"><a download=\"yinxin-report.json\" href=\"data:application/json;base64,{}\">",
        base64::engine::general_purpose::STANDARD.encode(r.report_compact.as_bytes())
    ))
    .text(&tr(lang, "web-download-json"))
    .raw("</a> <button type=\"button\" id=\"print\" hidden>")
    .text(&tr(lang, "web-print"))
    .raw("</button></p>");
}
