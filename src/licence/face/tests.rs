//! The face of each shipped kind, read back with the OFD reader: page size, metadata (custom
//! data and attachment), every required value printed, the QR decoding to its text, the photo,
//! and long values kept inside their boxes.

use super::*;
use crate::document::ofd::Package;
use crate::licence::draft::{Agency, draft};
use crate::licence::kind::Catalogue;
use crate::licence::metadata::{LONG_TERM, metadata};
use serde_json::json;

const TODAY: time::Date = time::macros::date!(2026 - 12 - 05);
const NOW: i64 = 1_796_400_000;

/// A small element tree (local names), enough to read our own parts back.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn parse(bytes: &[u8]) -> El {
        use quick_xml::events::Event;
        let text = std::str::from_utf8(bytes).expect("UTF-8");
        let mut reader = quick_xml::Reader::from_str(text);
        let local = |q: &str| q.rsplit_once(':').map_or(q, |(_, l)| l).to_string();
        let open = |e: &quick_xml::events::BytesStart<'_>| El {
            name: local(e.name().as_ref()),
            attrs: e
                .attributes()
                .map(|a| {
                    let a = a.unwrap();
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned();
                    (local(a.key.as_ref()), v)
                })
                .collect(),
            ..El::default()
        };
        let mut stack: Vec<El> = vec![El::default()];
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => stack.push(open(&e)),
                Event::Empty(e) => {
                    let el = open(&e);
                    stack.last_mut().unwrap().children.push(el);
                }
                Event::End(_) => {
                    let el = stack.pop().unwrap();
                    stack.last_mut().unwrap().children.push(el);
                }
                Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&r)
                            .unwrap()
                            .to_string(),
                    };
                    stack.last_mut().unwrap().text.push_str(&c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        stack.pop().unwrap().children.pop().expect("a root")
    }

    fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a El>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.all(name, out);
        }
    }

    fn find(&self, name: &str) -> Vec<&El> {
        let mut out = Vec::new();
        self.all(name, &mut out);
        out
    }
}

fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace().map(|v| v.parse().unwrap()).collect()
}

/// A text drawn on the page: its boundary (x, y, w, h) and text.
#[derive(Debug)]
struct Drawn {
    b: Vec<f64>,
    text: String,
}

/// What a face reads back as.
struct Read {
    pkg: Package,
    page_box: Vec<f64>,
    custom: BTreeMap<String, String>,
    texts: Vec<Drawn>,
    /// Images: boundary and PNG bytes.
    images: Vec<(Vec<f64>, Vec<u8>)>,
}

fn read(bytes: &[u8]) -> Read {
    let pkg = Package::from_bytes(bytes).expect("our reader reads the face");
    let part = |p: &str| El::parse(pkg.get(p).unwrap_or_else(|| panic!("{p} missing")));
    let ofd = part("OFD.xml");
    let custom = ofd
        .find("CustomData")
        .into_iter()
        .map(|c| (c.attrs["Name"].clone(), c.text.clone()))
        .collect();
    let doc = part("Doc_0/Document.xml");
    let page_box = numbers(&doc.find("PageArea")[0].find("PhysicalBox")[0].text);
    let res = part("Doc_0/DocumentRes.xml");
    let media: BTreeMap<String, String> = res
        .find("MultiMedia")
        .into_iter()
        .map(|m| (m.attrs["ID"].clone(), m.find("MediaFile")[0].text.clone()))
        .collect();
    let content = part("Doc_0/Pages/Page_0/Content.xml");
    let texts = content
        .find("TextObject")
        .into_iter()
        .map(|t| Drawn {
            b: numbers(&t.attrs["Boundary"]),
            text: t.find("TextCode")[0].text.clone(),
        })
        .collect();
    let images = content
        .find("ImageObject")
        .into_iter()
        .map(|i| {
            let file = &media[&i.attrs["ResourceID"]];
            let png = pkg.get(&format!("Doc_0/Res/{file}")).expect("image file");
            (numbers(&i.attrs["Boundary"]), png.to_vec())
        })
        .collect();
    Read {
        pkg,
        page_box,
        custom,
        texts,
        images,
    }
}

