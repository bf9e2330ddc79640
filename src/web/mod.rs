//! The citizens' pages: the verification page served at `/` and `/verify` (upload a document,
//! a seal, a signature, a certificate, or a licence's QR code as text, photo or camera scan),
//! the page a licence's QR URL (`/V/…`) opens in a browser, and a licence's public status page.
//!
//! Owns: what a citizen is told of a verification report ([`view`]), the HTML of the pages
//! ([`page`], escaped through [`html`]), the seal pictures shown ([`pictures`]), QR codes read
//! from photos ([`scan`]) and the embedded stylesheet and script ([`assets`]). The
//! verification itself is the domain's and the request handling `api::pages`'; this module
//! must not import `api`, `store` or any HTTP or SQL type.

pub mod assets;
pub mod holder;
pub mod html;
pub mod page;
pub mod pictures;
pub mod scan;
pub mod view;
