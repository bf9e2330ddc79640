//! Gathering the revocation data of a whole chain: the walk from the target through the
//! issuing region's CA certificates (no network, every URL put to the allow-list up front),
//! then, per certificate, OCSP first and CRLs (full, then delta) otherwise, with one note per
//! certificate and one [`UrlEvent`] per URL tried.
//!
//! Must not import: `hyper` request builders or the client (every fetch goes through
//! `revocation`), `crate::crypto` (no signature is checked here).

use super::urls::{dp_urls, ocsp_urls};
use super::{FetchError, Fetched, RevocationFetcher, UrlEvent, check_url};
use crate::verify::cert::{Cert, names_equal};
use std::collections::HashMap;
use std::sync::Arc;

/// Most certificates looked at by [`RevocationFetcher::gather`] on one chain.
pub const MAX_CHAIN_STEPS: usize = 6;

/// What [`RevocationFetcher::gather`] obtained for a chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gathered {
    /// DER CRLs (full and delta), without duplicates.
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses, without duplicates.
    pub ocsp: Vec<Vec<u8>>,
    /// One line per certificate of the chain: what was used, or why nothing could be.
    pub notes: Vec<String>,
    /// Every URL tried, in order, with its outcome.
    pub urls: Vec<UrlEvent>,
}

/// Self-signed as far as names and key identifiers tell (the signature is not checked here).
pub(crate) fn self_signed(c: &Cert) -> bool {
    c.self_issued
        && match (&c.aki, &c.ski) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
}

/// Try `urls` in order with `fetch` until one answers. Each attempt leaves a note in `parts`
/// (`{kind} {url}: fetched`, `… served from cache, fetched N s ago`, or `{kind} {error}`); the
/// first answer is returned.
async fn first_answer<'a, F, Fut>(
    kind: &str,
    urls: &'a [String],
    parts: &mut Vec<String>,
    events: &mut Vec<UrlEvent>,
    now: i64,
    mut fetch: F,
) -> Option<Vec<u8>>
where
    F: FnMut(&'a str) -> Fut,
    Fut: Future<Output = Result<Fetched, FetchError>>,
{
    for u in urls {
        let r = fetch(u).await;
        let cached = r.as_ref().is_ok_and(|f| f.from_cache);
        events.push(UrlEvent::of(kind, u, &r, cached));
        match r {
            Ok(f) => {
                let origin = if f.from_cache {
                    format!(
                        "served from cache, fetched {} s ago",
                        (now - f.fetched_at).max(0)
                    )
                } else {
                    "fetched".to_string()
                };
                parts.push(format!("{kind} {u}: {origin}"));
                return Some(f.der);
            }
            Err(e) => parts.push(format!("{kind} {e}")),
        }
    }
    None
}

fn push_unique(list: &mut Vec<Vec<u8>>, der_bytes: Vec<u8>) {
    if !list.contains(&der_bytes) {
        list.push(der_bytes);
    }
}

impl RevocationFetcher {
    /// Gather revocation data for a chain.
    ///
    /// Starting at `target`, each certificate's issuer is looked up in `pool` (the issuing
    /// region's CA certificates: issuer name = subject name and, when both are present,
    /// AKI = SKI); the walk stops at a self-signed certificate, at a certificate whose issuer
    /// is not in the pool, or after [`MAX_CHAIN_STEPS`] certificates. For each certificate that
    /// is not self-signed: OCSP from its AIA responder when that URL is allowed and the issuer
    /// is known; otherwise (or when OCSP fails) the allowed CRL distribution point URLs (one
    /// success per distribution point), then, once a full CRL was obtained, the freshestCRL
    /// (delta) URLs. One note per certificate says what was used or why nothing could be.
    ///
    /// The chain is walked and every URL it names is put to `allowed` when this is called;
    /// the returned future only fetches, holds no reference to `allowed`, and is `Send`.
    pub fn gather<'a>(
        &'a self,
        target: &[u8],
        pool: &[Vec<u8>],
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Gathered> + Send + use<'a> {
        let (plan, head) = plan_chain(target, pool);
        // The allow-list verdict of every URL the plan may use, decided now.
        let mut verdicts: HashMap<String, Result<hyper::Uri, String>> = HashMap::new();
        for p in &plan {
            let urls = p
                .ocsp
                .iter()
                .chain(p.crls.iter().flatten())
                .chain(p.deltas.iter().flatten());
            for u in urls {
                if !verdicts.contains_key(u) {
                    let v = check_url(u, allowed, &self.cfg.refusal).map_err(|e| e.to_string());
                    verdicts.insert(u.clone(), v);
                }
            }
        }
        async move { self.run_plan(plan, head, verdicts).await }
    }

    /// Fetch what a chain plan calls for.
    async fn run_plan(
        &self,
        plan: Vec<Planned>,
        head: Vec<String>,
        verdicts: HashMap<String, Result<hyper::Uri, String>>,
    ) -> Gathered {
        let mut out = Gathered {
            notes: head,
            ..Gathered::default()
        };
        for p in plan {
            let who = p.cert.describe();
            if p.self_signed {
                out.notes
                    .push(format!("{who}: self-signed: no revocation data needed"));
                out.notes.extend(p.after);
                continue;
            }
            let now = crate::clock::now_secs();
            let checked = |u: &str| -> Result<hyper::Uri, FetchError> {
                match verdicts.get(u) {
                    Some(Ok(uri)) => Ok(uri.clone()),
                    Some(Err(m)) => Err(FetchError::NotAllowed(m.clone())),
                    None => Err(FetchError::NotAllowed(format!("{u} refused: not checked"))),
                }
            };
            let mut parts: Vec<String> = Vec::new();
            let mut done = false;
            match &p.issuer {
                Some(i) => {
                    if p.ocsp.is_empty() {
                        parts.push("no OCSP responder in the certificate".into());
                    }
                    let cert = &p.cert;
                    let got = first_answer(
                        "OCSP",
                        &p.ocsp,
                        &mut parts,
                        &mut out.urls,
                        now,
                        |u| async move { self.fetch_ocsp(u, checked(u)?, cert, i).await },
                    )
                    .await;
                    if let Some(der_bytes) = got {
                        push_unique(&mut out.ocsp, der_bytes);
                        done = true;
                    }
                }
                None if !p.ocsp.is_empty() => parts.push(format!(
                    "OCSP impossible: issuer {} is not among the issuing region's CA certificates",
                    p.cert.issuer_text()
                )),
                None => {}
            }
            if !done {
                if p.crls.is_empty() {
                    parts.push("no CRL distribution point in the certificate".into());
                }
                for (delta, kind, lists) in
                    [(false, "CRL", &p.crls), (true, "delta CRL", &p.deltas)]
                {
                    if delta && !done {
                        break;
                    }
                    for alternatives in lists {
                        let got = first_answer(
                            kind,
                            alternatives,
                            &mut parts,
                            &mut out.urls,
                            now,
                            |u| async move { self.fetch_crl(u, checked(u)?).await },
                        )
                        .await;
                        if let Some(der_bytes) = got {
                            push_unique(&mut out.crls, der_bytes);
                            done = true;
                        }
                    }
                }
            }
            if !done {
                parts.push("no revocation data obtained".into());
            }
            out.notes.push(format!("{who}: {}", parts.join("; ")));
            out.notes.extend(p.after);
        }
        out
    }
}

