// The verification page in a real browser (Debian's Chromium driven by playwright-core), run by
// tests/web_browser.rs, which prepares the files and the server and asserts on what this prints:
// one JSON array of {name, ok, detail}. Every scenario checks what the page shows (text and
// state), and saves a screenshot under OUT.
//
// Environment: YINXIN_BROWSER_DIR (a directory with node_modules/playwright-core and
// node_modules/axe-core), CHROMIUM (the browser), BASE (the server), FILES (licence.ofd,
// changed.ofd, qr.png, qr.y4m, paths.json), OUT (screenshots).
import { createRequire } from "node:module";
import fs from "node:fs";
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
const FILES = env("FILES");
const OUT = env("OUT");
const paths = JSON.parse(fs.readFileSync(path.join(FILES, "paths.json"), "utf8"));
const file = (n) => path.join(FILES, n);
const WAIT = 90_000; // a loaded 2-core machine
const results = [];

function check(name, ok, detail) {
  results.push({ name, ok: Boolean(ok), detail: String(detail ?? "") });
}

async function verdictOf(page) {
  await page.waitForSelector("#verdict", { timeout: WAIT });
  return (await page.textContent("#verdict")).trim();
}

async function upload(page, selector, name) {
  await page.goto(`${BASE}/`, { timeout: WAIT });
  await page.setInputFiles(selector, file(name));
  await Promise.all([
    page.waitForNavigation({ timeout: WAIT }),
    page.click("button[type=submit]"),
  ]);
}

async function scenario(name, browser, options, body) {
  const context = await browser.newContext({ locale: "zh-CN", ...options });
  const page = await context.newPage();
  try {
    await body(page, context);
  } catch (e) {
    check(name, false, e && e.stack ? e.stack : e);
  } finally {
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true }).catch(() => {});
    await context.close();
  }
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  timeout: WAIT,
  args: [
    "--no-sandbox",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-video-capture=${file("qr.y4m")}`,
  ],
});

await scenario("upload-valid", browser, {}, async (page) => {
  await upload(page, "#file", "licence.ofd");
  const v = await verdictOf(page);
  const seal = await page.evaluate(() => {
    const i = document.querySelector("img.seal");
    return i ? { loaded: i.complete && i.naturalWidth > 0, alt: i.alt } : null;
  });
  const text = await page.textContent("main");
  check("upload-valid", v.includes("有效") && !v.includes("无效"), v);
  check("upload-valid: seal picture shown", seal && seal.loaded && seal.alt.includes("电子证照专用章"), JSON.stringify(seal));
  check("upload-valid: issuer and proven time", text.includes("广州市市场监督管理局") && text.includes("由时间戳证明"), text.slice(0, 400));
});

await scenario("upload-changed", browser, {}, async (page) => {
  await upload(page, "#file", "changed.ofd");
  const v = await verdictOf(page);
  const text = await page.textContent("main");
  check("upload-changed", v.includes("无效") && text.includes("Doc_0/"), `${v} | ${text.slice(0, 400)}`);
});

await scenario("revoked", browser, {}, async (page) => {
  await page.goto(`${BASE}${paths.revoked}`, { timeout: WAIT });
  const v = await verdictOf(page);
  const why = await page.$$eval("ul.why li", (l) => l.map((x) => x.textContent));
  const status = await page.textContent(".status");
  check("revoked", v.includes("无效") && status.includes("已注销") && why.length > 0, `${v} | ${status} | ${why}`);
});

await scenario("superseded", browser, {}, async (page) => {
  await page.goto(`${BASE}${paths.superseded}`, { timeout: WAIT });
  const v = await verdictOf(page);
  const link = await page.$("a[href^='/verify/licence/']");
  if (!link) throw new Error(`no link to the current version (${v})`);
  await Promise.all([page.waitForNavigation({ timeout: WAIT }), link.click()]);
  const h1 = (await page.textContent("h1")).trim();
  const text = await page.textContent("main");
  check("superseded", v.includes("无效") && h1 === "证照状态" && text.includes(paths.current), `${v} | ${h1}`);
});

await scenario("english", browser, {}, async (page) => {
  await page.goto(`${BASE}/`, { timeout: WAIT });
  await Promise.all([page.waitForNavigation({ timeout: WAIT }), page.click("a[hreflang=en]")]);
  const h1 = (await page.textContent("h1")).trim();
  const lang = await page.getAttribute("html", "lang");
  check("english", h1 === "Is this document genuine?" && lang === "en", `${lang} ${h1}`);
});

await scenario("qr-url", browser, {}, async (page) => {
  await page.goto(`${BASE}${paths.valid}`, { timeout: WAIT });
  const v = await verdictOf(page);
  check("qr-url", v.includes("有效") && !v.includes("无效"), v);
});

await scenario("photo", browser, {}, async (page) => {
  await upload(page, "#qr_photo", "qr.png");
  const v = await verdictOf(page);
  check("photo", v.includes("有效") && !v.includes("无效"), v);
});

await scenario("no-javascript", browser, { javaScriptEnabled: false }, async (page) => {
  await upload(page, "#file", "licence.ofd");
  const v = await verdictOf(page);
  const cameraHidden = await page.$eval(".camera", (e) => e.hidden);
  check("no-javascript", v.includes("有效") && !v.includes("无效") && cameraHidden, `${v} camera hidden: ${cameraHidden}`);
});

await scenario("phone", browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, async (page) => {
  await page.goto(`${BASE}/`, { timeout: WAIT });
  const homeWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  await upload(page, "#file", "licence.ofd");
  const v = await verdictOf(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check("phone", v.includes("有效") && homeWidth <= 390 && width <= 390, `${v} widths ${homeWidth} ${width}`);
});

await scenario("camera", browser, { permissions: ["camera"] }, async (page) => {
  await page.goto(`${BASE}/`, { timeout: WAIT });
  await page.waitForSelector("#scan", { state: "visible", timeout: WAIT });
  await Promise.all([page.waitForNavigation({ timeout: WAIT }), page.click("#scan")]);
  const v = await verdictOf(page);
  check("camera", v.includes("有效") && !v.includes("无效"), v);
});

// Accessibility: axe-core on the form and on both results (the context bypasses the page's
// CSP only to inject axe).
await scenario("axe", browser, { bypassCSP: true }, async (page) => {
  const bad = [];
  const audit = async (label) => {
    await page.addScriptTag({ path: axePath });
    const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    for (const v of r.violations) {
      if (v.impact === "serious" || v.impact === "critical") bad.push(`${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }
  };
  await page.goto(`${BASE}/`, { timeout: WAIT });
  await audit("form");
  await upload(page, "#file", "licence.ofd");
  await audit("valid result");
  await upload(page, "#file", "changed.ofd");
  await audit("invalid result");
  await page.goto(`${BASE}${paths.revoked}`, { timeout: WAIT });
  await audit("revoked licence");
  check("axe", bad.length === 0, bad.join("\n"));
});

await browser.close();
console.log(JSON.stringify(results));
