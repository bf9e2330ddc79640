//! RFC 9457 problem details: every error response is `application/problem+json` with a
//! stable `type` URI per kind of error (`urn:yinxin:problem:<kind>`), a `title` per kind and a
//! human `detail` that never contains internals. Title and detail come in English or
//! Simplified Chinese ([`Problem::body_in`]); the response carries the problem as an extension
//! so that [`super::locale`] can answer in the caller's language.

use crate::i18n::{self, Lang};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a caller is told to wait while the database cannot be reached.
const DATABASE_RETRY_AFTER: u64 = 5;

/// An error response.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable kind (the last part of the `type` URI).
    pub kind: &'static str,
    /// Human explanation.
    pub detail: String,
    /// Seconds, for 429/503.
    pub retry_after: Option<u64>,
    /// The detail in other languages than English, when the handler gave it as a catalogue
    /// message (see [`Problem::msg`]).
    pub translated: Vec<(Lang, String)>,
}

impl Problem {
    /// A problem.
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            kind,
            detail: detail.into(),
            retry_after: None,
            translated: Vec::new(),
        }
    }

    /// The detail as catalogue message `id` with arguments: `detail` becomes its English
    /// text, and answers in another language its text there.
    pub fn msg(self, id: &str, args: &[(&str, &str)]) -> Self {
        self.msg_by_lang(id, |_| {
            args.iter().map(|(k, v)| (*k, v.to_string())).collect()
        })
    }

    /// [`Problem::msg`] with arguments that depend on the language (words that are catalogue
    /// messages themselves, such as a certificate status).
    pub fn msg_by_lang<'a>(
        mut self,
        id: &str,
        args: impl Fn(Lang) -> Vec<(&'a str, String)>,
    ) -> Self {
        let render = |lang: Lang| {
            let a = args(lang);
            let borrowed: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
            i18n::t(lang, id, &borrowed)
        };
        self.detail = render(Lang::En);
        self.translated = Lang::ALL
            .into_iter()
            .filter(|l| *l != Lang::En)
            .map(|l| (l, render(l)))
            .collect();
        self
    }

    /// 400
    pub fn bad_request(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, detail)
    }
    /// 401
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }
    /// 403
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    /// 404
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }
    /// 422
    pub fn unprocessable(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, kind, detail)
    }
    /// 421 `not-served-here` from a process of role `here` that holds no key, asked for
    /// something only a key holder does (a route the table sends to `ca`, reached anyway).
    pub fn holds_no_key(here: &str) -> Self {
        Self::new(StatusCode::MISDIRECTED_REQUEST, "not-served-here", "")
            .msg("msg-holds-no-key", &[("here", here)])
    }
    /// 500 — the detail is generic; the cause goes to the log only.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        let text = cause.to_string();
        if text.contains(crate::pki::repo::DATABASE_UNAVAILABLE) {
            // Not a fault of ours or the caller's: the database is restarting or out of
            // reach. 503 with Retry-After; the pool reconnects by itself.
            tracing::warn!(error = %text, "database unavailable");
            let mut p = Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service's database cannot be reached now; try again shortly",
            );
            p.retry_after = Some(DATABASE_RETRY_AFTER);
            return p;
        }
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }

    /// The title of the kind in `lang` (`problem-<kind>`), else one for the status.
    pub fn title(&self, lang: Lang) -> String {
        let id = format!("problem-{}", self.kind);
        if i18n::has(Lang::En, &id) {
            return i18n::t(lang, &id, &[]);
        }
        let by_status = format!("http-status-{}", self.status.as_u16());
        if i18n::has(Lang::En, &by_status) {
            i18n::t(lang, &by_status, &[])
        } else {
            self.status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string()
        }
    }

    /// The detail in `lang`. English is `detail` as given. Otherwise: the message's
    /// translation ([`Problem::msg`]); else the translation of a fixed English detail the
    /// catalogue knows (a `.detail*` attribute of `problem-<kind>`); else the kind's title with
    /// the English detail in parentheses (domain error texts are English).
    pub fn detail_in(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.detail.clone();
        }
        if let Some((_, text)) = self.translated.iter().find(|(l, _)| *l == lang) {
            return text.clone();
        }
        let kind_id = format!("problem-{}", self.kind);
        if let Some(attr) = i18n::attributes(Lang::En, &kind_id)
            .into_iter()
            .filter(|a| a.starts_with("detail"))
            .find(|a| i18n::t(Lang::En, &format!("{kind_id}.{a}"), &[]) == self.detail)
        {
            return i18n::t(lang, &format!("{kind_id}.{attr}"), &[]);
        }
        let title = self.title(lang);
        let english = self.detail.trim();
        if english.is_empty() || english.eq_ignore_ascii_case(&self.title(Lang::En)) {
            title
        } else {
            format!("{title}（{english}）")
        }
    }

    /// The JSON body in English.
    pub fn body(&self) -> serde_json::Value {
        self.body_in(Lang::En)
    }

    /// The JSON body in `lang`: `type` and `status` never depend on the language.
    pub fn body_in(&self, lang: Lang) -> serde_json::Value {
        serde_json::json!({
            "type": format!("urn:yinxin:problem:{}", self.kind),
            "title": self.title(lang),
            "status": self.status.as_u16(),
            "detail": self.detail_in(lang),
        })
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut r = (self.status, self.body().to_string()).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        // For the language layer (`super::locale`), which answers in the caller's language.
        r.extensions_mut().insert(self);
        r
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, Problem>;
