//! Placing a stamp: [`Placement`] (a position or a keyword), the page geometry
//! (`PhysicalBox`, bounds checks), the keyword search in the pages' text, and the
//! `StampAnnot` element of a seal's `Signature.xml`.
//!
//! Owns where a stamp goes; must not import the zip writer, the signature assembly or the
//! signing of values.

use super::document::advance;
use super::{OfdWriteError, part_err};
use crate::document::xml::{Element, esc, num, read_exact};
use crate::seal::format::Seal;
use crate::seal::service::SealRecord;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Where the stamp goes.
#[derive(Clone, Debug)]
pub enum Placement {
    /// On page `page` (0-based), the stamp's top-left corner at `(x_mm, y_mm)`.
    At {
        /// Page index, 0-based.
        page: usize,
        /// Left (mm).
        x_mm: f64,
        /// Top (mm).
        y_mm: f64,
    },
    /// Centred on the first text (a `TextCode`, pages in order) that contains this keyword.
    Keyword(String),
}

/// A page of the document: its object ID and content path.
pub(super) struct PageRef {
    pub(super) id: String,
    pub(super) content: Option<String>,
}

/// The files of the package being signed: the package's own bytes borrowed, new and
/// changed files owned (no copy of the document is made).
pub(super) type Files<'a> = BTreeMap<String, Cow<'a, [u8]>>;

/// A page box (`PhysicalBox`): left, top, width, height in mm.
#[derive(Clone, Copy, Debug)]
pub(super) struct PageBox {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl PageBox {
    /// `x y w h`, all finite, with a positive width and height.
    fn parse(text: &str) -> Option<PageBox> {
        match numbers(text)[..] {
            [x, y, w, h] if [x, y, w, h].iter().all(|v| v.is_finite()) && w > 0.0 && h > 0.0 => {
                Some(PageBox { x, y, w, h })
            }
            _ => None,
        }
    }

    /// The box of an `Area` element's `PhysicalBox`, if it has a usable one.
    pub(super) fn of_area(area: Option<&Element>) -> Option<PageBox> {
        area.and_then(|a| a.child_text("PhysicalBox"))
            .and_then(|t| PageBox::parse(&t))
    }
}

/// The size of page `page`: its own `Area/PhysicalBox`, else the document's default
/// (`CommonData/PageArea/PhysicalBox`); a placement error when neither gives one.
fn page_box(
    files: &Files<'_>,
    pages: &[PageRef],
    page: usize,
    default: Option<PageBox>,
) -> Result<PageBox, OfdWriteError> {
    let own = match pages.get(page).and_then(|p| p.content.as_ref()) {
        Some(path) => match files.get(path) {
            Some(bytes) => PageBox::of_area(read_exact(path, bytes)?.0.root.child("Area")),
            None => None,
        },
        None => None,
    };
    own.or(default).ok_or_else(|| {
        OfdWriteError::Placement(format!(
            "the size of page {} is unknown (no PhysicalBox in the page nor in the document's \
             PageArea), so a stamp cannot be placed on it",
            page + 1
        ))
    })
}

/// Check that a stamp `size` mm long at `pos` lies within `[lo, lo + extent]` along one axis.
fn within_page(
    field: &'static str,
    pos: f64,
    size: f64,
    lo: f64,
    extent: f64,
    page: usize,
    b: PageBox,
) -> Result<(), OfdWriteError> {
    if !pos.is_finite() {
        return Err(OfdWriteError::Position {
            field,
            reason: "is not a finite number".into(),
        });
    }
    let hi = lo + extent - size;
    // 1e308 as written, not as 309 digits.
    let shown = |v: f64| {
        if v.abs() < 1e6 {
            num(v)
        } else {
            format!("{v:e}")
        }
    };
    if pos < lo || pos > hi {
        let (side, dim) = if field == "x" {
            ("wide", "left edge")
        } else {
            ("high", "top edge")
        };
        return Err(OfdWriteError::Position {
            field,
            reason: format!(
                "= {} mm puts the {} mm {side} stamp (partly) off page {} ({} × {} mm): the \
                 stamp's {dim} must be from {} to {} mm",
                shown(pos),
                num(size),
                page + 1,
                num(b.w),
                num(b.h),
                num(lo),
                num(hi)
            ),
        });
    }
    Ok(())
}

fn numbers(s: &str) -> Vec<f64> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse::<f64>().ok())
        .collect()
}

