//! Modification analysis: what the revisions after a signed one changed. A later revision may
//! add signatures and their fields (a widget in a page's `/Annots`, a field in the AcroForm's
//! `/Fields`, `/SigFlags`), the DSS (validation data) and document time-stamps; anything else —
//! a page's content or resources, the page tree, another annotation, an object removed — is a
//! modification of the signed document, named with its revision.
//!
//! Under a certification signature (DocMDP) `/P 2` or `/P 3`, filling in the form is allowed
//! too: a non-signature field's `/V`, its widgets' `/AP` and `/AS` and their appearance
//! streams, the AcroForm's `/NeedAppearances`. Without a certification signature, or with
//! `/P 1`, it is not (stricter than ISO 32000 for approval signatures: no FieldMDP yet).
//!
//! Strict by design: a change this does not recognise as allowed is reported, never ignored.

use super::PdfError;
use lopdf::{Dictionary, Document, Object, ObjectId};

/// Most revisions analysed.
const MAX_REVISIONS: usize = 64;

/// The byte offsets just past each `%%EOF` marker (the ends of the revisions, an end-of-line
/// after the marker not included), in order.
pub(super) fn revision_ends(pdf: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = pdf[from..].windows(5).position(|w| w == b"%%EOF") {
        let end = from + i + 5;
        // A revision ends with `startxref <offset> %%EOF`; the marker elsewhere (inside a
        // stream) is not an end.
        let before = &pdf[(from + i).saturating_sub(48)..from + i];
        if before.windows(9).any(|w| w == b"startxref") {
            out.push(end);
        }
        from = end;
        if out.len() > MAX_REVISIONS {
            break;
        }
    }
    out
}

fn type_of(d: &Dictionary) -> &[u8] {
    match d.get(b"Type") {
        Ok(Object::Name(n)) => n,
        _ => b"",
    }
}

/// What later revisions may add, from the certification signature's DocMDP permission.
#[derive(Clone, Copy)]
struct Rules {
    /// More (approval) signatures; with `/P 1` only document time-stamps.
    signatures: bool,
    /// Filling in form fields (`/P 2` and `/P 3`): a field's value and its widgets' look.
    form_fill: bool,
    /// Annotations other than widgets (`/P 3`).
    annotations: bool,
}

impl Rules {
    fn of(docmdp: Option<i64>) -> Rules {
        Rules {
            signatures: docmdp != Some(1),
            form_fill: matches!(docmdp, Some(2) | Some(3)),
            annotations: docmdp == Some(3),
        }
    }
}

/// The keys form filling changes: a field's value (`/V`), a widget's appearance (`/AP`, `/AS`)
/// — of fields that are not signatures.
const FORM_FILL_KEYS: [&[u8]; 3] = [b"V", b"AP", b"AS"];

/// The appearance streams of the form fields' widgets in `doc` (not signatures'): what filling
/// in a form may redraw.
fn field_appearances(doc: &Document) -> Vec<ObjectId> {
    let mut out = Vec::new();
    for (_, o) in doc.objects.iter().take(super::limits::MAX_OBJECTS) {
        let Ok(d) = o.as_dict() else { continue };
        let is_field_widget = matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Widget")
            && !matches!(d.get(b"FT"), Ok(Object::Name(n)) if n == b"Sig");
        if !is_field_widget {
            continue;
        }
        let Ok(ap) = d.get(b"AP").and_then(|a| doc.dereference(a)).map(|x| x.1) else {
            continue;
        };
        let Ok(ap) = ap.as_dict() else { continue };
        for (_, v) in ap.iter() {
            match v {
                Object::Reference(r) => out.push(*r),
                Object::Dictionary(states) => {
                    out.extend(states.iter().filter_map(|(_, s)| s.as_reference().ok()));
                }
                _ => {}
            }
        }
    }
    out
}

