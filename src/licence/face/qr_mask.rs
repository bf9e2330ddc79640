//! The QR symbol's modules with the best of the eight masks, chosen by the `qrcode` crate's own
//! penalty rules (ISO/IEC 18004 §7.8.3 as that crate scores them, quirks included: a run or a
//! 2×2 block counts only modules of the same kind, data or function pattern) over a byte grid.
//! The crate scores each mask through a boxed closure per window, which was a third of the
//! CPU time of issuing an e-licence; the encoding, error correction, placement and masking are
//! still the crate's. The tests hold the result to `QrCode::with_error_correction_level`.
//!
//! Owns the mask choice; must not import the OFD writer.

use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::types::{Color, EcLevel, QrResult};

const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// A module as the penalty rules see it: bit 0 dark, bit 1 a data module (masked).
fn cell(m: Module) -> u8 {
    match m {
        Module::Empty => 4,
        Module::Unmasked(c) => u8::from(c == Color::Dark),
        Module::Masked(c) => 2 | u8::from(c == Color::Dark),
    }
}

fn dark(c: u8) -> bool {
    c & 5 == 1
}

/// The modules of `data` at error correction `ec`, row by row, dark = `true`, and the width.
pub(super) fn modules(data: &[u8], ec: EcLevel) -> QrResult<(usize, Vec<bool>)> {
    let bits = qrcode::bits::encode_auto(data, ec)?;
    let version = bits.version();
    let raw = bits.into_bytes();
    let (encoded, ec_data) = qrcode::ec::construct_codewords(&raw, version, ec)?;
    let mut canvas = Canvas::new(version, ec);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &ec_data);
    let width = usize::from(version.width().unsigned_abs());
    let mut best: Option<(u16, Canvas)> = None;
    let mut grid = vec![0u8; width * width];
    for mask in MASKS {
        let mut c = canvas.clone();
        c.apply_mask(mask);
        for (y, row) in grid.chunks_exact_mut(width).enumerate() {
            for (x, v) in row.iter_mut().enumerate() {
                *v = cell(c.get(x as i16, y as i16));
            }
        }
        let score = penalty(&grid, width);
        // The first of equal scores wins, as `Iterator::min_by_key` picks it in the crate.
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, c));
        }
    }
    let (_, canvas) = best.expect("eight masks were scored");
    let colors = canvas.into_colors();
    Ok((
        width,
        colors.into_iter().map(|c| c == Color::Dark).collect(),
    ))
}

/// The crate's total penalty (u16 arithmetic as it does it).
fn penalty(g: &[u8], w: usize) -> u16 {
    let at = |x: usize, y: usize| g[y * w + x];
    let adjacent = |horizontal: bool| -> u16 {
        let mut total = 0u16;
        for i in 0..w {
            let (mut last, mut run) = (4u8, 1u16);
            for j in 0..=w {
                let c = if j == w {
                    4
                } else if horizontal {
                    at(j, i)
                } else {
                    at(i, j)
                };
                if c == last {
                    run += 1;
                } else {
                    last = c;
                    if run >= 5 {
                        total = total.wrapping_add(run - 2);
                    }
                    run = 1;
                }
            }
        }
        total
    };
    let mut block = 0u16;
    for i in 0..w - 1 {
        for j in 0..w - 1 {
            let this = at(i, j);
            if this == at(i + 1, j) && this == at(i, j + 1) && this == at(i + 1, j + 1) {
                block = block.wrapping_add(3);
            }
        }
    }
    const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
    let finder = |horizontal: bool| -> u16 {
        let mut total = 0u16;
        let get = |i: usize, k: usize| dark(if horizontal { at(k, i) } else { at(i, k) });
        for i in 0..w {
            for j in 0..w - 6 {
                if (0..7).any(|k| get(i, j + k) != PATTERN[k]) {
                    continue;
                }
                let before = (j.saturating_sub(4)..j).any(|k| get(i, k));
                let after = (j + 7..(j + 11).min(w)).any(|k| get(i, k));
                if !before || !after {
                    total = total.wrapping_add(40);
                }
            }
        }
        total.wrapping_sub(360)
    };
    let dark_count = g.iter().filter(|c| dark(**c)).count();
    let ratio = dark_count * 200 / g.len();
    let balance = ratio.abs_diff(100) as u16;
    adjacent(true)
        .wrapping_add(adjacent(false))
        .wrapping_add(block)
        .wrapping_add(finder(true))
        .wrapping_add(finder(false))
        .wrapping_add(balance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_modules_as_the_crate() {
        let mut texts: Vec<String> = vec!["HELLO".into(), "https://example.test/".into()];
        for i in 0..40u32 {
            // Payloads like the licences' (uppercase URL, base45), of every length class.
            let body: String = (0..(i * 9 + 20))
                .map(|k| {
                    let a = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
                    a[((k * 7 + i * 13) as usize) % a.len()] as char
                })
                .collect();
            texts.push(format!("HTTP://YX.EXAMPLE/V/{body}"));
        }
        for t in &texts {
            let theirs =
                qrcode::QrCode::with_error_correction_level(t.as_bytes(), EcLevel::M).unwrap();
            let (w, ours) = modules(t.as_bytes(), EcLevel::M).unwrap();
            assert_eq!(w, theirs.width(), "{t}");
            let theirs: Vec<bool> = theirs
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect();
            assert!(ours == theirs, "different modules for {t}");
        }
    }
}
