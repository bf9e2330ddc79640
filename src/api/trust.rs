//! Trust list and federation endpoints: `GET /v1/trust-list` (public, signed), admin
//! publication and withdrawal, `GET /v1/trust/peers` (public state of every recognized
//! region) and an on-demand sync.

use super::AppState;
use super::problem::{ApiResult, Problem};
use crate::auth::Permission;
use crate::trust::list::ServiceStatus;
use crate::trust::peers::Federation;
use crate::trust::{OwnList, TrustRepository};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// What the trust endpoints need.
pub struct TrustServices {
    /// Peers and their lists.
    pub federation: Arc<Federation>,
    /// Own and peer list storage.
    pub repo: Arc<dyn TrustRepository>,
    /// The region (to collect services and open the trust-list signers).
    pub region: Arc<crate::pki::region::Region>,
    /// Key store passphrase (trust-list signers); None in a process that holds no key (role
    /// `verify`), which serves the stored lists and never publishes.
    pub passphrase: Option<crate::crypto::Passphrase>,
    latest: RwLock<Option<(Arc<OwnList>, Instant)>>,
}

impl TrustServices {
    /// Assemble.
    pub fn new(
        federation: Arc<Federation>,
        repo: Arc<dyn TrustRepository>,
        region: Arc<crate::pki::region::Region>,
        passphrase: Option<crate::crypto::Passphrase>,
    ) -> Self {
        TrustServices {
            federation,
            repo,
            region,
            passphrase,
            latest: RwLock::new(None),
        }
    }

    /// The newest own list (re-read at most every second: the CLI may publish too).
    pub async fn latest(&self) -> Result<Option<Arc<OwnList>>, Problem> {
        if let Ok(l) = self.latest.read()
            && let Some((list, at)) = l.as_ref()
            && at.elapsed() < Duration::from_secs(1)
        {
            return Ok(Some(list.clone()));
        }
        let fresh = self
            .repo
            .latest_own_list()
            .await
            .map_err(|e| Problem::internal(&e))?
            .map(Arc::new);
        if let (Some(f), Ok(mut l)) = (&fresh, self.latest.write()) {
            *l = Some((f.clone(), Instant::now()));
        }
        Ok(fresh)
    }

    /// Publish a new version (optionally with a status change).
    pub async fn publish(
        &self,
        change: Option<(&str, ServiceStatus)>,
        actor: &str,
    ) -> Result<Arc<OwnList>, crate::trust::publish::PublishError> {
        let passphrase = self.passphrase.as_ref().ok_or_else(|| {
            crate::trust::publish::PublishError::Sign(
                "this process holds no key (role verify): a ca process publishes the trust list"
                    .into(),
            )
        })?;
        let own = Arc::new(
            crate::trust::publish::publish(
                &self.region,
                passphrase,
                self.repo.as_ref(),
                self.federation.config(),
                change,
                actor,
            )
            .await?,
        );
        if let Ok(mut l) = self.latest.write() {
            *l = Some((own.clone(), Instant::now()));
        }
        Ok(own)
    }