/// Find the keyword: (page index, centre x, centre y).
fn find_keyword(
    files: &Files<'_>,
    pages: &[PageRef],
    keyword: &str,
) -> Result<(usize, f64, f64), OfdWriteError> {
    if keyword.is_empty() {
        return Err(OfdWriteError::Placement("an empty keyword".into()));
    }
    for (pi, page) in pages.iter().enumerate() {
        let Some(path) = &page.content else { continue };
        let Some(bytes) = files.get(path) else {
            continue;
        };
        let root = read_exact(path, bytes)?.0.root;
        let mut objects = Vec::new();
        root.descendants("TextObject", &mut objects);
        for obj in objects {
            let b = numbers(obj.attr("Boundary").unwrap_or_default());
            let (bx, by) = (
                b.first().copied().unwrap_or(0.0),
                b.get(1).copied().unwrap_or(0.0),
            );
            let size = obj
                .attr("Size")
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s > 0.0)
                .unwrap_or(3.5);
            for code in obj.children_named("TextCode") {
                let Some(pos) = code.text.find(keyword) else {
                    continue;
                };
                let x = code
                    .attr("X")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(0.0);
                let y = code
                    .attr("Y")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(size);
                let deltas = numbers(code.attr("DeltaX").unwrap_or_default());
                let explicit =
                    !deltas.is_empty() && !code.attr("DeltaX").unwrap_or_default().contains('g');
                let adv = |i: usize, c: char| {
                    if explicit {
                        deltas.get(i).copied().unwrap_or_else(|| advance(c, size))
                    } else {
                        advance(c, size)
                    }
                };
                let before = code.text[..pos].chars().count();
                let mut start = 0.0;
                let mut width = 0.0;
                for (i, c) in code.text.chars().enumerate() {
                    if i < before {
                        start += adv(i, c);
                    } else if i < before + keyword.chars().count() {
                        width += advance(c, size);
                    }
                }
                return Ok((pi, bx + x + start + width / 2.0, by + y - size * 0.35));
            }
        }
    }
    Err(OfdWriteError::Placement(format!(
        "the keyword {keyword:?} is not in the text of any page"
    )))
}

/// The `StampAnnot` and `Seal` elements of a seal's Signature.xml: the stamp's size from the
/// seal picture, its place from `placement`, bounded to the page: an explicit position must put
/// the whole stamp on the page (else [`OfdWriteError::Position`] naming `x` or `y`); a stamp
/// centred on a keyword is moved onto the page when the keyword is near an edge.
pub(super) fn stamp_annot(
    files: &Files<'_>,
    pages: &[PageRef],
    doc_path: &str,
    default_box: Option<PageBox>,
    seal: &SealRecord,
    placement: &Placement,
) -> Result<String, OfdWriteError> {
    let parsed_seal = Seal::from_der(&seal.der)?;
    let (w, h) = (
        parsed_seal.picture.width_mm as f64,
        parsed_seal.picture.height_mm as f64,
    );
    if !(w > 0.0 && h > 0.0) {
        return Err(OfdWriteError::Placement(format!(
            "the seal picture is {w}×{h} mm"
        )));
    }
    let (page_index, keyword_centre) = match &placement {
        Placement::At { page, .. } => (*page, None),
        Placement::Keyword(k) => {
            let (p, cx, cy) = find_keyword(files, pages, k)?;
            (p, Some((cx, cy)))
        }
    };
    let page = pages.get(page_index).ok_or_else(|| {
        OfdWriteError::Placement(format!(
            "page {} does not exist (the document has {} pages)",
            page_index.saturating_add(1),
            pages.len()
        ))
    })?;
    if page.id.trim().is_empty() {
        return Err(part_err(doc_path, format!("page {page_index} has no ID")));
    }
    let b = page_box(files, pages, page_index, default_box)?;
    if w > b.w || h > b.h {
        return Err(OfdWriteError::Placement(format!(
            "the stamp ({} × {} mm) is larger than page {} ({} × {} mm)",
            num(w),
            num(h),
            page_index + 1,
            num(b.w),
            num(b.h)
        )));
    }
    let (x, y) = match (&placement, keyword_centre) {
        (Placement::At { x_mm, y_mm, .. }, _) => {
            within_page("x", *x_mm, w, b.x, b.w, page_index, b)?;
            within_page("y", *y_mm, h, b.y, b.h, page_index, b)?;
            (*x_mm, *y_mm)
        }
        (Placement::Keyword(_), None) => {
            return Err(OfdWriteError::Placement("the keyword was not found".into()));
        }
        (Placement::Keyword(_), Some((cx, cy))) => {
            if !(cx.is_finite() && cy.is_finite()) {
                return Err(OfdWriteError::Position {
                    field: "keyword",
                    reason: "is at a position that is not a finite number".into(),
                });
            }
            // Centred on the keyword, moved onto the page if it would stick out.
            (
                (cx - w / 2.0).clamp(b.x, b.x + b.w - w),
                (cy - h / 2.0).clamp(b.y, b.y + b.h - h),
            )
        }
    };
    Ok(format!(
        "<ofd:StampAnnot ID=\"1\" PageRef=\"{}\" Boundary=\"{} {} {} {}\"/>",
        esc(page.id.trim()),
        num(x),
        num(y),
        num(w),
        num(h),
    ))
}
