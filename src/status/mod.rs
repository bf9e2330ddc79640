//! Status and time services: certificate revocation lists (full and delta), the OCSP
//! responder (RFC 6960 / RFC 5019) and the time-stamping unit (RFC 3161). The ASN.1
//! structures are defined here with `der` derive. No HTTP and no SQL here.

pub mod asn1_time;
pub mod crl;
pub mod ocsp;
pub mod service;
pub mod signed_cache;
pub mod tsa;
pub mod tsp;
