//! Documents that carry seals and signatures: OFD packages (GB/T 33190 §18) — safe package
//! reading and signature verification; detached CMS (RFC 5652 / GB/T 35275) signatures over any
//! file.

pub mod cms;
pub mod ofd;
pub mod ofd_write;
