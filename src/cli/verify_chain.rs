//! `yinxin verify-chain`: RFC 5280 path validation of a certificate with the caller's anchors,
//! intermediates, CRLs and OCSP responses; the exit code is the indication.
//!
//! Owns: the command's input loading and report printing. Must not import `api`, `app` or
//! `store`.

use super::common::read_objects;
use super::{Command, locale};
use std::path::PathBuf;

/// `yinxin verify-chain`: exit 0 passed, 1 failed, 2 indeterminate, 3 usage or input error.
pub(super) fn verify_chain(cmd: Command) -> i32 {
    let Command::VerifyChain {
        anchors,
        cert,
        intermediates,
        crls,
        ocsp,
        at,
        policies,
        explicit_policy,
        inhibit_policy_mapping,
        inhibit_any_policy,
        no_revocation,
        no_anchor_constraints,
        purpose,
        json,
    } = cmd
    else {
        return 3;
    };
    let run = || -> Result<crate::verify::report::Report, String> {
        let load_all = |paths: &[PathBuf]| -> Result<Vec<Vec<u8>>, String> {
            let mut v = Vec::new();
            for p in paths {
                v.extend(read_objects(p)?);
            }
            Ok(v)
        };
        let target = read_objects(&cert)?
            .into_iter()
            .next()
            .ok_or("no certificate in --cert")?;
        let time = match at {
            Some(t) => {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| format!("--at: '{t}' is not an RFC 3339 time"))?
                    .unix_timestamp()
            }
            None => crate::clock::now_secs(),
        };
        let mut input = crate::verify::path::Input::new(target, load_all(&anchors)?, time, purpose);
        input.intermediates = load_all(&intermediates)?;
        input.crls = load_all(&crls)?;
        input.ocsp = load_all(&ocsp)?;
        if !policies.is_empty() {
            let mut set = Vec::new();
            for p in &policies {
                set.push(
                    const_oid::ObjectIdentifier::new(p)
                        .map_err(|_| format!("--policy: '{p}' is not an OID"))?,
                );
            }
            input.policy.user_initial_policy_set =
                if set.contains(&crate::verify::policy::ANY_POLICY) {
                    None
                } else {
                    Some(set)
                };
        }
        input.policy.initial_explicit_policy = explicit_policy;
        input.policy.initial_policy_mapping_inhibit = inhibit_policy_mapping;
        input.policy.initial_any_policy_inhibit = inhibit_any_policy;
        input.revocation = if no_revocation {
            crate::verify::path::RevocationMode::Off
        } else {
            crate::verify::path::RevocationMode::Require
        };
        input.enforce_anchor_constraints = !no_anchor_constraints;
        Ok(crate::verify::path::Validator::new().validate(&input))
    };
    match run() {
        Err(e) => {
            locale::print_error(&e);
            3
        }
        Ok(report) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                println!("{}", locale::chain_summary(locale::lang(), &report));
            }
            match report.indication {
                crate::verify::report::Indication::TotalPassed => 0,
                crate::verify::report::Indication::TotalFailed => 1,
                crate::verify::report::Indication::Indeterminate => 2,
            }
        }
    }
}
