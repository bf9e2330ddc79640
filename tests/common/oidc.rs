//! A real OpenID Connect provider for the tests (`tests/oidc/provider.mjs`: the npm package
//! oidc-provider, installed by .ci/run into `~/.cache/yinxin-ci-oidc`), and a small
//! cookie-keeping browser that signs in through its HTML forms with plain HTTP.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

/// At most this many redirects are followed for one navigation.
const MAX_REDIRECTS: usize = 20;

/// `tests/oidc/provider.mjs` running on an ephemeral loopback port; killed on drop (and it
/// exits by itself when this process dies, since its stdin closes).
pub struct Provider {
    /// `http://127.0.0.1:<port>`: the issuer, with discovery at
    /// `/.well-known/openid-configuration`.
    pub issuer: String,
    child: Child,
    _stdout: BufReader<ChildStdout>,
}

impl Provider {
    /// The provider with one confidential client (`client_secret_post`, code flow, PKCE S256
    /// required, ES256 ID tokens) and the accounts `accounts_json`
    /// (`{"<login>": {"name": "...", "id_number": "..."}}`). None, after a skip line, when
    /// node or oidc-provider is not installed.
    pub fn start(
        client_id: &str,
        secret: &str,
        redirect_uri: &str,
        accounts_json: &str,
    ) -> Option<Provider> {
        Self::start_with(client_id, secret, redirect_uri, accounts_json, &[])
    }

    /// [`Provider::start`] with extra environment variables, e.g. `("OIDC_ALG", "RS256")` or
    /// `("OIDC_DEBUG", "1")` (the provider's errors and notices on stderr).
    pub fn start_with(
        client_id: &str,
        secret: &str,
        redirect_uri: &str,
        accounts_json: &str,
        env: &[(&str, &str)],
    ) -> Option<Provider> {
        let modules = modules_dir();
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !node || !modules.join("oidc-provider/package.json").is_file() {
            println!(
                "skipped: node or oidc-provider is not installed (.ci/run installs oidc-provider \
                 into {}; YINXIN_OIDC_MODULES names another node_modules)",
                modules.display()
            );
            return None;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs");
        let mut c = Command::new("node");
        c.arg(script)
            .env("YINXIN_OIDC_MODULES", &modules)
            .env("OIDC_CLIENT_ID", client_id)
            .env("OIDC_CLIENT_SECRET", secret)
            .env("OIDC_REDIRECT_URI", redirect_uri)
            .env("OIDC_ACCOUNTS", accounts_json)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = c.spawn().expect("spawn node tests/oidc/provider.mjs");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(issuer) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tests/oidc/provider.mjs did not start (first line {line:?}; see stderr)");
        };
        Some(Provider {
            issuer: issuer.to_string(),
            child,
            _stdout: stdout,
        })
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `YINXIN_OIDC_MODULES`, else `$HOME/.cache/yinxin-ci-oidc/node_modules`.
fn modules_dir() -> PathBuf {
    match std::env::var_os("YINXIN_OIDC_MODULES") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()))
            .join(".cache/yinxin-ci-oidc/node_modules"),
    }
}

/// One response, and the URL that gave it.
pub struct Page {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
    pub url: String,
}

impl Page {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, h: &str) -> Option<String> {
        self.headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The redirect's target, made absolute; None unless a 3xx with a Location.
    pub fn location(&self) -> Option<String> {
        if !(300..400).contains(&self.status) {
            return None;
        }
        self.header("location").map(|l| resolve(&self.url, &l))
    }
}

struct Cookie {
    host: String,
    path: String,
    name: String,
    value: String,
}

