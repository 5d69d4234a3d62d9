use std::io::{Cursor, Read, Write};

use domain::items::{AnswerKey, Choice, Item, ItemType};

use super::*;
use crate::items::jsonl::tests::sample_items;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n fake image bytes";

fn assets() -> Vec<(String, Vec<u8>)> {
    vec![("images/set.png".into(), PNG.to_vec()), ("docs/说明 1.txt".into(), "未被引用".as_bytes().to_vec())]
}

/// Items beyond the JSON Lines samples: odd choice labels, an empty id, an image in a choice.
fn more_items() -> Vec<Item> {
    let base = sample_items().remove(0);
    vec![
        Item {
            id: String::new(),
            choices: vec![
                Choice { label: "1".into(), content: "![](images/set.png)".into() },
                Choice { label: "true".into(), content: "甲".into() },
                Choice { label: "zj-label-x".into(), content: "乙".into() },
            ],
            answer: AnswerKey::Choices(vec!["true".into()]),
            ..base.clone()
        },
        Item {
            id: "有中文的 id".into(),
            item_type: ItemType::TrueFalse,
            choices: vec![],
            answer: AnswerKey::TrueFalse(false),
            analysis: "Tab\tand  spaces  kept\n".into(),
            ..base
        },
    ]
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().to_owned(), content)
        })
        .collect()
}

fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn round_trips_every_item_type_with_chinese_latex_and_images() {
    let mut items = sample_items();
    items.extend(more_items());
    let package = write_package(&items, &assets()).unwrap();
    let read = read_package("export.zip", &package).unwrap();
    let read_items: Vec<Item> = read.items.iter().map(|i| i.item.clone()).collect();
    for (got, want) in read_items.iter().zip(&items) {
        assert_eq!(got, want);
    }
    assert_eq!(read_items.len(), items.len());
    let mut want_assets = assets();
    want_assets.sort();
    assert_eq!(read.assets, want_assets);
    assert_eq!(read.items[0].file, "items/item-1.xml");
    assert_eq!(read.items[5].file, "items/item-6.xml", "an id that is not an XML name gets a generated identifier");

    // Writing what was read gives the same bytes (assets come back sorted by path), and writing is a
    // pure function of its input.
    let mut sorted = assets();
    sorted.sort();
    assert_eq!(write_package(&read_items, &read.assets).unwrap(), write_package(&items, &sorted).unwrap());
    assert_eq!(write_package(&items, &assets()).unwrap(), package);
}