impl Read {
    /// Every text of the page, in drawing order, joined.
    fn all_text(&self) -> String {
        self.texts.iter().map(|t| t.text.as_str()).collect()
    }

    /// The texts that start inside `r`.
    fn in_box(&self, r: &Rect) -> Vec<&Drawn> {
        self.texts
            .iter()
            .filter(|t| {
                t.b[0] + EPS >= r.x
                    && t.b[0] < r.x + r.w
                    && t.b[1] + EPS >= r.y
                    && t.b[1] < r.y + r.h
            })
            .collect()
    }
}

/// Decode a QR PNG with rqrr.
fn decode_qr(png: &[u8]) -> String {
    let pm = tiny_skia::Pixmap::decode_png(png).expect("the QR is a PNG");
    let (w, h) = (pm.width() as usize, pm.height() as usize);
    let px = pm.data();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[(y * w + x) * 4]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("the QR decodes").1
}

/// A small PNG photo (3×4 pixels).
fn photo_png() -> Vec<u8> {
    let mut pm = tiny_skia::Pixmap::new(3, 4).unwrap();
    pm.fill(tiny_skia::Color::from_rgba8(40, 90, 200, 255));
    pm.encode_png().unwrap()
}

fn agency() -> Agency {
    Agency {
        credit_code: "11440100MB2C12345P".into(),
        name: "广州市市场监督管理局".into(),
    }
}

fn sample_input(key: &str) -> serde_json::Value {
    use base64::Engine as _;
    match key {
        "business-licence" => json!({
            "credit_code": "91440101MA5CJMYA97",
            "name": "广州示例科技有限公司",
            "entity_type": "有限责任公司（自然人投资或控股）",
            "legal_representative": "张三",
            "business_scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务。",
            "registered_capital": "100",
            "established": "2019-03-01",
            "domicile": "广州市天河区示例路1号 A-101 <东座> & 附楼",
            "registration_authority": "广州市天河区市场监督管理局"
        }),
        "food-business-licence" => json!({
            "operator_name": "示例餐饮店",
            "credit_code": "91440101MA5CJMYA97",
            "licence_number": "JY14401010000001",
            "legal_representative": "李四",
            "domicile": "广州市越秀区示例街2号",
            "premises": "广州市越秀区示例街2号首层",
            "business_form": "餐饮服务经营者",
            "items": "热食类食品制售；冷食类食品制售（不含生食）",
            "complaint_phone": "12315"
        }),
        "professional-qualification" => json!({
            "holder_name": "王五",
            "id_number": "11010519491231002X",
            "gender": "男",
            "qualification": "信息系统项目管理师",
            "level": "高级",
            "specialty": "计算机技术与软件",
            "certificate_number": "2026ZC0001234",
            "approved_on": "2026-06-30",
            "photo": base64::engine::general_purpose::STANDARD.encode(photo_png())
        }),
        other => panic!("no sample for {other}"),
    }
}

