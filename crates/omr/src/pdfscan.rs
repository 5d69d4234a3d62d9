//! Taking the page images out of a PDF from a document scanner. Scanners store each page as one
//! JPEG (a `DCTDecode` image stream), so the JPEG bytes are cut out directly, in file order,
//! without a PDF renderer. PDFs whose pages are not JPEG images are refused with a clear reason.

use crate::OmrError;

/// The JPEG images of a scanned PDF, in the order they appear in the file.
pub fn scanned_pages(pdf: &[u8]) -> Result<Vec<Vec<u8>>, OmrError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(OmrError::Pdf { reason: "not a PDF file".into() });
    }
    let mut pages = Vec::new();
    let mut from = 0;
    while let Some(at) = find(pdf, b"stream", from) {
        from = at + 6;
        // `endstream` also contains `stream`.
        if at >= 3 && &pdf[at - 3..at] == b"end" {
            continue;
        }
        let Some(dict_start) = rfind(&pdf[..at], b"<<") else { continue };
        let dict = &pdf[dict_start..at];
        if find(dict, b"/DCTDecode", 0).is_none() || find(dict, b"/Image", 0).is_none() {
            continue;
        }
        let mut start = at + 6;
        if pdf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if pdf.get(start) == Some(&b'\n') {
            start += 1;
        }
        let end = match direct_length(dict) {
            Some(len) if start + len <= pdf.len() => start + len,
            _ => match find(pdf, b"endstream", start) {
                Some(e) => e,
                None => break,
            },
        };
        let mut data = &pdf[start..end];
        while let [rest @ .., b'\r' | b'\n'] = data {
            data = rest;
        }
        if data.starts_with(&[0xFF, 0xD8]) {
            pages.push(data.to_vec());
        }
        from = end;
    }
    if pages.is_empty() {
        return Err(OmrError::Pdf {
            reason: "no JPEG page images found; scan to JPEG-in-PDF, or export the pages as JPEG or PNG".into(),
        });
    }
    Ok(pages)
}

fn direct_length(dict: &[u8]) -> Option<usize> {
    let at = find(dict, b"/Length", 0)?;
    let rest = &dict[at + 7..];
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let digits: Vec<u8> = rest.iter().copied().take_while(u8::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    // `/Length 12 0 R` is an indirect reference, not a length.
    if after.starts_with(b" 0 R") {
        return None;
    }
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_pages_are_cut_out_in_order() {
        let jpeg_a = [0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9];
        let jpeg_b = [0xFF, 0xD8, 9, 9, 0xFF, 0xD9];
        let mut pdf =
            b"%PDF-1.4\n1 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length 7 >>\nstream\n".to_vec();
        pdf.extend_from_slice(&jpeg_a);
        pdf.extend_from_slice(
            b"\nendstream\nendobj\n2 0 obj\n<< /Subtype /Image /Filter /DCTDecode /Length 9 0 R >>\nstream\r\n",
        );
        pdf.extend_from_slice(&jpeg_b);
        pdf.extend_from_slice(b"\r\nendstream\nendobj\n%%EOF");
        let pages = scanned_pages(&pdf).unwrap();
        assert_eq!(pages, vec![jpeg_a.to_vec(), jpeg_b.to_vec()]);
    }

    #[test]
    fn other_files_are_refused() {
        assert!(scanned_pages(b"hello").unwrap_err().to_string().contains("not a PDF"));
        assert!(scanned_pages(b"%PDF-1.7\n<< /Type /Page >>\n%%EOF").unwrap_err().to_string().contains("no JPEG"));
    }
}