#[test]
fn written_package_is_qti_3() {
    let items = sample_items();
    let files = unzip(&write_package(&items, &assets()).unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "imsmanifest.xml",
            "items/item-1.xml",
            "items/item-2.xml",
            "items/item-3.xml",
            "items/item-4.xml",
            "items/item-5.xml",
            "images/set.png",
            "docs/说明 1.txt"
        ]
    );
    let manifest = String::from_utf8(files[0].1.clone()).unwrap();
    assert!(
        manifest.contains(r#"<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1""#),
        "{manifest}"
    );
    assert!(manifest.contains(r#"<resource identifier="item-1" type="imsqti_item_xmlv3p0" href="items/item-1.xml">"#));
    assert!(manifest.contains(r#"<file href="images/set.png"/>"#));
    assert!(
        manifest.contains(r#"<file href="docs/%E8%AF%B4%E6%98%8E%201.txt"/>"#),
        "unreferenced assets are listed too"
    );
    assert!(manifest.contains("<imsmd:value>easy</imsmd:value>"));
    assert!(manifest.contains("<imsmd:duration>PT90S</imsmd:duration>"));

    let single = String::from_utf8(files[1].1.clone()).unwrap();
    assert!(single.contains(r#"<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0""#));
    assert!(single.contains(r#"<span class="zhijiao-math">$A=\{x \mid x^{2}&lt;4\}$</span>"#), "{single}");
    assert!(single.contains(r#"<img src="../images/set.png" alt="图1"/>"#));
    assert!(
        single.contains(
            r#"<qti-simple-choice identifier="C"><span class="zhijiao-text">&lt;空集&gt; &amp; "引号"</span>"#
        )
    );
    assert!(single.contains(r#"max-choices="1""#) && single.contains("match_correct.xml"));
    assert!(single.contains("<qti-value>5</qti-value>"), "points are MAXSCORE");

    let fill = String::from_utf8(files[4].1.clone()).unwrap();
    assert!(fill.contains(r#"<qti-map-entry map-key="0.55" mapped-value="1" case-sensitive="true"/>"#), "{fill}");
    assert!(fill.contains(r#"<qti-text-entry-interaction response-identifier="RESPONSE_2"/>"#));
    assert!(fill.contains(r#"<qti-map-response identifier="RESPONSE_2"/>"#));
    let essay = String::from_utf8(files[5].1.clone()).unwrap();
    assert!(essay.contains("<qti-extended-text-interaction"));
    assert!(essay.contains("&#13;<br/>"), "a carriage return survives XML's line-end normalisation");
}

#[test]
fn refuses_to_write_what_cannot_be_read_back() {
    let mut items = sample_items();
    let err = write_package(&items, &[]).unwrap_err();
    assert_eq!(err.to_string(), "item item-1: shows the image `images/set.png`, which is not among the assets");
    items[1].stem.push('\u{1}');
    let err = write_package(&items[1..2], &[]).unwrap_err();
    assert_eq!(err.to_string(), "item item-2: contains the control character U+0001, which XML cannot carry");
    items[2].answer = AnswerKey::Choices(vec![]);
    let err = write_package(&items[2..3], &[]).unwrap_err();
    assert!(err.to_string().starts_with("item item-3: cannot be exported: a true/false item cannot have"), "{err}");
    let err = write_package(&[], &[("../x.png".into(), vec![])]).unwrap_err();
    assert!(err.to_string().starts_with("../x.png: an asset path must be"), "{err}");
}

/// A package in the style of other QTI 3 tools: items in folders, ChoiceA-style identifiers,
/// feedback, MathML, a mapped text entry.
const FOREIGN_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M1" xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
    xmlns:imsmd="http://ltsc.ieee.org/xsd/LOM">
  <resources>
    <resource identifier="tf" type="imsqti_item_xmlv3p0" href="tf/TF.xml">
      <metadata><imsmd:lom><imsmd:educational><imsmd:difficulty><imsmd:source>LOMv1.0</imsmd:source>
        <imsmd:value>difficult</imsmd:value></imsmd:difficulty></imsmd:educational></imsmd:lom></metadata>
      <file href="tf/TF.xml"/>
    </resource>
    <resource identifier="fib" type="imsqti_item_xmlv3p0" href="fib/text%20entry.xml">
      <file href="fib/text%20entry.xml"/>
      <dependency identifierref="media"/>
    </resource>
    <resource identifier="mc" type="imsqti_item_xmlv3p0" href="mc.xml"><file href="mc.xml"/></resource>
    <resource identifier="essay" type="imsqti_item_xmlv3p0" href="essay.xml"><file href="essay.xml"/></resource>
    <resource identifier="media" type="webcontent"><file href="fib/images/poem.png"/></resource>
    <resource identifier="test" type="imsqti_test_xmlv3p0" href="test.xml"><file href="test.xml"/></resource>
  </resources>
</manifest>"#;

const FOREIGN_TF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="TF-choice" title="TF" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>ChoiceB</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <div>
      An   octahedron has 12 faces.
    </div>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="ChoiceA">True
        <qti-feedback-inline outcome-identifier="FEEDBACK" identifier="ChoiceA">No, 8.</qti-feedback-inline>
      </qti-simple-choice>
      <qti-simple-choice identifier="ChoiceB">False</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
</qti-assessment-item>"#;

const FOREIGN_FIB: &str = r#"<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="lycidas" title="FIB" time-dependent="false">
  <qti-response-declaration identifier="R1" cardinality="single" base-type="string">
    <qti-correct-response><qti-value>fresh woods</qti-value></qti-correct-response>
    <qti-mapping default-value="0">
      <qti-map-entry map-key="fresh woods" mapped-value="1"/>
      <qti-map-entry map-key="fresh fields" mapped-value="0.5"/>
      <qti-map-entry map-key="stale woods" mapped-value="0"/>
    </qti-mapping>
  </qti-response-declaration>
  <qti-response-declaration identifier="R2" cardinality="single" base-type="string">
    <qti-correct-response><qti-value>pastures new</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="MAXSCORE" cardinality="single" base-type="float">
    <qti-default-value><qti-value>2</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-item-body>
    <p>Complete this excerpt from "Lycidas": <img src="images/poem.png" alt="poem"/></p>
    <blockquote><p>To-morrow to <qti-text-entry-interaction response-identifier="R1"/>, and
      <qti-text-entry-interaction response-identifier="R2"/>.</p></blockquote>
  </qti-item-body>
</qti-assessment-item>"#;

const FOREIGN_MC: &str = r#"<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
  xmlns:m="http://www.w3.org/1998/Math/MathML" identifier="poly" title="MC" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="identifier">
    <qti-correct-response><qti-value>c2</qti-value><qti-value>c3</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="0">
      <qti-prompt>Which are roots of
        <m:math><m:semantics><m:mrow><m:msup><m:mi>x</m:mi><m:mn>2</m:mn></m:msup><m:mo>-</m:mo><m:mn>1</m:mn></m:mrow>
        <m:annotation encoding="application/x-tex">x^2-1</m:annotation></m:semantics></m:math>?</qti-prompt>
      <qti-simple-choice identifier="c1">0</qti-simple-choice>
      <qti-simple-choice identifier="c2">1</qti-simple-choice>
      <qti-simple-choice identifier="c3">−1</qti-simple-choice>
    </qti-choice-interaction>
    <qti-rubric-block view="scorer" use="scoring"><qti-content-body><p>Factor it.</p></qti-content-body></qti-rubric-block>
  </qti-item-body>
</qti-assessment-item>"#;

const FOREIGN_ESSAY: &str = r#"<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="essay" title="E" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>
  <qti-item-body>
    <qti-rubric-block view="candidate" use="instructions"><qti-content-body><p>Write 100 words.</p></qti-content-body></qti-rubric-block>
    <qti-extended-text-interaction response-identifier="RESPONSE"><qti-prompt>Describe your vacation.</qti-prompt></qti-extended-text-interaction>
  </qti-item-body>
</qti-assessment-item>"#;

fn foreign_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("imsmanifest.xml", FOREIGN_MANIFEST),
        ("tf/TF.xml", FOREIGN_TF),
        ("fib/text entry.xml", FOREIGN_FIB),
        ("fib/images/poem.png", "png bytes"),
        ("mc.xml", FOREIGN_MC),
        ("essay.xml", FOREIGN_ESSAY),
        ("test.xml", "<qti-assessment-test/>"),
    ]
}

#[test]
fn reads_other_tools_packages() {
    let package = read_package("foreign.zip", &zip_of(&foreign_files())).unwrap();
    let items: Vec<&Item> = package.items.iter().map(|i| &i.item).collect();
    assert_eq!(items.len(), 4);

    let tf = items[0];
    assert_eq!((tf.id.as_str(), tf.item_type), ("TF-choice", ItemType::TrueFalse));
    assert_eq!(tf.stem, "An octahedron has 12 faces.");
    assert_eq!(tf.answer, AnswerKey::TrueFalse(false));
    assert_eq!(tf.difficulty, Some(4), "LOM difficulty is read from other tools too");

    let fib = items[1];
    assert_eq!(fib.item_type, ItemType::FillBlank);
    assert_eq!(
        fib.stem,
        "Complete this excerpt from \"Lycidas\": ![poem](fib/images/poem.png)\nTo-morrow to ____, and ____."
    );
    assert_eq!(
        fib.answer,
        AnswerKey::Blanks(vec![vec!["fresh woods".into(), "fresh fields".into()], vec!["pastures new".into()]])
    );
    assert_eq!(fib.points, Some(2.0));
    assert_eq!(package.items[1].file, "fib/text entry.xml");

    let mc = items[2];
    assert_eq!(mc.item_type, ItemType::MultipleChoice);
    assert_eq!(mc.stem, "Which are roots of $x^2-1$?");
    assert_eq!(
        mc.choices.iter().map(|c| (c.label.as_str(), c.content.as_str())).collect::<Vec<_>>(),
        [("A", "0"), ("B", "1"), ("C", "−1")]
    );
    assert_eq!(mc.answer, AnswerKey::Choices(vec!["B".into(), "C".into()]));
    assert_eq!(mc.analysis, "Factor it.");

    let essay = items[3];
    assert_eq!(essay.item_type, ItemType::ShortAnswer);
    assert_eq!(essay.stem, "Write 100 words.\nDescribe your vacation.");
    assert_eq!(essay.answer, AnswerKey::Reference(String::new()));
    assert_eq!(essay.seconds, essay.estimated_seconds());

    assert_eq!(package.assets, [("fib/images/poem.png".to_owned(), b"png bytes".to_vec())]);
}

#[test]
fn a_missing_file_names_the_manifest_line_and_path() {
    let files: Vec<_> = foreign_files().into_iter().filter(|(n, _)| *n != "fib/images/poem.png").collect();
    let err = read_package("foreign.zip", &zip_of(&files)).unwrap_err();
    let messages: Vec<String> = err.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "fib/text entry.xml:17: shows the image `fib/images/poem.png`, which is not in the package",
            "imsmanifest.xml:16: resource `media` lists `fib/images/poem.png`, which is not in the package",
        ]
    );
}

#[test]
fn reports_unsupported_and_broken_items_with_their_lines() {
    let mut files = foreign_files();
    files[1].1 = "<qti-assessment-item identifier=\"x\">\n<qti-item-body>\n<qti-order-interaction response-identifier=\"R\"/>\n</qti-item-body></qti-assessment-item>";
    files[4].1 = "<qti-assessment-item>\n<qti-item-body>\n</qti-assessment-item>";
    files[5].1 = "<assessmentItem identifier=\"old\"/>";
    let err = read_package("foreign.zip", &zip_of(&files)).unwrap_err();
    let messages: Vec<String> = err.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[0].starts_with("essay.xml:1: is a QTI 2 item"), "{}", messages[0]);
    assert!(messages[1].starts_with("mc.xml:3: is not well-formed XML"), "{}", messages[1]);
    assert!(messages[2].starts_with("tf/TF.xml:3: <qti-order-interaction> is not supported"), "{}", messages[2]);

    assert_eq!(read_package("x.zip", b"not a zip").unwrap_err().errors[0].file, "x.zip");
    let no_manifest = read_package("x.zip", &zip_of(&[("a.xml", "<a/>")])).unwrap_err();
    assert!(no_manifest.to_string().contains("has no imsmanifest.xml"), "{no_manifest}");
}

#[test]
fn imported_items_are_validated_and_keep_latex_warnings() {
    let mut files = foreign_files();
    files[1].1 = r#"<qti-assessment-item identifier="x"><qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier"><qti-correct-response><qti-value>Z</qti-value></qti-correct-response></qti-response-declaration><qti-item-body><p>$x</p><qti-choice-interaction response-identifier="RESPONSE" max-choices="1"><qti-simple-choice identifier="A">1</qti-simple-choice><qti-simple-choice identifier="B">2</qti-simple-choice></qti-choice-interaction></qti-item-body></qti-assessment-item>"#;
    let err = read_package("foreign.zip", &zip_of(&files)).unwrap_err();
    assert_eq!(err.to_string(), "tf/TF.xml:1: the correct response `Z` is not one of the choices");

    files[1].1 = r#"<qti-assessment-item identifier="x"><qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier"><qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration><qti-item-body><p>$x</p><qti-choice-interaction response-identifier="RESPONSE" max-choices="1"><qti-simple-choice identifier="A">1</qti-simple-choice><qti-simple-choice identifier="B">2</qti-simple-choice></qti-choice-interaction></qti-item-body></qti-assessment-item>"#;
    let package = read_package("foreign.zip", &zip_of(&files)).unwrap();
    assert_eq!(package.items[0].warnings.len(), 1, "an unclosed `$` is a warning, not an error");
}