/// A minimal browser over plain HTTP: keeps cookies per host (the port is ignored, as browsers
/// do; `Path` honoured, `Secure`, `Domain` and dates other than deletions ignored) and
/// follows redirects itself.
pub struct Browser {
    client: Client<HttpConnector, Full<Bytes>>,
    cookies: Vec<Cookie>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            client: Client::builder(TokioExecutor::new()).build_http(),
            cookies: Vec::new(),
        }
    }

    /// GET, following redirects.
    pub async fn get(&mut self, url: &str) -> Page {
        self.navigate("GET", url, None, None).await
    }

    /// POST an `application/x-www-form-urlencoded` form, following redirects.
    pub async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        self.navigate("POST", url, Some(form_body(form)), None)
            .await
    }

    /// GET without following a redirect.
    pub async fn get_once(&mut self, url: &str) -> Page {
        self.send("GET", url, None).await
    }

    /// POST a form without following a redirect.
    pub async fn post_form_once(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        self.send("POST", url, Some(form_body(form))).await
    }

    /// GET, following redirects but stopping at one whose Location starts with `prefix` (that
    /// redirect is returned, unfollowed).
    pub async fn get_until(&mut self, url: &str, prefix: &str) -> Page {
        self.navigate("GET", url, None, Some(prefix)).await
    }

    /// POST a form, following redirects but stopping at one whose Location starts with
    /// `prefix`.
    pub async fn post_form_until(
        &mut self,
        url: &str,
        form: &[(&str, &str)],
        prefix: &str,
    ) -> Page {
        self.navigate("POST", url, Some(form_body(form)), Some(prefix))
            .await
    }

    /// The cookie `name` held for `url`'s host, whatever its path.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        let host = host_of(url);
        self.cookies
            .iter()
            .find(|c| c.host == host && c.name == name)
            .map(|c| c.value.clone())
    }

    async fn navigate(
        &mut self,
        method: &str,
        url: &str,
        body: Option<String>,
        stop: Option<&str>,
    ) -> Page {
        let (mut method, mut url, mut body) = (method.to_string(), url.to_string(), body);
        for _ in 0..=MAX_REDIRECTS {
            let page = self.send(&method, &url, body.clone()).await;
            let Some(next) = page.location() else {
                return page;
            };
            if stop.is_some_and(|p| next.starts_with(p)) {
                return page;
            }
            // 307 and 308 repeat the request; the others become a GET.
            if !matches!(page.status, 307 | 308) {
                method = "GET".into();
                body = None;
            }
            url = next;
        }
        panic!("more than {MAX_REDIRECTS} redirects from {url}");
    }

    async fn send(&mut self, method: &str, url: &str, body: Option<String>) -> Page {
        let mut b = hyper::Request::builder().method(method).uri(url);
        let cookies = self.cookie_header(url);
        if !cookies.is_empty() {
            b = b.header("cookie", cookies);
        }
        if body.is_some() {
            b = b.header("content-type", "application/x-www-form-urlencoded");
        }
        let req = b
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        let resp = self
            .client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        for sc in headers.get_all("set-cookie") {
            if let Ok(sc) = sc.to_str() {
                self.store(url, sc);
            }
        }
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("complete response body")
            .to_bytes()
            .to_vec();
        Page {
            status,
            headers,
            body,
            url: url.to_string(),
        }
    }

    fn cookie_header(&self, url: &str) -> String {
        let (host, path) = (host_of(url), path_of(url));
        let mut matching: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| c.host == host && path_matches(&path, &c.path))
            .collect();
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        matching
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn store(&mut self, url: &str, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim().to_string(), value.trim().to_string());
        let mut path = None;
        let mut delete = value.is_empty();
        for attr in parts {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "path" if v.starts_with('/') => path = Some(v.trim().to_string()),
                "max-age" => delete |= v.trim().parse::<i64>().is_ok_and(|s| s <= 0),
                "expires" => delete |= v.contains("1970"),
                _ => {}
            }
        }
        // No Path: the request path's directory (RFC 6265, 5.1.4).
        let path = path.unwrap_or_else(|| {
            let p = path_of(url);
            match p.rfind('/') {
                Some(0) | None => "/".to_string(),
                Some(i) => p[..i].to_string(),
            }
        });
        let host = host_of(url);
        self.cookies
            .retain(|c| !(c.host == host && c.path == path && c.name == name));
        if !delete {
            self.cookies.push(Cookie {
                host,
                path,
                name,
                value,
            });
        }
    }
}

fn form_body(form: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(form).unwrap()
}

