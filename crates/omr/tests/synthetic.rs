//! Our own sheets, filled by a simulated student and photographed by a simulated phone under
//! each degradation: every bubble must be read right or flagged for review, never wrong, and no
//! student number may be misread. (The full-size run is `scripts/bench-omr.sh`.)

use omr::layout::{Item, Paper, SheetLayout};
use omr::sheetread::SheetReader;
use omr::synth::{Condition, Tally, photograph, score};

/// The two-page example layout shipped with the crate (A4), and a one-page A3 sheet.
fn layouts() -> Vec<SheetLayout> {
    let example = include_str!("../layouts/example-a4.json");
    let mut a3 = layout();
    a3.paper = Paper::A3;
    a3.id = "hw-synth-a3".into();
    let example = match SheetLayout::from_json(example) {
        Ok(l) => l,
        Err(e) => panic!("example layout: {e}"),
    };
    vec![example, layout(), a3]
}

fn layout() -> SheetLayout {
    let mut items = Vec::new();
    for i in 0..25 {
        items.push(Item::Choice { options: 4, multiple: i % 6 == 5 });
    }
    items.extend((0..5).map(|_| Item::TrueFalse));
    items.push(Item::Numeric { digits: 3 });
    items.push(Item::Subjective { height_mm: 40.0 });
    SheetLayout {
        id: "hw-synth".into(), title: "合成测试".into(), paper: Paper::A4, student_number_digits: 8, items
    }
}

#[test]
fn degraded_phone_photos_are_read_or_flagged_never_wrong() {
    let mut total = Tally::default();
    for (li, layout) in layouts().into_iter().enumerate() {
        let sheet = layout.lay_out().unwrap();
        let reader = SheetReader::new(sheet.clone());
        for (ci, condition) in Condition::EVERY.iter().enumerate() {
            let mut t = Tally::default();
            for k in 0..2 {
                let page = k % sheet.pages.len();
                let photo = photograph(&sheet, page, *condition, (li * 100_000 + ci * 1000 + k) as u64).unwrap();
                match reader.read(&photo.jpeg) {
                    Ok(reading) => {
                        assert_eq!(reading.page, photo.page, "{}: wrong page", condition.name());
                        let s = score(&reading, &photo);
                        for f in &reading.fields {
                            for b in &f.bubbles {
                                let meant = photo.intended.iter().any(|m| m.field == f.field && m.value == b.value);
                                if b.state == omr::MarkState::Ambiguous || (b.state == omr::MarkState::Marked) != meant
                                {
                                    println!(
                                        "  {} {} {:?} d={:.2} meant={meant}",
                                        f.field, b.value, b.state, b.darkness
                                    );
                                }
                            }
                        }
                        t.add(&s);
                    }
                    Err(e) => {
                        println!("{}: seed {k}: {e}", condition.name());
                        t.sheets += 1;
                        t.failed_sheets += 1;
                    }
                }
            }
            println!(
                "{} {:<18} sheets {} failed {} bubbles {:>4} correct {:>4} flagged {} wrong {} | student right {} flagged {} wrong {} | qr {}",
                sheet.layout.id,
                condition.name(),
                t.sheets,
                t.failed_sheets,
                t.bubbles,
                t.correct,
                t.flagged,
                t.wrong,
                t.student_right,
                t.student_flagged,
                t.student_wrong,
                t.qr_read
            );
            total.add(&t);
        }
    }
    println!("total accuracy {:.4}, {} of {} sheets failed", total.accuracy(), total.failed_sheets, total.sheets);
    assert!(total.failed_sheets <= 1, "{} sheets could not be read", total.failed_sheets);
    assert_eq!(total.wrong, 0, "a bubble was read wrong instead of being flagged");
    assert_eq!(total.student_wrong, 0, "a student number was misread");
    assert!(total.accuracy() >= 0.999, "accuracy {:.4}", total.accuracy());
}

#[test]
fn a_sheet_of_another_homework_is_refused() {
    let sheet = layout().lay_out().unwrap();
    let mut other = layout();
    other.id = "hw-other".into();
    let photo = photograph(&other.lay_out().unwrap(), 0, Condition::Clean, 5).unwrap();
    let err = SheetReader::new(sheet).read(&photo.jpeg).unwrap_err();
    assert!(matches!(err, omr::OmrError::WrongSheet { .. }), "{err}");
}

#[test]
fn a_missing_corner_marker_is_reported_by_name() {
    let sheet = layout().lay_out().unwrap();
    let page = &sheet.pages[0];
    let mut img = omr::render::render_page(page, &omr::layout::qr_payload("hw-synth", 1, None), 5.0, &[]).unwrap();
    // Cover the bottom-right marker with paper, as if the photo cut it off.
    let m = page.markers[2];
    for y in ((m.y - 6.0) * 5.0) as usize..((m.y + 6.0) * 5.0) as usize {
        for x in ((m.x - 6.0) * 5.0) as usize..((m.x + 6.0) * 5.0) as usize {
            img.data[y * img.width + x] = 250;
        }
    }
    let err = SheetReader::new(sheet).read_gray(&img).unwrap_err();
    assert!(err.to_string().contains("found 3 of 4") && err.to_string().contains("bottom-right"), "{err}");
}

#[test]
fn a_big_photo_is_downscaled_and_read() {
    let sheet = layout().lay_out().unwrap();
    let page = &sheet.pages[0];
    // 24 px/mm over A4: 5040×7128 ≈ 36 megapixels.
    let img = omr::render::render_page(page, &omr::layout::qr_payload("hw-synth", 1, None), 24.0, &[]).unwrap();
    let png = img.to_png().unwrap();
    drop(img);
    let reading = SheetReader::new(sheet).read(&png).unwrap();
    assert!(reading.qr.is_some());
    assert!(reading.fields.iter().all(|f| f.value == omr::FieldValue::Blank || f.field.starts_with("student")));
}

#[test]
fn an_empty_page_and_a_non_image_fail_with_a_reason() {
    let sheet = layout().lay_out().unwrap();
    let reader = SheetReader::new(sheet);
    let blank = omr::imaging::Gray::new(800, 1100, 245).to_png().unwrap();
    assert!(reader.read(&blank).unwrap_err().to_string().contains("corner markers"));
    assert!(reader.read(b"not an image").unwrap_err().to_string().contains("not an image"));
}
