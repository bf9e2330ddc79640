//! The QR symbol's modules with the best of the eight masks, chosen by the `qrcode` crate's own
//! penalty rules (ISO/IEC 18004 §7.8.3 as that crate scores them, its finder-pattern variant
//! included) over rows and columns of bytes.
//! The crate scores each mask through a boxed closure per window, which was a third of the
//! CPU time of issuing an e-licence; the encoding, error correction, placement and masking are
//! still the crate's. The tests hold the result to `QrCode::with_error_correction_level`.
//!
//! Owns the mask choice; must not import the OFD writer.

use qrcode::canvas::{Canvas, MaskPattern};
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
    let mut best: Option<(u16, Vec<u8>)> = None;
    let mut columns = vec![0u8; width * width];
    for mask in MASKS {
        let mut c = canvas.clone();
        // Every module is `Masked` afterwards (function patterns and format information
        // too), so the crate's comparisons of modules are comparisons of colours.
        c.apply_mask(mask);
        let rows: Vec<u8> = c
            .into_colors()
            .into_iter()
            .map(|c| u8::from(c == Color::Dark))
            .collect();
        for (y, row) in rows.chunks_exact(width).enumerate() {
            for (x, v) in row.iter().enumerate() {
                columns[x * width + y] = *v;
            }
        }
        let score = penalty(&rows, &columns, width);
        // The first of equal scores wins, as `Iterator::min_by_key` picks it in the crate.
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, rows));
        }
    }
    let (_, rows) = best.expect("eight masks were scored");
    Ok((width, rows.into_iter().map(|d| d == 1).collect()))
}

/// The crate's total penalty (u16 arithmetic as it does it) of a symbol given as its rows and
/// its columns (each `w` modules, 1 = dark).
fn penalty(rows: &[u8], columns: &[u8], w: usize) -> u16 {
    let mut total = 0u16;
    for lines in [rows, columns] {
        for line in lines.chunks_exact(w) {
            total = total
                .wrapping_add(runs(line))
                .wrapping_add(finders(line));
        }
        // Each direction's count less the three real finder patterns' 360.
        total = total.wrapping_sub(360);
    }
    for pair in rows.chunks_exact(w).collect::<Vec<_>>().windows(2) {
        let (a, b) = (pair[0], pair[1]);
        for j in 0..w - 1 {
            let c = a[j];
            if c == a[j + 1] && c == b[j] && c == b[j + 1] {
                total = total.wrapping_add(3);
            }
        }
    }
    let dark = rows.iter().filter(|c| **c == 1).count();
    let ratio = dark * 200 / rows.len();
    total.wrapping_add(ratio.abs_diff(100) as u16)
}

/// Runs of five or more modules of one colour: 3 + (length − 5) each.
fn runs(line: &[u8]) -> u16 {
    let mut total = 0u16;
    let mut run = 1u16;
    for k in 1..=line.len() {
        if k < line.len() && line[k] == line[k - 1] {
            run += 1;
        } else {
            if run >= 5 {
                total = total.wrapping_add(run - 2);
            }
            run = 1;
        }
    }
    total
}

/// `#.###.#` with four light modules (or the edge) on at least one side: 40 each.
fn finders(line: &[u8]) -> u16 {
    const PATTERN: [u8; 7] = [1, 0, 1, 1, 1, 0, 1];
    let w = line.len();
    let mut total = 0u16;
    for j in 0..w.saturating_sub(6) {
        if line[j..j + 7] != PATTERN {
            continue;
        }
        let before = line[j.saturating_sub(4)..j].contains(&1);
        let after = line[j + 7..(j + 11).min(w)].contains(&1);
        if !before || !after {
            total = total.wrapping_add(40);
        }
    }
    total
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
