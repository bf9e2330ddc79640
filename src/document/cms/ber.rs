//! BER's indefinite lengths, as NSS (poppler's signer) writes a CMS: [`extent`] finds where a
//! BER object ends (its end-of-contents octets), [`definite`] re-encodes it with definite
//! lengths only, the rest of its bytes unchanged — what the DER parser then reads. Only the
//! lengths change: what a signature covers (the signed attributes, re-encoded as a SET anyway,
//! and the certificates) is DER inside. Bounded: 64 levels of nesting.

/// Deepest nesting read.
const MAX_DEPTH: usize = 64;

/// A TLV's header: (tag bytes, constructed, length — `None` for indefinite —, header length).
fn header(b: &[u8]) -> Option<(usize, bool, Option<usize>, usize)> {
    let first = *b.first()?;
    let constructed = first & 0x20 != 0;
    let mut i = 1;
    if first & 0x1f == 0x1f {
        // High tag number: base-128 octets, the last without its top bit.
        loop {
            let x = *b.get(i)?;
            i += 1;
            if x & 0x80 == 0 {
                break;
            }
            if i > 6 {
                return None;
            }
        }
    }
    let tag_len = i;
    let l = *b.get(i)?;
    i += 1;
    let len = match l {
        0x80 => None,
        l if l < 0x80 => Some(usize::from(l)),
        l => {
            let n = usize::from(l & 0x7f);
            if n > 4 {
                return None;
            }
            let bytes = b.get(i..i + n)?;
            i += n;
            Some(bytes.iter().fold(0usize, |a, x| (a << 8) | usize::from(*x)))
        }
    };
    Some((tag_len, constructed, len, i))
}

/// How many bytes the BER object at the start of `b` takes.
pub fn extent(b: &[u8]) -> Option<usize> {
    extent_at(b, 0)
}

fn extent_at(b: &[u8], depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (_, constructed, len, head) = header(b)?;
    match len {
        Some(n) => {
            let end = head.checked_add(n)?;
            (end <= b.len()).then_some(end)
        }
        None if constructed => {
            let mut pos = head;
            loop {
                if b.get(pos..pos + 2)? == [0, 0] {
                    return Some(pos + 2);
                }
                pos += extent_at(&b[pos..], depth + 1)?;
            }
        }
        None => None,
    }
}

/// The BER object at the start of `b` with every length definite.
pub fn definite(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    write(b, &mut out, 0)?;
    Some(out)
}

fn push_len(out: &mut Vec<u8>, n: usize) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|x| **x == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Write the object at the start of `b`; the bytes it took.
fn write(b: &[u8], out: &mut Vec<u8>, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (tag_len, constructed, len, head) = header(b)?;
    let tag = &b[..tag_len];
    match len {
        Some(n) if !constructed => {
            let end = head.checked_add(n)?;
            out.extend_from_slice(b.get(..end)?);
            Some(end)
        }
        _ if !constructed => None,
        _ => {
            // Children re-encoded, then this object's header with their total length.
            let mut inner = Vec::new();
            let mut pos = head;
            let end = match len {
                Some(n) => Some(head.checked_add(n)?),
                None => None,
            };
            loop {
                match end {
                    Some(e) if pos == e => break,
                    Some(e) if pos > e => return None,
                    None if b.get(pos..pos + 2)? == [0, 0] => {
                        pos += 2;
                        break;
                    }
                    _ => {}
                }
                pos += write(b.get(pos..)?, &mut inner, depth + 1)?;
            }
            out.extend_from_slice(tag);
            push_len(out, inner.len());
            out.extend_from_slice(&inner);
            Some(pos)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_become_definite_and_the_extent_is_found() {
        // SEQUENCE(indef) { [0](indef) { INTEGER 5 }, OCTET STRING "ab" } EOC, then padding.
        let ber = [
            0x30, 0x80, 0xa0, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x04, 0x02, b'a', b'b', 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(extent(&ber), Some(15));
        let der = definite(&ber).unwrap();
        assert_eq!(
            der,
            [
                0x30, 0x09, 0xa0, 0x03, 0x02, 0x01, 0x05, 0x04, 0x02, b'a', b'b'
            ]
        );
        // Already definite: unchanged.
        assert_eq!(definite(&der).unwrap(), der);
        assert_eq!(extent(&der), Some(der.len()));
        // Truncated, or a primitive with an indefinite length: refused.
        assert_eq!(extent(&ber[..10]), None);
        assert_eq!(definite(&[0x04, 0x80, 0x00, 0x00]), None);
        // Nesting beyond the bound: refused, not a stack overflow.
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 1000)
            .flatten()
            .collect();
        assert_eq!(extent(&deep), None);
    }
}
