//! The seal service's public face: making, registering, stamping and verifying seals — the
//! registry model ([`super::registry`]), the seal maker ([`super::make`]), stamping
//! ([`super::stamp`]) and the seven-step verification of GB/T 38540 §7.3
//! ([`super::verify`]), re-exported here under one path.

pub use super::make::{
    SEAL_MAKING, SealRequest, SealServiceError, VENDOR_ID, check_png, make_seal,
};
pub use super::registry::{SealRecord, SealRepository, SealStatus};
pub use super::stamp::{TimestampFn, stamp};
pub use super::verify::{SealReport, Step, StepName, StepOutcome, TimeReport, verify};
