#!/usr/bin/env node
// Opens an OFD file with ofd.js 0.2.6 (the npm package, a browser library) under jsdom, the
// way a web page would: parseOfdDocument on the file's bytes, then renderOfdByScale into a
// jsdom document. Prints one JSON object on standard output:
//   {"ofdjs": "0.2.6", "pages": N, "rendered": N,
//    "text": ["…", …],        one string per rendered TextObject of page 1 (ofd.js draws each
//                             character as an SVG <text>; they are joined back here)
//    "seals": N,              elements ofd.js rendered from Signatures.xml (name="seal_img_div")
//    "seal_verify": [bool…],  ofd.js's own check of each seal's SES signature (VerifyRet)
//    "seal_references": [N…], how many files each seal's SignedInfo References name
//    "seal_digests": [bool…], ofd.js's digestCheck of those files against their CheckValue
//    "images": N,             SVG <image> elements (QR code, photo, seal picture)
//    "errors": ["…", …],      a failed parse/render, an exception, a time-out
//    "log": ["…", …]}         what ofd.js wrote with console.* (it reports decode errors so)
// Exit status 0 when "errors" is empty, 1 otherwise, 2 on bad usage.
//
// Usage: node tests/ofdjs/open.js FILE.ofd
// YINXIN_OFDJS_DIR names a directory whose node_modules holds ofd.js@0.2.6 and jsdom (.ci/run
// installs them outside the tree).
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const out = {
    ofdjs: null, pages: 0, rendered: 0, text: [], seals: 0, seal_verify: [], seal_references: [], seal_digests: [],
    images: 0, errors: [], log: [],
};
const sealIds = [];
let printed = false;
function finish() {
    if (printed) return;
    printed = true;
    out.log = out.log.slice(0, 40);
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(out.errors.length === 0 ? 0 : 1);
}
function fail(what, e) {
    out.errors.push(`${what}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e)}`);
}

const file = process.argv[2];
const dir = process.env.YINXIN_OFDJS_DIR;
if (!file || !dir) {
    process.stderr.write('usage: YINXIN_OFDJS_DIR=DIR node open.js FILE.ofd\n');
    process.exit(2);
}
const req = createRequire(path.join(path.resolve(dir), 'package.json'));

// Bounded: a parse that never settles (ofd.js waits on image onload events) is an error.
setTimeout(() => { out.errors.push('timeout: ofd.js did not finish within 30 s'); finish(); }, 30000).unref();
process.on('unhandledRejection', (e) => fail('unhandled rejection', e));
process.on('uncaughtException', (e) => { fail('uncaught exception', e); finish(); });

// ofd.js logs with console.log (its SES decode errors among them): keep that off standard
// output, which carries only the JSON.
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = (...args) => {
        out.log.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'object' ? safeJson(a) : String(a))).join(' ').slice(0, 300));
    };
}
function safeJson(v) {
    try {
        return JSON.stringify(v, (k, x) => (x instanceof Uint8Array ? `<${x.length} bytes>` : x)).slice(0, 300);
    } catch (e) {
        return String(v);
    }
}

// Browser globals for ofd.js, from jsdom.
const { JSDOM } = req('jsdom');
const dom = new JSDOM('<!DOCTYPE html><html><body></body></html>', { pretendToBeVisual: true });
const win = dom.window;
for (const name of ['window', 'document', 'navigator', 'DOMParser', 'XMLSerializer', 'Node', 'HTMLElement', 'File', 'FileReader', 'Blob']) {
    try {
        Object.defineProperty(global, name, { value: name === 'window' ? win : win[name], configurable: true, writable: true });
    } catch (e) {
        fail(`global ${name}`, e);
    }
}
global.self = win;

