//! The holders' pages: signing in, "my licences" (licences and certificates held, consents
//! given, the history of who used what), showing a licence (亮证: full screen, a dynamic QR code
//! that the page renews itself — by its script, and by a link without script) and a new
//! consent's auth code, shown once.
//!
//! Every form carries the session's CSRF token. Texts are the catalogues' `web-holder-…`
//! messages. Must not import `api`, `store` or HTTP types.

use super::html::{Html, escape};
use super::page::{foot, head, header};
use crate::i18n::{Lang, t};
use base64::Engine;

fn tr(lang: Lang, id: &str) -> String {
    t(lang, id, &[])
}

/// A licence line of "my licences".
pub struct LicenceLine {
    /// Identifier.
    pub identifier: String,
    /// The kind's name in the page's language.
    pub kind_name: String,
    /// Issuer.
    pub issuer_name: String,
    /// Number.
    pub number: String,
    /// Status key (`active`, `revoked`, …).
    pub status: String,
    /// Valid to.
    pub valid_to: String,
}

/// A certificate line.
pub struct CertificateLine {
    /// Serial.
    pub serial: String,
    /// Profile.
    pub profile: String,
    /// Status.
    pub status: String,
    /// Not after (RFC 3339).
    pub not_after: String,
}

/// A consent line.
pub struct GrantLine {
    /// Id.
    pub id: String,
    /// Licence.
    pub licence: String,
    /// Agency.
    pub agency: String,
    /// Service item and case number.
    pub purpose: String,
    /// Until (RFC 3339).
    pub until: String,
    /// Uses made and allowed.
    pub uses: String,
    /// Still usable (not withdrawn, not expired, not used up).
    pub open: bool,
    /// Withdrawn.
    pub withdrawn: bool,
}

/// A history line.
pub struct EventLine {
    /// When (RFC 3339).
    pub at: String,
    /// Kind (`grant`, `exchange`, …).
    pub kind: String,
    /// Licence.
    pub licence: String,
    /// Agency.
    pub agency: String,
    /// What the holder is told.
    pub detail: String,
}

/// "My licences".
pub struct Home {
    /// The masked name greeted.
    pub display_name: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// Licences held.
    pub licences: Vec<LicenceLine>,
    /// Certificates held.
    pub certificates: Vec<CertificateLine>,
    /// Consents.
    pub grants: Vec<GrantLine>,
    /// History, newest first.
    pub events: Vec<EventLine>,
    /// A consent just made: its id and auth code (shown this once).
    pub new_code: Option<(String, String)>,
    /// A message (e.g. why a consent was refused).
    pub notice: Option<String>,
}

/// The sign-in page: a link to the identity provider, or why nobody can sign in.
pub fn render_signin(lang: Lang, configured: bool, error: Option<&str>) -> String {
    let mut h = Html::default();
    head(&mut h, lang, &tr(lang, "web-holder-title"));
    header(&mut h, lang, "/holder");
    h.raw("<main id=\"main\">")
        .element("h1", "", &tr(lang, "web-holder-title"));
    if let Some(e) = error {
        h.raw("<section class=\"result result-undecided\" role=\"alert\">")
            .element("p", "", e)
            .raw("</section>");
    }
    if configured {
        h.element("p", "class=\"lead\"", &tr(lang, "web-holder-signin-lead"))
            .raw("<p><a class=\"button primary\" id=\"signin\" href=\"/holder/login\">")
            .text(&tr(lang, "web-holder-signin"))
            .raw("</a></p>");
    } else {
        h.element(
            "p",
            "class=\"lead\"",
            &tr(lang, "web-holder-not-configured"),
        );
    }
    foot(&mut h, lang);
    h.finish()
}

fn csrf_input(h: &mut Html, csrf: &str) {
    h.raw(&format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(csrf)
    ));
}

fn table(h: &mut Html, lang: Lang, id: &str, heads: &[&str]) {
    // Tables scroll sideways on a phone: focusable, so the keyboard can scroll them.
    h.raw(&format!("<table id=\"{id}\" tabindex=\"0\"><thead><tr>"));
    for k in heads {
        h.element("th", "scope=\"col\"", &tr(lang, k));
    }
    h.raw("</tr></thead><tbody>");
}

