// The holders' pages in a real browser (Debian's Chromium driven by playwright-core), run by
// tests/holder_browser.rs against a real OpenID provider: sign in through the provider's
// login and consent forms, my licences, 亮证 (the full-screen dynamic QR, on a 390 px phone),
// a consent from the form giving its auth code; axe-core on each page. Prints one JSON array
// of {name, ok, detail}; screenshots under OUT.
//
// Environment: YINXIN_BROWSER_DIR, CHROMIUM, BASE (the server), LICENCE (the person's licence
// identifier), AGENCY (a credit code to consent to), OUT.
import { createRequire } from "node:module";
import path from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const require = createRequire(path.join(env("YINXIN_BROWSER_DIR"), "package.json"));
const { chromium } = require("playwright-core");
const axePath = require.resolve("axe-core/axe.min.js");
const BASE = env("BASE");
const LICENCE = env("LICENCE");
const AGENCY = env("AGENCY");
const OUT = env("OUT");
const WAIT = 90_000; // a loaded 2-core machine
const results = [];
const check = (name, ok, detail) => results.push({ name, ok: Boolean(ok), detail: String(detail ?? "") });

const browser = await chromium.launch({ executablePath: env("CHROMIUM"), timeout: WAIT, args: ["--no-sandbox"] });
// A phone; the context bypasses the page's CSP only to inject axe.
const context = await browser.newContext({
  locale: "zh-CN",
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  bypassCSP: true,
});
const page = await context.newPage();
const shot = (name) => page.screenshot({ path: path.join(OUT, `holder-${name}.png`), fullPage: true }).catch(() => {});
const bad = [];
const audit = async (label) => {
  await page.addScriptTag({ path: axePath });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  for (const v of r.violations) {
    if (v.impact === "serious" || v.impact === "critical") bad.push(`${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }
};
const width = () => page.evaluate(() => document.documentElement.scrollWidth);

try {
  // Sign in: our page → the provider's login form → its consent form → my licences.
  await page.goto(`${BASE}/holder`, { timeout: WAIT });
  await audit("sign-in page");
  await shot("signin");
  await Promise.all([page.waitForNavigation({ timeout: WAIT }), page.click("#signin")]);
  await page.fill("input[name=login]", "wang", { timeout: WAIT });
  await page.fill("input[name=password]", "any", { timeout: WAIT });
  await Promise.all([page.waitForNavigation({ timeout: WAIT }), page.click("button[type=submit]")]);
  await page.waitForSelector("button[type=submit]", { timeout: WAIT });
  await Promise.all([page.waitForURL(`${BASE}/holder`, { timeout: WAIT }), page.click("button[type=submit]")]);
  const greeting = (await page.textContent("#greeting", { timeout: WAIT })).trim();
  const main = await page.textContent("main");
  check("sign-in", greeting.includes("王**") && main.includes(LICENCE), `${greeting} | ${main.slice(0, 300)}`);
  const cookies = await context.cookies(BASE);
  const session = cookies.find((c) => c.name === "__Host-yx_holder");
  check("session cookie", session && session.httpOnly && session.secure && session.sameSite === "Lax", JSON.stringify(session));
  check("my licences on a phone", (await width()) <= 390, await width());
  await audit("my licences");
  await shot("mine");

  // 亮证: the full-screen page with its QR code, renewing itself.
  await Promise.all([page.waitForNavigation({ timeout: WAIT }), page.click(`a[href^="/holder/show/"]`)]);
  const qr = await page.evaluate(() => {
    const i = document.querySelector("#show-qr");
    return i ? { loaded: i.complete && i.naturalWidth > 0, text: i.dataset.text } : null;
  });
  const until = (await page.textContent("#show-until")).trim();
  const renew = await page.getAttribute("main", "data-renew");
  check("show", qr && qr.loaded && qr.text.includes("/V/") && until.includes("有效至") && renew === "270", `${JSON.stringify(qr)} | ${until} | ${renew}`);
  check("show on a phone", (await width()) <= 390, await width());
  await audit("show");
  await shot("show");

  // A consent from the form: the auth code, shown once.
  await page.goto(`${BASE}/holder`, { timeout: WAIT });
  await page.click("details.more summary");
  await page.fill("input[name=agency]", AGENCY);
  await page.fill("input[name=service_item]", "注册会计师执业登记");
  await page.fill("input[name=case_number]", "GZ-2026-0042");
  await Promise.all([page.waitForNavigation({ timeout: WAIT }), page.click("form.grant button[type=submit]")]);
  const code = (await page.textContent("#auth-code", { timeout: WAIT })).trim();
  const row = await page.$$eval("#grants tbody tr", (r) => r.map((x) => x.textContent));
  check("consent", code.startsWith("yxg_") && row.length === 1 && row[0].includes(AGENCY), `${code} | ${row}`);
  await audit("consent given");
  await shot("consent");
} catch (e) {
  check("holder flow", false, e && e.stack ? e.stack : e);
  await shot("failure");
}
check("axe", bad.length === 0, bad.join("\n"));
await browser.close();
console.log(JSON.stringify(results));