// Workaround (ofd.js under jsdom, not a fault of the file): ofd.js sizes each image of the
// document with `new Image()` and waits for its onload; jsdom never loads images (it has no
// canvas), so the parse would never settle. This Image reads the size from the PNG or JPEG
// header of the data: URL and fires onload.
global.Image = class {
    constructor() {
        this.width = 0;
        this.height = 0;
        this.onload = null;
        this.onerror = null;
    }
    set src(url) {
        this._src = url;
        const size = imageSize(Buffer.from(String(url).replace(/^data:[^,]*,/, ''), 'base64'));
        setTimeout(() => {
            if (size) {
                this.width = size.w;
                this.height = size.h;
                if (this.onload) this.onload();
            } else {
                out.errors.push(`image: not a PNG or JPEG (${String(url).slice(0, 40)}…)`);
                if (this.onerror) this.onerror(new Error('not an image'));
            }
        }, 0);
    }
    get src() {
        return this._src;
    }
};
function imageSize(b) {
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
        return { w: b.readUInt32BE(16), h: b.readUInt32BE(20) };
    }
    if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
        let i = 2;
        while (i + 9 < b.length && b[i] === 0xff) {
            const m = b[i + 1];
            const len = b.readUInt16BE(i + 2);
            if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
                return { h: b.readUInt16BE(i + 5), w: b.readUInt16BE(i + 7) };
            }
            i += 2 + len;
        }
    }
    return null;
}
// Workaround (jsdom): ofd.js sets `img.href.baseVal` on SVG <image> elements; jsdom has no
// SVGImageElement, so give SVG elements an `href` whose baseVal writes the attribute.
Object.defineProperty(win.SVGElement.prototype, 'href', {
    configurable: true,
    get() {
        const el = this;
        return {
            get baseVal() {
                return el.getAttribute('href') || '';
            },
            set baseVal(v) {
                el.setAttribute('href', v);
            },
        };
    },
});

// Workaround (jsdom has no canvas): ofd.js draws JBIG2 images with ImageData and a 2D
// context; count them as drawn.
global.ImageData = class {
    constructor(data, width, height) {
        this.data = data;
        this.width = width;
        this.height = height;
    }
};
win.HTMLCanvasElement.prototype.getContext = function () {
    return { putImageData() {}, drawImage() {}, fillRect() {}, clearRect() {} };
};

let ofd;
try {
    out.ofdjs = req('ofd.js/package.json').version;
    ofd = req('ofd.js');
} catch (e) {
    fail('loading ofd.js', e);
    finish();
}

let bytes;
try {
    const b = fs.readFileSync(file);
    bytes = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
} catch (e) {
    fail('reading the file', e);
    finish();
}

ofd.parseOfdDocument({
    ofd: bytes,
    success(res) {
        try {
            // parseOfdDocument resolves with one entry per DocBody; the first document is shown.
            const doc = Array.isArray(res) ? res[0] : res;
            if (!doc || !Array.isArray(doc.pages)) {
                out.errors.push('parse: no document in the result');
                return finish();
            }
            out.pages = doc.pages.length;
            const divs = ofd.renderOfdByScale(doc);
            out.rendered = divs.length;
            for (const div of divs) document.body.appendChild(div);
            const first = divs[0];
            if (first) {
                for (const svg of first.querySelectorAll('svg')) {
                    const texts = [...svg.children].filter((c) => c.localName === 'text');
                    if (texts.length > 0) out.text.push(texts.map((t) => t.textContent).join(''));
                }
                const seals = first.querySelectorAll('[name="seal_img_div"]');
                out.seals = seals.length;
                for (const s of seals) {
                    try {
                        const info = JSON.parse(s.getAttribute('data-signed-info'));
                        out.seal_verify.push(info.VerifyRet === true);
                        sealIds.push(info.signatureID);
                    } catch (e) {
                        out.seal_verify.push(false);
                    }
                }
                out.images = first.querySelectorAll('image').length;
            }
        } catch (e) {
            fail('render', e);
        }
        // ofd.js reads the referenced files for its digest check without awaiting them, and
        // its other pending promises may still reject: give both a moment, then check the
        // digests of each drawn seal's References (ofd.js's digestCheck, as its viewer does).
        setTimeout(() => {
            for (const id of sealIds) {
                const refs = (global.toBeChecked && global.toBeChecked.get(id)) || [];
                out.seal_references.push(refs.length);
                try {
                    out.seal_digests.push(refs.length > 0 && ofd.digestCheck(refs) === true);
                } catch (e) {
                    fail('digest check', e);
                }
            }
            finish();
        }, 200);
    },
    fail(e) {
        fail('parse', e);
        finish();
    },
});
