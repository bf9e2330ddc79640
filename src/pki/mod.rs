//! The certification core: profiles, subjects and national identifiers, certificate
//! construction, CSR checks, the issuing [`authority::Authority`], region creation, and the
//! [`repo::Repository`] interface through which it stores what it issues.
//! No HTTP and no SQL here.

pub mod authority;
pub mod cert;
pub mod cross;
pub mod csr;
pub mod identifiers;
pub mod profile;
pub mod region;
pub mod repo;
pub mod revocation;
pub mod subject;