/// "My licences".
pub fn render_home(lang: Lang, m: &Home) -> String {
    let mut h = Html::default();
    head(&mut h, lang, &tr(lang, "web-holder-mine"));
    header(&mut h, lang, "/holder");
    h.raw("<main id=\"main\">")
        .element("h1", "", &tr(lang, "web-holder-mine"))
        .element(
            "p",
            "class=\"lead\" id=\"greeting\"",
            &t(
                lang,
                "web-holder-greeting",
                &[("name", m.display_name.as_str())],
            ),
        );
    h.raw("<form method=\"post\" action=\"/holder/logout\">");
    csrf_input(&mut h, &m.csrf);
    h.raw("<button type=\"submit\">")
        .text(&tr(lang, "web-holder-signout"))
        .raw("</button></form>");
    if let Some(n) = &m.notice {
        h.raw("<section class=\"result result-undecided\" role=\"alert\">")
            .element("p", "id=\"notice\"", n)
            .raw("</section>");
    }
    if let Some((id, code)) = &m.new_code {
        h.raw("<section class=\"result result-valid\" role=\"status\" aria-labelledby=\"code-h\">")
            .element("h2", "id=\"code-h\"", &tr(lang, "web-holder-code-heading"))
            .element("p", "", &tr(lang, "web-holder-code-hint"))
            .raw(&format!(
                "<p><code id=\"auth-code\" data-grant=\"{}\">",
                escape(id)
            ))
            .text(code)
            .raw("</code></p></section>");
    }
    licences(&mut h, lang, m);
    h.element("h2", "", &tr(lang, "web-holder-certificates"));
    if m.certificates.is_empty() {
        h.element("p", "class=\"hint\"", &tr(lang, "web-holder-none"));
    } else {
        table(
            &mut h,
            lang,
            "certificates",
            &[
                "web-holder-serial",
                "web-holder-profile",
                "web-holder-status",
                "web-holder-not-after",
            ],
        );
        for c in &m.certificates {
            h.raw("<tr>")
                .element("td", "", &c.serial)
                .element("td", "", &c.profile)
                .element("td", "", &c.status)
                .element("td", "", &c.not_after)
                .raw("</tr>");
        }
        h.raw("</tbody></table>");
    }
    grants(&mut h, lang, m);
    h.element("h2", "", &tr(lang, "web-holder-history"));
    table(
        &mut h,
        lang,
        "history",
        &[
            "web-holder-at",
            "web-holder-event",
            "web-holder-licence",
            "web-holder-agency",
            "web-holder-detail",
        ],
    );
    for e in &m.events {
        h.raw("<tr>")
            .element("td", "", &e.at)
            .element("td", "", &tr(lang, &format!("web-holder-event-{}", e.kind)))
            .element("td", "", &e.licence)
            .element("td", "", &e.agency)
            .element("td", "", &e.detail)
            .raw("</tr>");
    }
    h.raw("</tbody></table>");
    foot(&mut h, lang);
    h.finish()
}

fn licences(h: &mut Html, lang: Lang, m: &Home) {
    h.element("h2", "", &tr(lang, "web-holder-licences"));
    if m.licences.is_empty() {
        h.element("p", "class=\"hint\"", &tr(lang, "web-holder-none"));
        return;
    }
    for l in &m.licences {
        h.raw("<section class=\"result licence-line\">")
            .element("h3", "", &l.kind_name)
            .raw("<dl>");
        for (k, v) in [
            ("web-holder-number", &l.number),
            ("web-holder-issuer", &l.issuer_name),
            (
                "web-holder-status",
                &tr(lang, &format!("web-status-{}", l.status)),
            ),
            ("web-holder-valid-to", &l.valid_to),
            ("web-holder-identifier", &l.identifier),
        ] {
            h.element("dt", "", &tr(lang, k)).element("dd", "", v);
        }
        h.raw("</dl>");
        if l.status == "active" {
            h.raw(&format!(
                "<p><a class=\"button primary\" href=\"/holder/show/{}?lang={}\">",
                escape(&l.identifier),
                lang.tag()
            ))
            .text(&tr(lang, "web-holder-show"))
            .raw("</a></p>");
            grant_form(h, lang, &m.csrf, &l.identifier);
        }
        h.raw("</section>");
    }
}

fn grant_form(h: &mut Html, lang: Lang, csrf: &str, licence: &str) {
    let id = &crate::crypto::sha256(licence.as_bytes())[..4];
    let id = hex::encode(id);
    h.raw("<details class=\"more\"><summary>")
        .text(&tr(lang, "web-holder-grant"))
        .raw("</summary><form method=\"post\" action=\"/holder/grants\" class=\"grant\">");
    csrf_input(h, csrf);
    h.raw(&format!(
        "<input type=\"hidden\" name=\"licence\" value=\"{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">",
        escape(licence),
        lang.tag()
    ));
    for (name, key, kind, extra) in [
        (
            "agency",
            "web-holder-grant-agency",
            "text",
            "maxlength=\"18\" autocomplete=\"off\" required",
        ),
        (
            "service_item",
            "web-holder-grant-item",
            "text",
            "maxlength=\"100\" required",
        ),
        (
            "case_number",
            "web-holder-grant-case",
            "text",
            "maxlength=\"64\" required",
        ),
        (
            "days",
            "web-holder-grant-days",
            "number",
            "min=\"1\" max=\"366\" value=\"7\" required",
        ),
        (
            "uses",
            "web-holder-grant-uses",
            "number",
            "min=\"1\" max=\"1000\" value=\"1\" required",
        ),
    ] {
        h.raw(&format!("<label for=\"{name}-{id}\">"))
            .text(&tr(lang, key))
            .raw(&format!(
                "</label><input id=\"{name}-{id}\" name=\"{name}\" type=\"{kind}\" {extra}>"
            ));
    }
    h.raw(&format!(
        "<p><input id=\"unmask-{id}\" name=\"unmask\" type=\"checkbox\" value=\"1\"> <label for=\"unmask-{id}\">"
    ))
    .text(&tr(lang, "web-holder-grant-unmask"))
    .raw("</label></p><p><button type=\"submit\" class=\"primary\">")
    .text(&tr(lang, "web-holder-grant-submit"))
    .raw("</button></p></form></details>");
}

