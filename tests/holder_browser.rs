//! The holders' pages in a real browser (`tests/browser/holder.mjs`: Debian's Chromium through
//! `playwright-core`) against a real OpenID provider (`oidc-provider`): sign in through the
//! provider's login and consent forms, my licences, 亮证 on a 390 px phone (the dynamic QR
//! loaded, its time shown, the page renewing itself), a consent from the form giving its auth
//! code; the session cookie HttpOnly, Secure and SameSite=Lax; axe-core on each page (no serious
//! or critical violation). Skips with a line when the browser or the provider is missing.

mod common;
use common::holders::{HolderEnv, RELYING};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holders_pages_in_chromium() {
    let tools = match common::browser::tools() {
        Ok(t) => t,
        Err(why) => {
            println!("skipped: browser tests: {why}");
            return;
        }
    };
    let Some(env) = HolderEnv::start() else {
        return;
    };
    let licence = env.issue("professional-qualification").await;
    common::browser::run(
        &tools,
        "holder.mjs",
        &[
            ("BASE", env.base.as_str()),
            ("LICENCE", licence.as_str()),
            ("AGENCY", RELYING),
        ],
        &[
            "sign-in",
            "session cookie",
            "my licences on a phone",
            "show",
            "show on a phone",
            "consent",
            "axe",
        ],
    )
    .await;
}
