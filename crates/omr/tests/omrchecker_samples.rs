//! Reads OMRChecker's sample sheets (real photos and scans in ../shared/data) against their
//! `template.json` and compares every field with the readings in `expected_results.csv`.

use std::path::{Path, PathBuf};

use omr::{Template, TemplateReader};

fn data_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/omr-omrchecker-samples");
    d.is_dir().then_some(d)
}

/// (images folder, template folder) for every sample set with expected readings.
const SETS: &[(&str, &str)] = &[
    ("answer-key/using-csv", "answer-key/using-csv"),
    ("answer-key/weighted-answers/images", "answer-key/weighted-answers"),
    ("sample1/MobileCamera", "sample1"),
    ("sample2/AdrianSample", "sample2"),
    ("sample3/colored-thick-sheet", "sample3/colored-thick-sheet"),
    ("sample3/xeroxed-thin-sheet", "sample3/xeroxed-thin-sheet"),
    ("sample4", "sample4"),
    ("sample5/ScanBatch1", "sample5"),
    ("sample5/ScanBatch2", "sample5"),
    ("sample6", "sample6"),
    ("sample6/doc-scans", "sample6"),
];

#[test]
fn omrchecker_samples_match_expected_readings() {
    let Some(root) = data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let (mut fields, mut wrong, mut review) = (0, 0, 0);
    for (images, tdir) in SETS {
        let tdir = root.join(tdir);
        let template = Template::parse(&std::fs::read_to_string(tdir.join("template.json")).unwrap()).unwrap();
        let marker = template.marker_path().map(|p| std::fs::read(tdir.join(p)).unwrap());
        let reader = TemplateReader::new(template, marker.as_deref()).unwrap();
        let mut rdr = csv::Reader::from_path(root.join(images).join("expected_results.csv")).unwrap();
        let headers = rdr.headers().unwrap().clone();
        for row in rdr.records() {
            let row = row.unwrap();
            let file = &row[0];
            let bytes = std::fs::read(root.join(images).join(file)).unwrap();
            let reading = reader.read(&bytes).unwrap_or_else(|e| panic!("{images}/{file}: {e}"));
            for (i, col) in headers.iter().enumerate().skip(4) {
                let got = reading.cells.iter().find(|(c, _)| c == col).map(|(_, v)| v.as_str()).unwrap_or("<missing>");
                fields += 1;
                if got != &row[i] {
                    if got.contains('?') {
                        review += 1;
                    } else {
                        wrong += 1;
                    }
                    let f = reading
                        .fields
                        .iter()
                        .filter(|f| f.field == col || f.field.starts_with(&format!("{col}_")) || (col == "Roll"))
                        .take(12);
                    let dbg: Vec<String> = f
                        .map(|f| {
                            format!(
                                "{}:{:?}",
                                f.field,
                                f.bubbles.iter().map(|b| format!("{}={:.2}", b.value, b.darkness)).collect::<Vec<_>>()
                            )
                        })
                        .collect();
                    println!(
                        "{images}/{file} {col}: expected {:?}, read {got:?} {:?}",
                        &row[i],
                        if col.starts_with('q') { dbg } else { vec![] }
                    );
                }
            }
            println!("{images}/{file}: levels {:?}", reading.levels);
            if std::env::var("OMR_DEBUG").is_ok_and(|v| file.contains(&v)) {
                let mut img = omr::imaging::decode(&bytes, omr::imaging::WORK_LONG_SIDE).unwrap();
                for f in &reader.template.fields {
                    for b in &f.bubbles {
                        for t in 0..40 {
                            let u = t as f64 / 40.0;
                            for p in [
                                (b.x + u * b.w, b.y),
                                (b.x + u * b.w, b.y + b.h),
                                (b.x, b.y + u * b.h),
                                (b.x + b.w, b.y + u * b.h),
                            ] {
                                let q = reading.page_to_image.apply(omr::geometry::Point::new(p.0, p.1));
                                if q.x >= 0.0 && q.y >= 0.0 && (q.x as usize) < img.width && (q.y as usize) < img.height
                                {
                                    let w = img.width;
                                    img.data[q.y as usize * w + q.x as usize] = 0;
                                }
                            }
                        }
                    }
                }
                std::fs::write(format!("/tmp/omr_debug_{file}.png"), img.to_png().unwrap()).unwrap();
                for f in &reading.fields {
                    let b: Vec<String> = f.bubbles.iter().map(|b| format!("{}={:.2}", b.value, b.darkness)).collect();
                    println!("  {} {:?} {}", f.field, f.value, b.join(" "));
                }
            }
        }
    }
    println!("{fields} fields, {wrong} wrong, {review} sent to review");
    assert_eq!((wrong, review), (0, 0));
}
