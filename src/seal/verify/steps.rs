//! The steps of a seal or signature verification report: which step ([`StepName`], its number
//! in seals.md order), what came of it ([`StepOutcome`]), and the accumulator that turns the
//! steps into a verdict. The serialized names are the report's contract: an enum here, the
//! same strings in JSON.

use crate::verify::reason::FailureReason;
use crate::verify::report::{Indication, SubIndication};
use serde::Serialize;
use std::fmt;

/// Which step (serialized in kebab-case: `parse`, `seal-maker-recognised`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepName {
    /// 1: the object is a seal or a signature.
    Parse,
    /// 2: the signature over the exact TBS_Sign bytes.
    SignatureValue,
    /// 3: the signer's certificate is in the seal's certList.
    SignerInCertList,
    /// 4: the seal's validity period.
    SealValidity,
    /// 4: the seal maker's signature.
    SealMakerSignature,
    /// 4: the maker certificate's chain for the seal-maker purpose.
    SealMakerCertificate,
    /// 4: the maker is recognised as a seal maker.
    SealMakerRecognised,
    /// 4: the seal's status in its registry.
    SealRegistry,
    /// 4: a recognized region's seal is in that region's transparency log.
    SealLogged,
    /// 5: the signer certificate's chain for the document-signer purpose.
    SignerCertificate,
    /// 6: the timestamp.
    Timestamp,
    /// 7: the data hash.
    Data,
}

impl StepName {
    /// The name as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Parse => "parse",
            StepName::SignatureValue => "signature-value",
            StepName::SignerInCertList => "signer-in-cert-list",
            StepName::SealValidity => "seal-validity",
            StepName::SealMakerSignature => "seal-maker-signature",
            StepName::SealMakerCertificate => "seal-maker-certificate",
            StepName::SealMakerRecognised => "seal-maker-recognised",
            StepName::SealRegistry => "seal-registry",
            StepName::SealLogged => "seal-logged",
            StepName::SignerCertificate => "signer-certificate",
            StepName::Timestamp => "timestamp",
            StepName::Data => "data",
        }
    }

    /// The step's number, 1–7 (seals.md order).
    pub fn number(self) -> u8 {
        match self {
            StepName::Parse => 1,
            StepName::SignatureValue => 2,
            StepName::SignerInCertList => 3,
            StepName::SealValidity
            | StepName::SealMakerSignature
            | StepName::SealMakerCertificate
            | StepName::SealMakerRecognised
            | StepName::SealRegistry
            | StepName::SealLogged => 4,
            StepName::SignerCertificate => 5,
            StepName::Timestamp => 6,
            StepName::Data => 7,
        }
    }
}

/// What came of a step (serialized in lowercase).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepOutcome {
    /// The step passed.
    Passed,
    /// The step failed: the object is invalid.
    Failed,
    /// The step could not decide.
    Indeterminate,
    /// The step did not run.
    Skipped,
}

impl StepOutcome {
    /// The outcome as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Passed => "passed",
            StepOutcome::Failed => "failed",
            StepOutcome::Indeterminate => "indeterminate",
            StepOutcome::Skipped => "skipped",
        }
    }
}

/// Display as serialized (width and alignment apply).
macro_rules! as_serialized {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        /// Compares the serialized name, for callers that still hold strings (prefer the
        /// variants).
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
    )*};
}
as_serialized!(StepName, StepOutcome);

/// One verification step.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// 1–7 (seals.md order).
    pub step: u8,
    /// Name.
    pub name: StepName,
    /// `passed`, `failed`, `indeterminate`, `skipped`.
    pub outcome: StepOutcome,
    /// Detail.
    pub detail: String,
    /// Why the step did not pass, as a stable code (registry step only, for now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<FailureReason>,
}

/// A step's result: its detail, or the indication it calls for and why.
pub(super) type StepResult = Result<String, (Indication, SubIndication, String)>;

fn rank(i: Indication) -> u8 {
    match i {
        Indication::TotalPassed => 0,
        Indication::Indeterminate => 1,
        Indication::TotalFailed => 2,
    }
}

/// Steps recorded so far. The verdict is computed at the end from the steps a valid result
/// needs: a needed step that did not run makes the result INDETERMINATE, never PASSED.
#[derive(Default)]
pub(super) struct Acc {
    pub(super) steps: Vec<Step>,
    worst: Option<(Indication, SubIndication)>,
}

impl Acc {
    pub(super) fn push(&mut self, name: StepName, result: StepResult) {
        match result {
            Ok(detail) => self.steps.push(Step {
                step: name.number(),
                name,
                outcome: StepOutcome::Passed,
                detail,
                reason: None,
            }),
            Err((ind, sub, detail)) => {
                if self.worst.is_none_or(|(w, _)| rank(ind) > rank(w)) {
                    self.worst = Some((ind, sub));
                }
                self.steps.push(Step {
                    step: name.number(),
                    name,
                    outcome: if ind == Indication::TotalFailed {
                        StepOutcome::Failed
                    } else {
                        StepOutcome::Indeterminate
                    },
                    detail,
                    reason: None,
                });
            }
        }
    }

    /// Record a step that did not pass for `reason` (its indication decides).
    pub(super) fn push_reason(&mut self, name: StepName, reason: FailureReason) {
        let (ind, sub) = reason.indication();
        self.push(name, Err((ind, sub, reason.to_string())));
        if let Some(s) = self.steps.last_mut() {
            s.reason = Some(reason);
        }
    }

    pub(super) fn skip(&mut self, name: StepName, detail: &str) {
        self.steps.push(Step {
            step: name.number(),
            name,
            outcome: StepOutcome::Skipped,
            detail: detail.into(),
            reason: None,
        });
    }

    /// The verdict: the worst failure, else PASSED when every `needed` step passed, else
    /// INDETERMINATE naming the step that did not run.
    pub(super) fn verdict(&self, needed: &[StepName]) -> (Indication, Option<SubIndication>) {
        if let Some((ind, sub)) = self.worst {
            return (ind, Some(sub));
        }
        let all_ran = needed.iter().all(|n| {
            self.steps
                .iter()
                .any(|s| s.name == *n && s.outcome == StepOutcome::Passed)
        });
        if all_ran {
            (Indication::TotalPassed, None)
        } else {
            (Indication::Indeterminate, Some(SubIndication::NoCheckRan))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_outcomes_serialize_as_before() {
        let all = [
            StepName::Parse,
            StepName::SignatureValue,
            StepName::SignerInCertList,
            StepName::SealValidity,
            StepName::SealMakerSignature,
            StepName::SealMakerCertificate,
            StepName::SealMakerRecognised,
            StepName::SealRegistry,
            StepName::SealLogged,
            StepName::SignerCertificate,
            StepName::Timestamp,
            StepName::Data,
        ];
        for n in all {
            assert_eq!(serde_json::to_value(n).unwrap(), n.as_str());
            assert_eq!(format!("{n:<24}|"), format!("{:<24}|", n.as_str()));
        }
        for o in [
            StepOutcome::Passed,
            StepOutcome::Failed,
            StepOutcome::Indeterminate,
            StepOutcome::Skipped,
        ] {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
        }
    }
}
