//! A PDF whose pages are grey JPEG images, the way a document scanner writes its scans: what
//! [`crate::pdfscan::scanned_pages`] reads back. Used to hand a newcomer "scanned" filled sheets
//! without a scanner, and by tests of the multi-page upload path.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect as PdfRect, Ref};

use crate::OmrError;
use crate::imaging::Gray;

const PT_PER_MM: f64 = 72.0 / 25.4;

/// One PDF page per image, each page `width_mm` × `height_mm` (A4 is 210 × 297) with the image
/// filling it, encoded as JPEG at `quality`.
pub fn images_pdf(pages: &[Gray], width_mm: f64, height_mm: f64, quality: u8) -> Result<Vec<u8>, OmrError> {
    if pages.is_empty() {
        return Err(OmrError::Pdf { reason: "no pages to write".into() });
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let (w, h) = ((width_mm * PT_PER_MM) as f32, (height_mm * PT_PER_MM) as f32);
    let mut ids = Vec::new();
    let mut next = 3;
    for img in pages {
        let (page_id, content_id, image_id) = (Ref::new(next), Ref::new(next + 1), Ref::new(next + 2));
        next += 3;
        ids.push(page_id);
        let jpeg = img.to_jpeg(quality)?;
        let mut page = pdf.page(page_id);
        page.media_box(PdfRect::new(0.0, 0.0, w, h));
        page.parent(tree);
        page.contents(content_id);
        page.resources().x_objects().pair(Name(b"Im0"), image_id);
        page.finish();
        let mut content = Content::new();
        content.save_state();
        content.transform([w, 0.0, 0.0, h, 0.0, 0.0]);
        content.x_object(Name(b"Im0"));
        content.restore_state();
        pdf.stream(content_id, &content.finish());
        let mut image = pdf.image_xobject(image_id, &jpeg);
        image.filter(Filter::DctDecode);
        image.width(img.width as i32);
        image.height(img.height as i32);
        image.color_space().device_gray();
        image.bits_per_component(8);
        image.finish();
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(ids.iter().copied()).count(ids.len() as i32);
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_come_back_in_order() {
        let a = Gray::new(40, 60, 200);
        let b = Gray::new(30, 50, 20);
        let pdf = images_pdf(&[a, b], 210.0, 297.0, 90).unwrap();
        let pages = crate::pdfscan::scanned_pages(&pdf).unwrap();
        assert_eq!(pages.len(), 2);
        let first = crate::imaging::decode(&pages[0], 4000).unwrap();
        let second = crate::imaging::decode(&pages[1], 4000).unwrap();
        assert_eq!((first.width, first.height), (40, 60));
        assert_eq!((second.width, second.height), (30, 50));
        assert!(images_pdf(&[], 210.0, 297.0, 90).is_err());
    }
}
