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
/// its columns (each `w` modules, 1 = dark). Branch-free counting: the modules are random, so
/// a branch per module is mispredicted half the time.
fn penalty(rows: &[u8], columns: &[u8], w: usize) -> u16 {
    let mut total = 0u16;
    for lines in [rows, columns] {
        for line in lines.chunks_exact(w) {
            total = total.wrapping_add(runs(line)).wrapping_add(finders(line));
        }
        // Each direction's count less the three real finder patterns' 360.
        total = total.wrapping_sub(360);
    }
    let mut blocks = 0u16;
    for (a, b) in rows.chunks_exact(w).zip(rows.chunks_exact(w).skip(1)) {
        for j in 0..w - 1 {
            let c = a[j];
            blocks += u16::from((c == a[j + 1]) & (c == b[j]) & (c == b[j + 1]));
        }
    }
    total = total.wrapping_add(blocks.wrapping_mul(3));
    let dark: usize = rows.iter().map(|c| usize::from(*c)).sum();
    let ratio = dark * 200 / rows.len();
    total.wrapping_add(ratio.abs_diff(100) as u16)
}

/// Runs of five or more modules of one colour, 3 + (length − 5) each: 3 when a run reaches
/// five modules, 1 for every module after that.
fn runs(line: &[u8]) -> u16 {
    let (mut total, mut run) = (0u16, 1u16);
    for k in 1..line.len() {
        run = run * u16::from(line[k] == line[k - 1]) + 1;
        total = total
            .wrapping_add(3 * u16::from(run == 5))
            .wrapping_add(u16::from(run > 5));
    }
    total
}

/// `#.###.#` with four light modules (or the edge) on at least one side, 40 each: a rolling
/// window of 15 modules, the line padded with four light ones at each end.
fn finders(line: &[u8]) -> u16 {
    const PATTERN: u32 = 0b101_1101;
    let mut total = 0u16;
    let mut window = 0u32;
    let padded = line.iter().copied().chain([0u8; 4]);
    for (k, m) in padded.enumerate() {
        window = ((window << 1) | u32::from(m)) & 0x7fff;
        // The window holds modules k − 14 ..= k: four before a candidate pattern starting at
        // j = k − 10, the pattern, four after. Candidates are 0 ≤ j ≤ w − 7, k ≤ w + 3.
        if k >= 10 {
            let middle = (window >> 4) & 0x7f;
            let light_before = window >> 11 == 0;
            let light_after = window & 0xf == 0;
            let hit = (middle == PATTERN) & (light_before | light_after);
            total = total.wrapping_add(40 * u16::from(hit));
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