/// `http://host:port` of an absolute URL.
fn origin_of(url: &str) -> &str {
    let after = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after..].find(['/', '?', '#']) {
        Some(i) => &url[..after + i],
        None => url,
    }
}

/// The host of an absolute URL, without the port.
fn host_of(url: &str) -> String {
    let origin = origin_of(url);
    let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_ascii_lowercase();
    }
    authority
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The path of an absolute URL (`/` when empty), without the query.
fn path_of(url: &str) -> String {
    let rest = &url[origin_of(url).len()..];
    let path = rest.split(['?', '#']).next().unwrap_or("");
    if path.is_empty() {
        "/".into()
    } else {
        path.into()
    }
}

/// RFC 6265, 5.1.4.
fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request[cookie.len()..].starts_with('/')))
}

/// `location` made absolute against `base`.
fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        location.to_string()
    } else if let Some(rest) = location.strip_prefix("//") {
        let scheme = base.split("://").next().unwrap_or("http");
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{}{location}", origin_of(base))
    } else if location.starts_with('?') {
        format!("{}{location}", base.split(['?', '#']).next().unwrap())
    } else {
        let path = path_of(base);
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        format!("{}{dir}{location}", origin_of(base))
    }
}

/// An HTML form, as [`sign_in`] reads it.
struct Form {
    /// Absolute.
    action: String,
    /// The names of all its inputs.
    names: Vec<String>,
    /// The hidden inputs and their values.
    hidden: Vec<(String, String)>,
}

/// The first form of `html` (a page at `page_url`), read with plain string search.
fn first_form(html: &str, page_url: &str) -> Option<Form> {
    let start = html.find("<form")?;
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |i| start + i);
    let form = &html[start..end];
    let tag_end = form.find('>')?;
    let action = attr(&form[..tag_end], "action").unwrap_or_else(|| page_url.to_string());
    let mut out = Form {
        action: resolve(page_url, &action),
        names: Vec::new(),
        hidden: Vec::new(),
    };
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        rest = &rest[i..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(name) = attr(tag, "name") {
            if attr(tag, "type").as_deref() == Some("hidden") {
                out.hidden
                    .push((name.clone(), attr(tag, "value").unwrap_or_default()));
            }
            out.names.push(name);
        }
        rest = &rest[tag.len()..];
    }
    Some(out)
}

/// The value of attribute `name` (double-quoted) in an HTML tag, entities decoded.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let v = &tag[i..i + tag[i..].find('"')?];
    Some(
        v.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&#x2F;", "/")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Sign in at the provider as `login` (any password), starting from `authorize_url` (the
/// provider's authorization endpoint with the relying party's parameters, as the relying
/// party redirects a browser to it): fills the login form, then the consent form, whichever
/// appear (a browser with a provider session skips the login form; a remembered grant skips
/// consent), and stops at the redirect to the `redirect_uri` of `authorize_url`. Returns that
/// callback URL (with `code`, `state` and `iss`, or an `error`).
pub async fn sign_in(browser: &mut Browser, authorize_url: &str, login: &str) -> String {
    let query = authorize_url.split_once('?').map_or("", |(_, q)| q);
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let redirect_uri = params
        .iter()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no redirect_uri in {authorize_url}"));
    let mut page = browser.get_until(authorize_url, &redirect_uri).await;
    for _ in 0..5 {
        if let Some(to) = page.location() {
            assert!(to.starts_with(&redirect_uri), "stopped at {to}");
            return to;
        }
        let html = page.text();
        assert_eq!(page.status, 200, "{}: {html}", page.url);
        let form = first_form(&html, &page.url)
            .unwrap_or_else(|| panic!("no form at {}: {html}", page.url));
        let mut fields: Vec<(&str, &str)> = form
            .hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if form.names.iter().any(|n| n == "login") {
            fields.push(("login", login));
            fields.push(("password", "any-password"));
        }
        page = browser
            .post_form_until(&form.action, &fields, &redirect_uri)
            .await;
    }
    panic!(
        "still no redirect to {redirect_uri} after 5 forms; last page {}",
        page.url
    );
}