fn grants(h: &mut Html, lang: Lang, m: &Home) {
    h.element("h2", "", &tr(lang, "web-holder-grants"));
    if m.grants.is_empty() {
        h.element("p", "class=\"hint\"", &tr(lang, "web-holder-none"));
        return;
    }
    table(
        h,
        lang,
        "grants",
        &[
            "web-holder-licence",
            "web-holder-agency",
            "web-holder-purpose",
            "web-holder-until",
            "web-holder-uses",
            "web-holder-state",
        ],
    );
    for g in &m.grants {
        let state = if g.withdrawn {
            "web-holder-withdrawn"
        } else if g.open {
            "web-holder-open"
        } else {
            "web-holder-closed"
        };
        h.raw(&format!("<tr data-grant=\"{}\">", escape(&g.id)))
            .element("td", "", &g.licence)
            .element("td", "", &g.agency)
            .element("td", "", &g.purpose)
            .element("td", "", &g.until)
            .element("td", "", &g.uses)
            .raw("<td>")
            .text(&tr(lang, state));
        if g.open {
            h.raw(&format!(
                "<form method=\"post\" action=\"/holder/grants/{}/withdraw\">",
                escape(&g.id)
            ));
            csrf_input(h, &m.csrf);
            h.raw("<button type=\"submit\">")
                .text(&tr(lang, "web-holder-withdraw"))
                .raw("</button></form>");
        }
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table>");
}

/// 亮证: what the full-screen page shows.
pub struct Show<'a> {
    /// The kind's name.
    pub kind_name: &'a str,
    /// The holder's name as printed.
    pub holder_name: &'a str,
    /// The number.
    pub number: &'a str,
    /// The issuer.
    pub issuer_name: &'a str,
    /// The dynamic QR code (PNG).
    pub qr_png: &'a [u8],
    /// The QR's text (for copying, and the tests).
    pub qr_text: &'a str,
    /// Shown at and valid until (RFC 3339).
    pub at: &'a str,
    /// Valid until (RFC 3339).
    pub until: &'a str,
    /// Seconds until the page renews the code.
    pub refresh_seconds: i64,
}

/// The full-screen showing: the licence, its dynamic QR code, until when it is valid; the
/// page renews itself before the code ends.
pub fn render_show(lang: Lang, s: &Show<'_>) -> String {
    let mut h = Html::default();
    h.raw("<!doctype html><html lang=\"")
        .raw(lang.tag())
        .raw("\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<meta name=\"referrer\" content=\"no-referrer\">");
    h.element("title", "", &tr(lang, "web-holder-show"));
    h.raw(&format!(
        "<link rel=\"stylesheet\" href=\"{}\"><script src=\"{}\" defer></script></head><body class=\"show\">",
        super::assets::css_path(),
        super::assets::js_path()
    ));
    // The script reloads the page (a fresh code) `data-renew` seconds on; without script the
    // holder follows the renew link (a timed <meta refresh> would fail WCAG 2.2.1).
    h.raw(&format!(
        "<main id=\"main\" class=\"show\" data-renew=\"{}\">",
        s.refresh_seconds.max(5)
    ))
    .element("h1", "", s.kind_name)
    .element("p", "class=\"show-holder\"", s.holder_name)
    .raw("<dl>")
    .element("dt", "", &tr(lang, "web-holder-number"))
    .element("dd", "", s.number)
    .element("dt", "", &tr(lang, "web-holder-issuer"))
    .element("dd", "", s.issuer_name)
    .raw("</dl>");
    let b64 = base64::engine::general_purpose::STANDARD.encode(s.qr_png);
    h.raw(&format!(
        "<p class=\"show-qr\"><img id=\"show-qr\" src=\"data:image/png;base64,{b64}\" alt=\"{}\" data-text=\"{}\"></p>",
        escape(&tr(lang, "web-holder-show-qr-alt")),
        escape(s.qr_text)
    ));
    h.element(
        "p",
        "id=\"show-until\" role=\"status\"",
        &t(
            lang,
            "web-holder-show-until",
            &[("at", s.at), ("until", s.until)],
        ),
    );
    h.raw("<p><a id=\"renew\" href=\"\">")
        .text(&tr(lang, "web-holder-renew"))
        .raw("</a></p>");
    h.raw(&format!("<p><a href=\"/holder?lang={}\">", lang.tag()))
        .text(&tr(lang, "web-holder-back"))
        .raw("</a></p></main></body></html>");
    h.finish()
}
