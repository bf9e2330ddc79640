//! Prometheus text-format metrics: requests by route and status, a latency histogram per
//! route, certificates issued by profile, and CRL generation health.

use std::collections::BTreeMap;
use std::sync::Mutex;

const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The service's metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    issued: Mutex<BTreeMap<String, u64>>,
    witness_answers: Mutex<BTreeMap<u16, u64>>,
}

impl Metrics {
    /// Record one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m.entry(route.to_string()).or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += seconds;
        }
    }

    /// Record an issued certificate.
    pub fn issued(&self, profile: &str) {
        if let Ok(mut m) = self.issued.lock() {
            *m.entry(profile.to_string()).or_default() += 1;
        }
    }

    /// Record an answer of this region's witness (`add-checkpoint`) by HTTP status.
    pub fn witness_answer(&self, status: u16) {
        if let Ok(mut m) = self.witness_answers.lock() {
            *m.entry(status).or_default() += 1;
        }
    }

    /// Render in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP yinxin_witness_answers_total Answers of this region's witness to peers' add-checkpoint requests, by HTTP status (409: a stale or conflicting size, 422: an inconsistent checkpoint).\n");
        out.push_str("# TYPE yinxin_witness_answers_total counter\n");
        if let Ok(m) = self.witness_answers.lock() {
            for (status, n) in m.iter() {
                out.push_str(&format!(
                    "yinxin_witness_answers_total{{status=\"{status}\"}} {n}\n"
                ));
            }
        }
        out.push_str(
            "# HELP yinxin_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE yinxin_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                out.push_str(&format!(
                    "yinxin_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}\n",
                    esc(route)
                ));
            }
        }
        out.push_str("# HELP yinxin_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE yinxin_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                let r = esc(route);
                for (i, b) in BUCKETS.iter().enumerate() {
                    out.push_str(&format!(
                        "yinxin_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}\n",
                        h.counts[i]
                    ));
                }
                out.push_str(&format!(
                    "yinxin_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}\n",
                    h.count
                ));
                out.push_str(&format!(
                    "yinxin_http_request_duration_seconds_sum{{route=\"{r}\"}} {}\n",
                    h.sum
                ));
                out.push_str(&format!(
                    "yinxin_http_request_duration_seconds_count{{route=\"{r}\"}} {}\n",
                    h.count
                ));
            }
        }
        out.push_str("# HELP yinxin_certificates_issued_total Certificates issued by this process, by profile.\n");
        out.push_str("# TYPE yinxin_certificates_issued_total counter\n");
        if let Ok(m) = self.issued.lock() {
            for (p, n) in m.iter() {
                out.push_str(&format!(
                    "yinxin_certificates_issued_total{{profile=\"{}\"}} {n}\n",
                    esc(p)
                ));
            }
        }
        out
    }
}

/// CRL generation health in the Prometheus text format: alert on
/// `increase(yinxin_crl_generation_failures_total[15m]) > 0`, on
/// `time() - yinxin_crl_last_success_timestamp_seconds{kind="full"} > <half the CRL validity>`
/// and on `yinxin_crl_adjusted_entries > 0` (damaged stored revocation data).
pub fn render_crl_health(health: &[crate::status::service::CrlHealth]) -> String {
    let mut out = String::new();
    out.push_str("# HELP yinxin_crl_generation_failures_total CRL generations that failed in this process, by CA and kind.\n");
    out.push_str("# TYPE yinxin_crl_generation_failures_total counter\n");
    for h in health {
        out.push_str(&format!(
            "yinxin_crl_generation_failures_total{{ca=\"{}\",kind=\"{}\"}} {}\n",
            esc(&h.ca_id),
            kind(h.delta),
            h.failures
        ));
    }
    out.push_str("# HELP yinxin_crl_last_success_timestamp_seconds thisUpdate of the newest CRL made (by any process sharing the database), by CA and kind.\n");
    out.push_str("# TYPE yinxin_crl_last_success_timestamp_seconds gauge\n");
    for h in health {
        if let Some(t) = h.last_success {
            out.push_str(&format!(
                "yinxin_crl_last_success_timestamp_seconds{{ca=\"{}\",kind=\"{}\"}} {t}\n",
                esc(&h.ca_id),
                kind(h.delta)
            ));
        }
    }
    out.push_str("# HELP yinxin_crl_adjusted_entries Entries of the last CRL made by this process whose stored revocation time or invalidity date was out of range.\n");
    out.push_str("# TYPE yinxin_crl_adjusted_entries gauge\n");
    for h in health {
        out.push_str(&format!(
            "yinxin_crl_adjusted_entries{{ca=\"{}\",kind=\"{}\"}} {}\n",
            esc(&h.ca_id),
            kind(h.delta),
            h.adjusted_entries
        ));
    }
    out
}

fn kind(delta: bool) -> &'static str {
    if delta { "delta" } else { "full" }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::service::CrlHealth;

    #[test]
    fn crl_health_text() {
        let text = render_crl_health(&[
            CrlHealth {
                ca_id: "sm2-issuing".into(),
                delta: false,
                failures: 2,
                last_success: Some(1_800_000_000),
                adjusted_entries: 1,
            },
            CrlHealth {
                ca_id: "sm2-issuing".into(),
                delta: true,
                failures: 0,
                last_success: None,
                adjusted_entries: 0,
            },
        ]);
        for line in [
            "yinxin_crl_generation_failures_total{ca=\"sm2-issuing\",kind=\"full\"} 2",
            "yinxin_crl_generation_failures_total{ca=\"sm2-issuing\",kind=\"delta\"} 0",
            "yinxin_crl_last_success_timestamp_seconds{ca=\"sm2-issuing\",kind=\"full\"} 1800000000",
            "yinxin_crl_adjusted_entries{ca=\"sm2-issuing\",kind=\"full\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
        assert!(!text.contains(
            "yinxin_crl_last_success_timestamp_seconds{ca=\"sm2-issuing\",kind=\"delta\"}"
        ));
    }
}
