//! `[hsm]` of `yinxin.toml`: the PKCS#11 token that holds the region's keys of some algorithms
//! (docs/hsm.md); documented with the rest by `tests/configuration_doc.rs`.

use crate::crypto::Algorithm;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// `[hsm]`: keys in a hardware security module. Each region key (CA and service
/// credential) of an algorithm listed here is a key pair in the token labelled with the key's
/// id (`p256-root`, `p256-issuing`, `p256-ocsp-signer`, `p256-tsa`, `p256-seal-maker`, …),
/// or with the label `[hsm.labels]` gives it; no file of it exists in `keys/`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HsmConfig {
    /// The PKCS#11 module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// The label of the token that holds the region's keys.
    pub token_label: String,
    /// A file holding the token's user PIN (first line); `YINXIN_HSM_PIN` is used instead when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_file: Option<PathBuf>,
    /// Algorithms whose region keys live in the token (default `["p256"]`: SoftHSM2 and most PKCS#11 modules have no SM2).
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<Algorithm>,
    /// Token labels of keys whose label is not their key id, e.g. `p256-issuing = "GD-CA-2026"` for a key the HSM's own tools made (default: none, every label is the key id).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

fn default_algorithms() -> Vec<Algorithm> {
    vec![Algorithm::P256]
}

impl HsmConfig {
    /// A token for the P-256 keys.
    pub fn new(module: PathBuf, token_label: String, pin_file: Option<PathBuf>) -> Self {
        HsmConfig {
            module,
            token_label,
            pin_file,
            algorithms: default_algorithms(),
            labels: BTreeMap::new(),
        }
    }

    /// The token label of the region key `key_id`.
    pub fn label_of<'a>(&'a self, key_id: &'a str) -> &'a str {
        self.labels
            .get(key_id)
            .map(String::as_str)
            .unwrap_or(key_id)
    }

    /// Whether keys of `alg` live in the token.
    pub fn holds(&self, alg: Algorithm) -> bool {
        self.algorithms.contains(&alg)
    }

    /// The user PIN: `YINXIN_HSM_PIN`, else the first line of `pin_file`.
    pub fn pin(&self) -> Result<Zeroizing<String>, String> {
        if let Ok(v) = std::env::var("YINXIN_HSM_PIN")
            && !v.is_empty()
        {
            return Ok(Zeroizing::new(v));
        }
        let Some(f) = &self.pin_file else {
            return Err("the HSM PIN is missing: set YINXIN_HSM_PIN or [hsm] pin_file".to_string());
        };
        let raw = Zeroizing::new(
            std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read the HSM PIN file {}: {e}", f.display()))?,
        );
        let first = raw.lines().next().unwrap_or("").trim_end().to_string();
        if first.is_empty() {
            return Err(format!("the HSM PIN file {} is empty", f.display()));
        }
        Ok(Zeroizing::new(first))
    }
}