/// Whether `o` is an allowed addition to a page's `/Annots` or the AcroForm's `/Fields`: a
/// signature field or its widget (`/FT /Sig`; with `/P 1` only a document time-stamp's), or
/// with `/P 3` an annotation that is not a widget.
fn allowed_addition(o: &Object, doc: &Document, rules: Rules) -> bool {
    let Some(d) = doc.dereference(o).ok().and_then(|(_, d)| d.as_dict().ok()) else {
        return false;
    };
    let name = |d: &Dictionary, k: &[u8]| match d.get(k) {
        Ok(Object::Name(n)) => n.clone(),
        _ => Vec::new(),
    };
    if name(d, b"FT") == b"Sig" {
        let value_type = d
            .get(b"V")
            .and_then(|v| doc.dereference(v))
            .ok()
            .and_then(|(_, v)| v.as_dict().ok())
            .map(|v| name(v, b"Type"))
            .unwrap_or_default();
        return rules.signatures || value_type == b"DocTimeStamp";
    }
    rules.annotations && name(d, b"Subtype") != b"Widget" && d.get(b"FT").is_err()
}

/// `new` only appends to `old` (arrays of references), and what it appends are allowed
/// additions in `doc`: another kind of field or annotation added after signing is a change of
/// the signed document (form filling is not allowed here).
fn appends(old: &Object, new: &Object, doc: &Document, rules: Rules) -> bool {
    match (old.as_array(), new.as_array()) {
        (Ok(a), Ok(b)) => {
            b.len() >= a.len()
                && b[..a.len()] == a[..]
                && b[a.len()..].iter().all(|o| allowed_addition(o, doc, rules))
        }
        _ => false,
    }
}

/// The keys whose values differ between two dictionaries (added, removed or changed).
fn differing(a: &Dictionary, b: &Dictionary) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for (k, v) in a.iter() {
        if b.get(k).ok() != Some(v) {
            keys.push(k.clone());
        }
    }
    for (k, _) in b.iter() {
        if a.get(k).is_err() {
            keys.push(k.clone());
        }
    }
    keys
}

