//! Proven time. Only a time-stamp token whose imprint is the hash of the signed bytes, whose
//! signature verifies with the TSU certificate it names, and whose TSU certificate validates
//! *for the TSU purpose* at genTime to one of the relying party's anchors (and, for another
//! region, is a granted TSU service of its trust list) may move a validation time into the
//! past. That is a [`ProvenTime`], which nothing else can construct: a time the signer wrote
//! (SES `timeInfo`, CMS `signingTime`, OFD `SignatureDateTime`) is a claim and is reported
//! as one. Must not import HTTP, SQL, `seal`, `document` or `trust`.

use super::chain::{ChainInputs, validate_for};
use super::purpose::Purpose;
use super::report::Report;
use crate::status::tsp;
use serde::Serialize;

/// On what basis a signature is judged at the time it is (serialized in kebab-case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// A validated timestamp proved the signature existed then.
    Timestamp,
    /// Nothing proved an earlier time: the current time.
    CurrentTime,
}

/// A time proven by a validated time-stamp token. Private fields: the only constructor is
/// [`prove`].
#[derive(Clone, Debug, Serialize)]
pub struct ProvenTime {
    at: i64,
    tsu: String,
}

impl ProvenTime {
    /// genTime, Unix seconds.
    pub fn at(&self) -> i64 {
        self.at
    }

    /// The TSU that proved it (subject).
    pub fn tsu(&self) -> &str {
        &self.tsu
    }
}

/// Why a token proves nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotProven {
    /// The token cannot be parsed.
    #[error("the time-stamp token is malformed: {0}")]
    Malformed(String),
    /// Its imprint is not over the signed bytes.
    #[error("the time-stamp token is not over this signature")]
    WrongImprint,
    /// No TSU certificate (not carried, or none matches the signer).
    #[error("the time-stamp token does not carry its TSU certificate")]
    NoTsuCertificate,
    /// The token's own signature does not verify.
    #[error("the time-stamp token's signature is invalid: {0}")]
    BadSignature(String),
    /// The TSU certificate does not validate for the TSU purpose at genTime.
    #[error("the TSU is not trusted: {0}")]
    UntrustedTsu(String),
}

impl NotProven {
    /// Whether the token itself is broken (not merely untrusted): a token that is not over
    /// the signature or whose own signature fails.
    pub fn is_corrupt(&self) -> bool {
        matches!(
            self,
            NotProven::Malformed(_) | NotProven::WrongImprint | NotProven::BadSignature(_)
        )
    }
}

/// What checking a token found: the proof (or why none), and the TSU chain report when the
/// chain was validated.
pub struct TokenCheck {
    /// The proven time, or why the token proves nothing.
    pub proof: Result<ProvenTime, NotProven>,
    /// The TSU certificate's chain report.
    pub tsu_chain: Option<Report>,
    /// genTime as the token states it (reported; a claim unless `proof` is `Ok`).
    pub stated_time: Option<i64>,
}

/// Check `token_der` as proof that `signed` (the signature value it time-stamps) existed at
/// its genTime.
pub async fn prove(token_der: &[u8], signed: &[u8], inputs: &ChainInputs<'_>) -> TokenCheck {
    let mut out = TokenCheck {
        proof: Err(NotProven::NoTsuCertificate),
        tsu_chain: None,
        stated_time: None,
    };
    let token = match tsp::parse_token(token_der) {
        Ok(t) => t,
        Err(e) => {
            out.proof = Err(NotProven::Malformed(e.to_string()));
            return out;
        }
    };
    let gen_time = token.gen_time_unix_millis().div_euclid(1000);
    out.stated_time = Some(gen_time);
    let covers = token
        .hash()
        .is_some_and(|h| h.digest(signed) == token.message_imprint().hashed_message.as_bytes());
    if !covers {
        out.proof = Err(NotProven::WrongImprint);
        return out;
    }
    let Some(cert) = token.signer_certificate().map(<[u8]>::to_vec) else {
        out.proof = Err(NotProven::NoTsuCertificate);
        return out;
    };
    if let Err(e) = token.verify_signature(&cert) {
        out.proof = Err(NotProven::BadSignature(e.to_string()));
        return out;
    }
    let chain = validate_for(&cert, &token.certificates, gen_time, Purpose::Tsu, inputs).await;
    let tsu = chain
        .path
        .first()
        .map(|p| p.subject.clone())
        .unwrap_or_default();
    out.proof = if chain.passed() {
        Ok(ProvenTime { at: gen_time, tsu })
    } else {
        Err(NotProven::UntrustedTsu(
            chain
                .failure
                .as_ref()
                .map(|f| f.rule.clone())
                .unwrap_or_else(|| "no path to a trust anchor".into()),
        ))
    };
    out.tsu_chain = Some(chain);
    out
}
