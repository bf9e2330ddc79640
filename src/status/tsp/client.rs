//! The requester's side (`yinxin timestamp`, signing with a TSA): [`build_request`] makes a
//! DER `TimeStampReq`, [`parse_response`] reads a DER `TimeStampResp` into a
//! [`ParsedResponse`].
//!
//! Owns requests and responses; must not import the responder. Tokens are read by `token`.

use super::token::parse_content_info;
use super::{
    FailureInfo, MessageImprint, ParsedToken, PkiStatus, TimeStampReq, TimeStampResp, TsHash,
    TspError, TspVersion,
};
use der::asn1::{Int, Uint};
use der::{Decode, Encode};

/// A DER `TimeStampReq` v1 for `digest` (the hash of the data, by `hash`), without a
/// policy or extensions. `nonce` is an unsigned big-endian number (a leading zero octet is
/// added in the INTEGER when its top bit is set); `cert_req` asks for the TSU certificate
/// in the token.
pub fn build_request(
    hash: TsHash,
    digest: &[u8],
    nonce: Option<&[u8]>,
    cert_req: bool,
) -> Result<Vec<u8>, TspError> {
    let nonce = match nonce {
        None => None,
        Some([]) => return Err(TspError::EmptyNonce),
        Some(bytes) => Some(Int::from(Uint::new(bytes)?)),
    };
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint::new(hash, digest)?,
        req_policy: None,
        nonce,
        cert_req,
        extensions: None,
    };
    Ok(req.to_der()?)
}

/// A decoded `TimeStampResp`.
#[derive(Clone, Debug)]
pub struct ParsedResponse {
    /// The status.
    pub status: PkiStatus,
    /// The statusString texts (empty when absent).
    pub status_text: Vec<String>,
    /// Numbers of the failInfo bits set (empty when absent); see [`FailureInfo`].
    pub failure_bits: Vec<u32>,
    /// The token, present exactly when the status is granted or grantedWithMods.
    pub token: Option<ParsedToken>,
}

impl ParsedResponse {
    /// Whether failInfo has `failure` set.
    pub fn has_failure(&self, failure: FailureInfo) -> bool {
        self.failure_bits.contains(&failure.bit())
    }

    /// The named failInfo bits set.
    pub fn failures(&self) -> Vec<FailureInfo> {
        self.failure_bits
            .iter()
            .filter_map(|b| FailureInfo::from_bit(*b))
            .collect()
    }
}

/// Decode a DER `TimeStampResp`. A granted response must carry a token, which is parsed
/// with [`parse_token`](super::parse_token); a token in any other response is ignored.
pub fn parse_response(der_bytes: &[u8]) -> Result<ParsedResponse, TspError> {
    let resp = TimeStampResp::from_der(der_bytes)?;
    let failure_bits = resp
        .status
        .fail_info
        .as_ref()
        .map(|bits| {
            bits.bits()
                .enumerate()
                .filter(|(_, set)| *set)
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect()
        })
        .unwrap_or_default();
    let granted = matches!(
        resp.status.status,
        PkiStatus::Granted | PkiStatus::GrantedWithMods
    );
    let token = match (granted, resp.time_stamp_token) {
        (true, Some(ci)) => Some(parse_content_info(&ci)?),
        (true, None) => {
            return Err(TspError::Malformed(
                "a granted response without a token".into(),
            ));
        }
        (false, _) => None,
    };
    Ok(ParsedResponse {
        status: resp.status.status,
        status_text: resp.status.status_string.unwrap_or_default(),
        failure_bits,
        token,
    })
}