/// Why the change of object `id` from `a` to `b` is not allowed, if it is not. `arrays` are
/// the ids of the arrays that may grow (a page's `/Annots`, the AcroForm's `/Fields`).
fn disallowed(
    id: ObjectId,
    a: &Object,
    b: &Object,
    arrays: &[ObjectId],
    doc: &Document,
    rules: Rules,
    appearances: &[ObjectId],
) -> Option<String> {
    if arrays.contains(&id) && appends(a, b, doc, rules) {
        return None;
    }
    if matches!(a, Object::Stream(_)) || matches!(b, Object::Stream(_)) {
        if rules.form_fill && appearances.contains(&id) {
            return None;
        }
        return Some(format!("stream {} {} changed (content)", id.0, id.1));
    }
    let (Ok(da), Ok(db)) = (a.as_dict(), b.as_dict()) else {
        return Some(format!("object {} {} changed", id.0, id.1));
    };
    let keys = differing(da, db);
    let is_form_field = || {
        db.get(b"FT")
            .is_ok_and(|ft| !matches!(ft, Object::Name(n) if n == b"Sig"))
            || (matches!(db.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Widget")
                && db.get(b"FT").is_err()
                && db.get(b"Parent").is_ok())
    };
    let allowed: &[&[u8]] = match type_of(db) {
        b"Catalog" => &[b"AcroForm", b"DSS"],
        b"Page" => &[b"Annots"],
        b"DSS" => return None,
        _ if rules.form_fill && is_form_field() => &FORM_FILL_KEYS,
        _ if db.get(b"Fields").is_ok() || db.get(b"SigFlags").is_ok() => {
            if rules.form_fill {
                &[b"Fields", b"SigFlags", b"NeedAppearances"]
            } else {
                &[b"Fields", b"SigFlags"]
            }
        }
        _ => &[],
    };
    let bad: Vec<String> = keys
        .iter()
        .filter(|k| !allowed.contains(&k.as_slice()))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    // A grown /Annots or /Fields inline: only appended to.
    for k in [b"Annots".as_slice(), b"Fields"] {
        if keys.iter().any(|x| x == k)
            && let (Ok(x), Ok(y)) = (da.get(k), db.get(k))
            && !matches!(x, Object::Reference(_))
            && !appends(x, y, doc, rules)
        {
            return Some(format!(
                "object {} {}: /{} not only appended to",
                id.0,
                id.1,
                String::from_utf8_lossy(k)
            ));
        }
    }
    if bad.is_empty() {
        None
    } else {
        let kind = String::from_utf8_lossy(type_of(db)).into_owned();
        Some(format!(
            "object {} {} ({kind}) changed: /{}",
            id.0,
            id.1,
            bad.join(", /")
        ))
    }
}

/// The arrays that may grow in `doc`: each page's `/Annots` and the AcroForm's `/Fields`, when
/// they are objects of their own.
fn growable(doc: &Document) -> Vec<ObjectId> {
    let mut out = Vec::new();
    for page in doc.get_pages().values() {
        if let Ok(Object::Reference(r)) = doc.get_dictionary(*page).and_then(|d| d.get(b"Annots")) {
            out.push(*r);
        }
    }
    if let Ok(cat) = doc.catalog()
        && let Ok(form) = cat.get(b"AcroForm")
        && let Ok((_, form)) = doc.dereference(form)
        && let Ok(form) = form.as_dict()
        && let Ok(Object::Reference(r)) = form.get(b"Fields")
    {
        out.push(*r);
    }
    out
}

/// What the revisions after the one ending at `end` changed that is not allowed (within the
/// certification signature's DocMDP permission `docmdp`, when there is one): one line per
/// change, naming the revision (1 = the file's first).
pub(super) fn after(pdf: &[u8], end: usize, docmdp: Option<i64>) -> Result<Vec<String>, PdfError> {
    let rules = Rules::of(docmdp);
    let ends = revision_ends(pdf);
    if ends.len() > MAX_REVISIONS {
        return Ok(vec![format!(
            "more than {MAX_REVISIONS} revisions: not analysed"
        )]);
    }
    // The signed range ends at a marker, or just past the end-of-line after it.
    let eol_only = |a: usize, b: usize| {
        b >= a && b - a <= 2 && pdf[a..b].iter().all(|c| matches!(c, b'\r' | b'\n'))
    };
    let Some(first) = ends.iter().position(|e| eol_only(*e, end)) else {
        return Ok(vec![format!(
            "the signed range does not end at the end of a revision (byte {end})"
        )]);
    };
    let mut problems = Vec::new();
    let mut prev = super::limits::load(&pdf[..end])?;
    for (i, e) in ends.iter().enumerate().skip(first + 1) {
        let Ok(next) = super::limits::load(&pdf[..*e]) else {
            problems.push(format!("revision {} cannot be read", i + 1));
            break;
        };
        let arrays = growable(&prev);
        let appearances = if rules.form_fill {
            field_appearances(&next)
        } else {
            Vec::new()
        };
        if prev.trailer.get(b"Root").ok() != next.trailer.get(b"Root").ok() {
            problems.push(format!(
                "revision {}: the document catalog was replaced",
                i + 1
            ));
        }
        for (id, a) in &prev.objects {
            match next.objects.get(id) {
                None => problems.push(format!(
                    "revision {}: object {} {} removed",
                    i + 1,
                    id.0,
                    id.1
                )),
                Some(b) if a == b => {}
                Some(b) => {
                    if let Some(why) = disallowed(*id, a, b, &arrays, &next, rules, &appearances) {
                        problems.push(format!("revision {}: {why}", i + 1));
                    }
                }
            }
        }
        prev = next;
    }
    // Bytes after the last %%EOF are not a revision: an appended tail is a change too.
    if ends.last().is_some_and(|l| !eol_only(*l, pdf.len())) {
        problems.push(format!(
            "{} bytes after the last revision",
            pdf.len() - ends.last().copied().unwrap_or(0)
        ));
    }
    Ok(problems)
}