/// One certificate of a chain and where its status can be fetched.
struct Planned {
    cert: Arc<Cert>,
    issuer: Option<Arc<Cert>>,
    self_signed: bool,
    /// AIA OCSP responders.
    ocsp: Vec<String>,
    /// CRL distribution points (URI alternatives of each).
    crls: Vec<Vec<String>>,
    /// freshestCRL distribution points.
    deltas: Vec<Vec<String>>,
    /// Notes after this certificate's (why the walk stopped).
    after: Vec<String>,
}

/// The issuer of `c` in `pool` as far as names and key identifiers tell: issuer name = subject
/// name and, when both are present, AKI = SKI (the signature is the validator's to check).
pub(crate) fn find_issuer<'p>(pool: &'p [Arc<Cert>], c: &Cert) -> Option<&'p Arc<Cert>> {
    pool.iter().find(|p| {
        p.fingerprint != c.fingerprint
            && names_equal(&p.subject, &c.issuer)
            && match (&c.aki, &p.ski) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            }
    })
}

/// Walk the chain from `target` through `pool` (no network). Returns the certificates and
/// the notes to put first (when the target does not parse).
fn plan_chain(target: &[u8], pool: &[Vec<u8>]) -> (Vec<Planned>, Vec<String>) {
    let pool: Vec<Arc<Cert>> = pool.iter().filter_map(|d| Cert::shared(d).ok()).collect();
    let mut current = match Cert::shared(target) {
        Ok(c) => c,
        Err(e) => return (vec![], vec![format!("target: {e}")]),
    };
    let mut plan: Vec<Planned> = Vec::new();
    let mut seen: Vec<[u8; 32]> = Vec::new();
    for step in 0..MAX_CHAIN_STEPS {
        seen.push(current.fingerprint);
        if self_signed(&current) {
            plan.push(Planned {
                cert: current,
                issuer: None,
                self_signed: true,
                ocsp: vec![],
                crls: vec![],
                deltas: vec![],
                after: vec![],
            });
            break;
        }
        let issuer = find_issuer(&pool, &current).cloned();
        let who = current.describe();
        let mut after = Vec::new();
        let next = match issuer.clone() {
            None => {
                after.push(format!(
                    "issuer {} of {who} is not among the issuing region's CA certificates: \
                     chain not followed further",
                    current.issuer_text()
                ));
                None
            }
            Some(n) if seen.contains(&n.fingerprint) => {
                after.push(format!("{}: loop in the chain, stopped", n.describe()));
                None
            }
            Some(n) if step + 1 == MAX_CHAIN_STEPS => {
                after.push(format!(
                    "chain longer than {MAX_CHAIN_STEPS} certificates: stopped before {}",
                    n.describe()
                ));
                None
            }
            Some(n) => Some(n),
        };
        plan.push(Planned {
            ocsp: ocsp_urls(&current),
            crls: dp_urls(current.crl_dps.as_ref()),
            deltas: dp_urls(current.freshest_crl.as_ref()),
            cert: current,
            issuer,
            self_signed: false,
            after,
        });
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    (plan, vec![])
}
