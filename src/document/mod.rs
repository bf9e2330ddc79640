//! Documents that carry seals and signatures: OFD packages (GB/T 33190 §18) — safe package
//! reading and signature verification; detached CMS (RFC 5652 / GB/T 35275) signatures over any
//! file.
//!
//! Layout: `ofd` reads and verifies packages, `ofd_write` writes, seals and signs them, and
//! both read and write XML through the one layer `xml` (bounded parsing, the OFD namespace,
//! escaping); `cms` is the detached CMS. `xml` imports only `ofd`'s public XML limits and
//! namespace (`MAX_XML_*`, `OFD_NS`); `ofd` must not import `ofd_write`.

pub mod cms;
pub mod ofd;
pub mod ofd_write;
pub mod pdf;
pub(crate) mod xml;