    /// Publish when there is no list yet or the newest has lived half its validity.
    pub async fn publish_if_due(&self) -> Result<(), String> {
        let latest = self.latest().await.map_err(|p| p.detail.clone())?;
        let now = crate::clock::now_secs();
        let due = match latest {
            None => true,
            // Also a list made before the region had a transparency log: peers learn its
            // keys from the list.
            Some(l) => {
                now >= l.issued_at + (l.next_update - l.issued_at) / 2
                    || crate::trust::list::TrustList::from_json(l.content.as_bytes())
                        .is_ok_and(|t| t.transparency.is_none())
            }
        };
        if due {
            self.publish(None, "system:trust-list")
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

pub(super) fn services(s: &AppState) -> ApiResult<&TrustServices> {
    s.trust.as_deref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the trust list is not enabled on this server",
        )
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    alg: Option<String>,
    format: Option<String>,
}

/// `GET /v1/trust-list?alg=sm2|p256&format=cms|json` (public).
pub async fn trust_list(
    State(s): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let t = services(&s)?;
    let q: ListQuery = super::handlers::parse_query(q)?;
    let l = t
        .latest()
        .await?
        .ok_or_else(|| Problem::not_found("no trust list has been published yet"))?;
    let max_age = (l.next_update - crate::clock::now_secs()).clamp(0, 300);
    let cache = format!("public, max-age={max_age}");
    let (ctype, body) = match (q.format.as_deref(), q.alg.as_deref()) {
        (Some("json"), _) => ("application/json", l.content.clone().into_bytes()),
        (None | Some("cms"), None | Some("sm2")) => ("application/cms", l.signed_sm2.clone()),
        (None | Some("cms"), Some("p256")) => ("application/cms", l.signed_p256.clone()),
        _ => {
            return Err(Problem::bad_request(
                "invalid-query",
                "alg must be sm2 or p256, format cms or json",
            ));
        }
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CACHE_CONTROL, cache),
            (
                header::HeaderName::from_static("x-trust-list-sequence"),
                l.sequence.to_string(),
            ),
        ],
        body,
    )
        .into_response())
}

fn published(l: &OwnList) -> serde_json::Value {
    json!({
        "sequence": l.sequence,
        "issued": crate::clock::rfc3339(l.issued_at),
        "next_update": crate::clock::rfc3339(l.next_update),
    })
}

fn publish_problem(e: crate::trust::publish::PublishError) -> Problem {
    match e {
        crate::trust::publish::PublishError::UnknownService(id) => {
            Problem::not_found("").msg("msg-no-trust-service", &[("id", &id)])
        }
        e => Problem::internal(&e),
    }
}

/// `POST /v1/trust-list/publish` (admin).
pub async fn publish(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ManageTrust, "trust-list.publish")
        .await?;
    let t = services(&s)?;
    let l = t
        .publish(None, &who.actor())
        .await
        .map_err(publish_problem)?;
    Ok(super::handlers::json_response(
        StatusCode::OK,
        &published(&l),
        Some(&who),
    ))
}

/// `POST /v1/trust-list/services/{id}/withdraw` (admin).
pub async fn withdraw(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ManageTrust, "trust-list.withdraw")
        .await?;
    let t = services(&s)?;
    let l = t
        .publish(Some((&id, ServiceStatus::Withdrawn)), &who.actor())
        .await
        .map_err(publish_problem)?;
    let mut v = published(&l);
    v["withdrawn"] = json!(id);
    Ok(super::handlers::json_response(
        StatusCode::OK,
        &v,
        Some(&who),
    ))
}

/// `GET /v1/trust/peers` (public).
pub async fn peers(State(s): State<Arc<AppState>>) -> ApiResult<Response> {
    let t = services(&s)?;
    Ok(super::handlers::json_response(
        StatusCode::OK,
        &json!({"peers": t.federation.views()}),
        None,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SyncQuery {
    region: Option<String>,
}

/// `POST /v1/trust/peers/sync[?region=CODE]` (admin).
pub async fn sync(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ManageTrust, "trust.sync")
        .await?;
    let t = services(&s)?;
    let q: SyncQuery = super::handlers::parse_query(q)?;
    let results = match q.region {
        Some(r) => {
            if !t.federation.peer_codes().contains(&r) {
                return Err(Problem::not_found("").msg("msg-no-peer", &[("region", &r)]));
            }
            let out = t.federation.sync(&r).await;
            vec![(r, out)]
        }
        None => t.federation.sync_all().await,
    };
    s.audit(&who, "trust.sync", "-", "success", "").await;
    let v: Vec<serde_json::Value> = results
        .into_iter()
        .map(|(r, o)| match o {
            Ok(o) => json!({"region": r, "ok": true, "result": o}),
            Err(e) => json!({"region": r, "ok": false, "error": e}),
        })
        .collect();
    Ok(super::handlers::json_response(
        StatusCode::OK,
        &json!({"peers": v}),
        Some(&who),
    ))
}