fn licence(kind: &LicenceKind, input: serde_json::Value) -> Licence {
    draft(
        kind,
        &agency(),
        input.as_object().unwrap(),
        "2026000001",
        1,
        TODAY,
        NOW,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", kind.key))
}

fn qr_text() -> String {
    crate::licence::qr::url("https://zz.gd.example.cn", &"0123456789".repeat(28))
}

fn render_kind(kind: &LicenceKind, l: &Licence) -> (Read, BTreeMap<String, String>) {
    let m = metadata(l, kind, None);
    let bytes =
        render(l, kind, &qr_text(), &m, NOW).unwrap_or_else(|e| panic!("{}: {e}", kind.key));
    (read(&bytes), m)
}

#[test]
fn every_shipped_kind_renders_and_reads_back() {
    let catalogue = Catalogue::builtin();
    assert_eq!(catalogue.kinds().len(), 3);
    for kind in catalogue.kinds() {
        let l = licence(kind, sample_input(&kind.key));
        let (r, m) = render_kind(kind, &l);
        let k = &kind.key;
        // Page size.
        assert_eq!(
            r.page_box,
            [0.0, 0.0, kind.face.width, kind.face.height],
            "{k}"
        );
        // Custom data: the whole metadata, ZZBS the identifier.
        assert_eq!(r.custom["ZZBS"], l.id.to_string(), "{k}");
        assert_eq!(r.custom, m, "{k}");
        // The attachment: listed, canonical JSON with the same ZZBS.
        let list = El::parse(
            r.pkg
                .get("Doc_0/Attachs/Attachments.xml")
                .expect("attachment list"),
        );
        let att = &list.find("Attachment")[0];
        assert_eq!(att.attrs["Format"], "json");
        assert_eq!(att.find("FileLoc")[0].text, METADATA_FILE);
        let json = r
            .pkg
            .get("Doc_0/Attachs/metadata.json")
            .expect("attachment");
        assert_eq!(
            json,
            crate::trust::list::canonical_json(&m).as_slice(),
            "{k}"
        );
        let parsed: BTreeMap<String, String> = serde_json::from_slice(json).expect("JSON");
        assert_eq!(parsed["ZZBS"], l.id.to_string(), "{k}");
        // Title, labels and every required value printed.
        let all = r.all_text();
        let title = kind.face.title.clone().unwrap_or(kind.name.zh.clone());
        assert!(r.texts.iter().any(|t| t.text == title), "{k}: title");
        let on_face = |key: &str| kind.face.items.iter().any(|i| i.field == key);
        for f in kind.fields.iter().filter(|f| f.required) {
            let Some(v) = l.values.text.get(&f.key) else {
                continue; // the photo
            };
            if !on_face(&f.key) {
                // Only a sensitive field (the holder's identity number) is left off a face.
                assert!(f.sensitive, "{k}: required field {} not on the face", f.key);
                assert!(!all.contains(v.as_str()), "{k}: {} printed", f.key);
                continue;
            }
            let printed = if f.kind == FieldType::Date {
                chinese_date(v)
            } else {
                v.clone()
            };
            assert!(
                all.contains(&printed),
                "{k}: {} {printed:?} not in {all}",
                f.key
            );
        }
        for item in &kind.face.items {
            if let Some(label) = &item.label {
                assert!(
                    r.texts.iter().any(|t| &t.text == label),
                    "{k}: label {label}"
                );
            }
        }
        assert!(all.contains("2026年12月5日"), "{k}: issue date");
        assert!(all.contains(&l.id.to_string()), "{k}: identifier");
        // Nothing is drawn off the page, and every text lies in its item's box or the title band.
        for t in &r.texts {
            assert!(
                t.b[0] >= -EPS
                    && t.b[1] >= -EPS
                    && t.b[0] + t.b[2] <= kind.face.width + EPS
                    && t.b[1] + t.b[3] <= kind.face.height + EPS,
                "{k}: {t:?} off the page"
            );
            let inside = |r: &Rect| {
                t.b[0] + EPS >= r.x
                    && t.b[1] + EPS >= r.y
                    && t.b[0] + t.b[2] <= r.x + r.w + EPS
                    && t.b[1] + t.b[3] <= r.y + r.h + EPS
            };
            assert!(
                t.text == title || kind.face.items.iter().any(|i| inside(&i.at)),
                "{k}: {t:?} outside every box"
            );
        }
        // The QR decodes to exactly its text, in its box.
        let qr = r
            .images
            .iter()
            .find(|(b, _)| (b[0] - kind.face.qr.x).abs() < EPS)
            .expect("the QR image");
        assert_eq!(decode_qr(&qr.1), qr_text(), "{k}");
        assert_eq!(
            qr.0,
            [
                kind.face.qr.x,
                kind.face.qr.y,
                kind.face.qr.w,
                kind.face.qr.h
            ]
        );
        // The photo, for the kind that has one, fitted in its box.
        match &kind.face.photo {
            Some(p) => {
                assert_eq!(r.images.len(), 2, "{k}");
                let (b, png) = r.images.iter().find(|(b, _)| b != &qr.0).unwrap();
                assert_eq!(png, &l.values.images[&p.field], "{k}: the photo's bytes");
                assert!(b[0] + EPS >= p.at.x && b[0] + b[2] <= p.at.x + p.at.w + EPS);
                assert!(b[1] + EPS >= p.at.y && b[1] + b[3] <= p.at.y + p.at.h + EPS);
                // 3×4 pixels in a 30×40 box: the whole box.
                assert!(
                    (b[2] - 30.0).abs() < 0.01 && (b[3] - 40.0).abs() < 0.01,
                    "{b:?}"
                );
                assert!(
                    !r.custom.values().any(|v| v.len() > 1000),
                    "{k}: no picture bytes"
                );
                assert!(r.custom.keys().any(|c| c.ends_with("_SM3")), "{k}");
            }
            None => assert_eq!(r.images.len(), 1, "{k}"),
        }
    }
}

#[test]
fn dates_money_and_long_term_are_printed_as_on_paper() {
    let catalogue = Catalogue::builtin();
    let kind = catalogue.by_key("business-licence").unwrap();
    let l = licence(kind, sample_input(&kind.key));
    assert_eq!(l.valid_to, None);
    let (r, _) = render_kind(kind, &l);
    let all = r.all_text();
    assert!(all.contains("2019年3月1日"), "{all}");
    assert!(all.contains(&format!("营业期限至{LONG_TERM}")), "{all}");
    // The label names the unit: the amount is printed alone.
    assert!(all.contains("注册资本（万元人民币）100"), "{all}");
    assert!(!all.contains("100万元人民币"), "{all}");
    // Without the unit in the label, the unit follows the amount.
    let mut k2 = kind.clone();
    for i in &mut k2.face.items {
        if i.field == "registered_capital" {
            i.label = Some("注册资本".into());
        }
    }
    let (r, _) = render_kind(&k2, &l);
    assert!(
        r.all_text().contains("注册资本100万元人民币"),
        "{}",
        r.all_text()
    );
    // A business term to a date prints that date.
    let mut input = sample_input(&kind.key);
    input["term_to"] = json!("2049-03-31");
    let (r, _) = render_kind(kind, &licence(kind, input));
    assert!(r.all_text().contains("营业期限至2049年3月31日"));
    assert_eq!(chinese_date("2026-01-09"), "2026年1月9日");
    assert_eq!(chinese_date(LONG_TERM), LONG_TERM);
}

#[test]
fn a_long_business_scope_wraps_and_is_cut_inside_its_box() {
    let catalogue = Catalogue::builtin();
    let kind = catalogue.by_key("business-licence").unwrap();
    let scope: String = "软件开发；信息技术咨询服务；ABC-123 数据处理。"
        .chars()
        .cycle()
        .take(2000)
        .collect();
    let mut input = sample_input(&kind.key);
    input["business_scope"] = json!(scope);
    let l = licence(kind, input);
    let (r, m) = render_kind(kind, &l);
    // The metadata keeps the whole value.
    assert_eq!(r.custom["KZ_JYFW"], scope);
    assert_eq!(m["KZ_JYFW"], scope);
    let item = kind
        .face
        .items
        .iter()
        .find(|i| i.field == "business_scope")
        .unwrap();
    let b = &item.at;
    let drawn = r.in_box(b);
    assert_eq!(drawn[0].text, "经营范围");
    let lines = &drawn[1..];
    assert!(lines.len() > 10, "{} lines", lines.len());
    for t in &drawn {
        assert!(
            t.b[0] + EPS >= b.x
                && t.b[0] + t.b[2] <= b.x + b.w + EPS
                && t.b[1] + EPS >= b.y
                && t.b[1] + t.b[3] <= b.y + b.h + EPS,
            "{t:?} leaves the box {b:?}"
        );
    }
    // Cut, with '…' at the end; what is printed is the value's beginning.
    let printed: String = lines.iter().map(|t| t.text.as_str()).collect();
    let kept = printed.strip_suffix('…').expect("cut with …");
    assert!(kept.chars().count() < 2000);
    let compact = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
    assert!(compact(&scope).starts_with(&compact(kept)), "{printed}");
    // Lines of one width: each within the box, the longest close to it.
    let widest = lines.iter().map(|t| t.b[2]).fold(0.0, f64::max);
    let room = b.w - (width("经营范围", 9.0 * MM_PER_PT) + LABEL_GAP * 9.0 * MM_PER_PT);
    assert!(
        widest <= room + EPS && widest > room - 1.5 * 9.0 * MM_PER_PT,
        "{widest} vs {room}"
    );
}

#[test]
fn wrap_and_cut() {
    let s = 4.0;
    // 5 CJK characters per 20 mm; ASCII half width.
    assert_eq!(wrap("一二三四五六七", 20.0, s), ["一二三四五", "六七"]);
    assert_eq!(wrap("abcdefghijk", 20.0, s), ["abcdefghij", "k"]);
    assert_eq!(wrap("第一段\n第二段", 20.0, s), ["第一段", "第二段"]);
    assert_eq!(wrap("abcd efghij klm", 20.0, s), ["abcd efghi", "j klm"]);
    assert_eq!(wrap("abcdefghij klm", 20.0, s), ["abcdefghij", "klm"]);
    let cut_lines = cut(wrap(&"一".repeat(20), 20.0, s), 2, 20.0, s);
    assert_eq!(cut_lines, ["一一一一一", "一一一一…"]);
    assert_eq!(cut(vec!["a".into()], 1, 20.0, s), ["a"]);
}

#[test]
fn bad_photos_and_boxes_are_refused_with_the_field_named() {
    let catalogue = Catalogue::builtin();
    let kind = catalogue.by_key("professional-qualification").unwrap();
    let mut l = licence(kind, sample_input(&kind.key));
    let m = metadata(&l, kind, None);
    // A JPEG: refused, saying so.
    l.values
        .images
        .insert("photo".into(), b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec());
    let e = render(&l, kind, &qr_text(), &m, NOW).unwrap_err();
    assert!(
        matches!(&e, FaceError::Photo { field, reason } if field == "photo" && reason.contains("JPEG")),
        "{e}"
    );
    // A truncated PNG.
    let mut png = photo_png();
    png.truncate(png.len() - 20);
    l.values.images.insert("photo".into(), png);
    let e = render(&l, kind, &qr_text(), &m, NOW).unwrap_err();
    assert!(matches!(e, FaceError::Photo { .. }), "{e}");
    // Missing (required).
    l.values.images.clear();
    let e = render(&l, kind, &qr_text(), &m, NOW).unwrap_err();
    assert!(e.to_string().contains("photo"), "{e}");
    // A box lower than one line.
    let l = licence(kind, sample_input(&kind.key));
    let mut k2 = kind.clone();
    k2.face.items[0].at.h = 2.0;
    let e = render(&l, &k2, &qr_text(), &m, NOW).unwrap_err();
    assert!(
        matches!(&e, FaceError::Layout { field, .. } if field == "holder_name"),
        "{e}"
    );
    // A QR text too long for any QR code.
    let e = render(&l, kind, &"9".repeat(8000), &m, NOW).unwrap_err();
    assert!(matches!(e, FaceError::Qr(_)), "{e}");
}
