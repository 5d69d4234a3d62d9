//! Writing items as a QTI 3.0 package.

use std::collections::{BTreeSet, HashSet};
use std::io::{Cursor, Write};

use domain::items::{AnswerKey, Item, ItemType};

use super::markup::{BLANKS_CLASS, image_paths, write_field};
use super::xml::{XmlOut, encode_href, is_xml_char};
use super::{
    ANALYSIS_CLASS, CATALOG_ID, CATALOG_SOURCE, CATALOG_SOURCE_ID, CP_NS, DIFFICULTIES, ENCODED_LABEL_PREFIX,
    ITEM_RESOURCE_TYPE, LOM_NS, MANIFEST, QTI_NS, STEM_CLASS, TAXON_GRADE, TAXON_KNOWLEDGE_POINT, TAXON_STAGE,
    TAXON_SUBJECT,
};
use crate::InteropError;

const QTI_SCHEMA: &str = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd";
const CP_SCHEMA: &str = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd";
const LOM_SCHEMA: &str = "https://purl.imsglobal.org/spec/md/v1p3/schema/xsd/imsmd_loose_v1p3p2.xsd";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const MATCH_CORRECT: &str = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml";
/// The resource that lists assets no item refers to.
const ASSETS_RESOURCE: &str = "zhijiao-assets";

/// Writes items and the media they show as a QTI 3.0 package (zip bytes). Item files go to
/// `items/<identifier>.xml`; assets keep their paths. Every item must pass [`Item::validate`], use only
/// characters XML can carry, and find each image it shows among `assets` (external URLs excepted).
/// The output is deterministic: same items, same bytes.
pub fn write_package(items: &[Item], assets: &[(String, Vec<u8>)]) -> Result<Vec<u8>, InteropError> {
    let asset_paths = check_assets(assets)?;
    for item in items {
        check_item(item, &asset_paths)?;
    }
    let identifiers = identifiers(items);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut referenced = BTreeSet::new();
    let mut manifest = manifest_start();
    for (item, identifier) in items.iter().zip(&identifiers) {
        let path = format!("items/{identifier}.xml");
        let images: BTreeSet<String> = item_texts(item).flat_map(image_paths).collect();
        write_resource(&mut manifest, item, identifier, &path, &images);
        referenced.extend(images);
        files.push((path, item_xml(item, identifier)));
    }
    let unreferenced: Vec<&str> = assets.iter().map(|(p, _)| p.as_str()).filter(|p| !referenced.contains(*p)).collect();
    if !unreferenced.is_empty() {
        manifest.indent(2);
        manifest.open("resource", &[("identifier", ASSETS_RESOURCE), ("type", "webcontent")]);
        for path in unreferenced {
            manifest.indent(3);
            manifest.empty("file", &[("href", &encode_href(path))]);
        }
        manifest.indent(2);
        manifest.close("resource");
    }
    manifest.indent(1);
    manifest.close("resources");
    manifest.indent(0);
    manifest.close("manifest");

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // A fixed timestamp keeps the output a pure function of the items (and reads no clock).
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let internal = |e: &dyn std::fmt::Display| InteropError::Internal(format!("writing the zip: {e}"));
    let manifest = manifest.finish();
    let all = std::iter::once((MANIFEST, manifest.as_slice()))
        .chain(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
        .chain(assets.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    for (path, bytes) in all {
        zip.start_file(path, options).map_err(|e| internal(&e))?;
        zip.write_all(bytes).map_err(|e| internal(&e))?;
    }
    Ok(zip.finish().map_err(|e| internal(&e))?.into_inner())
}

/// Asset paths must be relative package paths, unique, and not clash with the files we write.
fn check_assets(assets: &[(String, Vec<u8>)]) -> Result<HashSet<&str>, InteropError> {
    let mut paths = HashSet::new();
    for (path, _) in assets {
        let bad = |reason: &str| InteropError::BadInput { file: path.clone(), line: None, reason: reason.to_owned() };
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|p| p.is_empty() || p == "." || p == "..") {
            return Err(bad("an asset path must be a relative path inside the package, like images/a.png"));
        }
        if path == MANIFEST || path.starts_with("items/") {
            return Err(bad("this path is reserved for the package's own files"));
        }
        if !paths.insert(path.as_str()) {
            return Err(bad("the asset is given twice"));
        }
    }
    Ok(paths)
}

fn check_item(item: &Item, assets: &HashSet<&str>) -> Result<(), InteropError> {
    let bad = |reason: String| InteropError::BadInput { file: format!("item {}", item.id), line: None, reason };
    if let Err(problems) = item.validate() {
        let reasons: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(bad(format!("cannot be exported: {}", reasons.join("; "))));
    }
    let strings = item_texts(item)
        .chain([item.id.as_str()])
        .chain(item.source.as_deref())
        .chain(item.source_id.as_deref())
        .chain(item.tags.iter().map(String::as_str))
        .chain(item.knowledge_points.iter().map(String::as_str));
    for text in strings {
        if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
            return Err(bad(format!("contains the control character U+{:04X}, which XML cannot carry", u32::from(c))));
        }
    }
    for path in item_texts(item).flat_map(image_paths) {
        if !assets.contains(path.as_str()) {
            return Err(bad(format!("shows the image `{path}`, which is not among the assets")));
        }
    }
    Ok(())
}

/// The markup fields of an item: stem, choices, answers and analysis.
fn item_texts(item: &Item) -> impl Iterator<Item = &str> {
    let answers: Vec<&str> = match &item.answer {
        AnswerKey::Blanks(blanks) => blanks.iter().flatten().map(String::as_str).collect(),
        AnswerKey::Reference(text) => vec![text.as_str()],
        AnswerKey::Choices(labels) => labels.iter().map(String::as_str).collect(),
        AnswerKey::TrueFalse(_) => Vec::new(),
    };
    std::iter::once(item.stem.as_str())
        .chain(item.choices.iter().map(|c| c.content.as_str()))
        .chain(item.choices.iter().map(|c| c.label.as_str()))
        .chain(answers)
        .chain(std::iter::once(item.analysis.as_str()))
}

/// A QTI identifier (an XML NCName, ASCII only to be safe with every tool).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Unique item identifiers: the item's id when it is a valid identifier, else `item-<n>`.
fn identifiers(items: &[Item]) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::from([ASSETS_RESOURCE.to_owned()]);
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut candidate = if is_identifier(&item.id) { item.id.clone() } else { format!("item-{}", i + 1) };
        let mut n = 1;
        while used.contains(&candidate) {
            n += 1;
            candidate = format!("item-{}-{n}", i + 1);
        }
        used.insert(candidate.clone());
        out.push(candidate);
    }
    out
}

/// The identifier of a choice with this label; see the module documentation.
pub(crate) fn choice_identifier(label: &str) -> String {
    let reserved = label.eq_ignore_ascii_case("true")
        || label.eq_ignore_ascii_case("false")
        || label.starts_with(ENCODED_LABEL_PREFIX);
    if is_identifier(label) && !reserved {
        label.to_owned()
    } else {
        let hex: String = label.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{ENCODED_LABEL_PREFIX}{hex}")
    }
}

/// A one-line title: the stem's first line, at most 60 characters.
fn title(item: &Item, identifier: &str) -> String {
    let first = item.stem.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(identifier);
    let mut title: String = first.chars().take(60).collect();
    if first.chars().count() > 60 {
        title.push('…');
    }
    title
}

/// Formats points so that parsing gives back the same `f32`.
fn points_text(points: f32) -> String {
    format!("{points}")
}

fn item_xml(item: &Item, identifier: &str) -> Vec<u8> {
    let mut out = XmlOut::new();
    let schema = format!("{QTI_NS} {QTI_SCHEMA}");
    let title = title(item, identifier);
    out.open(
        "qti-assessment-item",
        &[
            ("xmlns", QTI_NS),
            ("xmlns:xsi", XSI_NS),
            ("xsi:schemaLocation", &schema),
            ("identifier", identifier),
            ("title", &title),
            ("adaptive", "false"),
            ("time-dependent", "false"),
        ],
    );
    write_declarations(&mut out, item);
    out.indent(1);
    out.open("qti-item-body", &[]);
    out.indent(2);
    write_field(&mut out, "div", STEM_CLASS, &item.stem);
    out.indent(2);
    write_interaction(&mut out, item);
    if !item.analysis.is_empty() {
        out.indent(2);
        out.open("qti-rubric-block", &[("use", "scoring"), ("view", "scorer tutor"), ("class", ANALYSIS_CLASS)]);
        out.open("qti-content-body", &[]);
        write_field(&mut out, "div", "", &item.analysis);
        out.close("qti-content-body");
        out.close("qti-rubric-block");
    }
    out.indent(1);
    out.close("qti-item-body");
    match item.item_type {
        ItemType::SingleChoice | ItemType::MultipleChoice | ItemType::TrueFalse => {
            out.indent(1);
            out.empty("qti-response-processing", &[("template", MATCH_CORRECT)]);
        }
        ItemType::FillBlank => {
            out.indent(1);
            out.open("qti-response-processing", &[]);
            out.open("qti-set-outcome-value", &[("identifier", "SCORE")]);
            out.open("qti-sum", &[]);
            for i in 1..=blank_count(item) {
                out.empty("qti-map-response", &[("identifier", &format!("RESPONSE_{i}"))]);
            }
            out.close("qti-sum");
            out.close("qti-set-outcome-value");
            out.close("qti-response-processing");
        }
        // Open answers are scored by a person.
        ItemType::ShortAnswer => {}
    }
    out.indent(0);
    out.close("qti-assessment-item");
    out.finish()
}

/// How many blanks a fill-in-the-blank item has (validation has checked the answer's shape).
fn blank_count(item: &Item) -> usize {
    match &item.answer {
        AnswerKey::Blanks(blanks) => blanks.len(),
        _ => 0,
    }
}

fn write_declarations(out: &mut XmlOut, item: &Item) {
    match &item.answer {
        AnswerKey::Choices(labels) => {
            let cardinality = if item.item_type == ItemType::SingleChoice { "single" } else { "multiple" };
            response(out, "RESPONSE", cardinality, "identifier", labels.iter().map(|l| choice_identifier(l)));
        }
        AnswerKey::TrueFalse(value) => {
            response(out, "RESPONSE", "single", "identifier", std::iter::once(value.to_string()));
        }
        AnswerKey::Blanks(blanks) => {
            for (i, accepted) in blanks.iter().enumerate() {
                out.indent(1);
                out.open(
                    "qti-response-declaration",
                    &[
                        ("identifier", &format!("RESPONSE_{}", i + 1)),
                        ("cardinality", "single"),
                        ("base-type", "string"),
                    ],
                );
                if let Some(first) = accepted.first() {
                    out.indent(2);
                    out.open("qti-correct-response", &[]);
                    out.element("qti-value", &[], first);
                    out.close("qti-correct-response");
                }
                out.indent(2);
                out.open("qti-mapping", &[("default-value", "0")]);
                for answer in accepted {
                    out.indent(3);
                    out.empty(
                        "qti-map-entry",
                        &[("map-key", answer), ("mapped-value", "1"), ("case-sensitive", "true")],
                    );
                }
                out.indent(2);
                out.close("qti-mapping");
                out.indent(1);
                out.close("qti-response-declaration");
            }
        }
        AnswerKey::Reference(text) => {
            let values: Vec<String> = if text.is_empty() { Vec::new() } else { vec![text.clone()] };
            response(out, "RESPONSE", "single", "string", values.into_iter());
        }
    }
    out.indent(1);
    out.empty("qti-outcome-declaration", &[("identifier", "SCORE"), ("cardinality", "single"), ("base-type", "float")]);
    if let Some(points) = item.points {
        out.indent(1);
        out.open(
            "qti-outcome-declaration",
            &[("identifier", "MAXSCORE"), ("cardinality", "single"), ("base-type", "float")],
        );
        out.open("qti-default-value", &[]);
        out.element("qti-value", &[], &points_text(points));
        out.close("qti-default-value");
        out.close("qti-outcome-declaration");
    }
}

fn response(
    out: &mut XmlOut,
    identifier: &str,
    cardinality: &str,
    base_type: &str,
    values: impl Iterator<Item = String>,
) {
    out.indent(1);
    out.open(
        "qti-response-declaration",
        &[("identifier", identifier), ("cardinality", cardinality), ("base-type", base_type)],
    );
    let values: Vec<String> = values.collect();
    if !values.is_empty() {
        out.indent(2);
        out.open("qti-correct-response", &[]);
        for value in values {
            out.element("qti-value", &[], &value);
        }
        out.close("qti-correct-response");
        out.indent(1);
    }
    out.close("qti-response-declaration");
}

fn write_interaction(out: &mut XmlOut, item: &Item) {
    match item.item_type {
        ItemType::SingleChoice | ItemType::MultipleChoice => {
            let max = if item.item_type == ItemType::SingleChoice { 1 } else { item.choices.len() };
            out.open(
                "qti-choice-interaction",
                &[("response-identifier", "RESPONSE"), ("shuffle", "false"), ("max-choices", &max.to_string())],
            );
            for choice in &item.choices {
                out.indent(3);
                out.open("qti-simple-choice", &[("identifier", &choice_identifier(&choice.label))]);
                write_field(out, "span", "", &choice.content);
                out.close("qti-simple-choice");
            }
            out.indent(2);
            out.close("qti-choice-interaction");
        }
        ItemType::TrueFalse => {
            out.open(
                "qti-choice-interaction",
                &[("response-identifier", "RESPONSE"), ("shuffle", "false"), ("max-choices", "1")],
            );
            for (identifier, content) in [("true", "正确"), ("false", "错误")] {
                out.indent(3);
                out.element("qti-simple-choice", &[("identifier", identifier)], content);
            }
            out.indent(2);
            out.close("qti-choice-interaction");
        }
        ItemType::FillBlank => {
            out.open("p", &[("class", BLANKS_CLASS)]);
            for i in 1..=blank_count(item) {
                if i > 1 {
                    out.text(" ");
                }
                out.empty("qti-text-entry-interaction", &[("response-identifier", &format!("RESPONSE_{i}"))]);
            }
            out.close("p");
        }
        ItemType::ShortAnswer => {
            out.empty("qti-extended-text-interaction", &[("response-identifier", "RESPONSE")]);
        }
    }
}

fn manifest_start() -> XmlOut {
    let mut out = XmlOut::new();
    let schema = format!("{CP_NS} {CP_SCHEMA} {LOM_NS} {LOM_SCHEMA}");
    out.open(
        "manifest",
        &[
            ("xmlns", CP_NS),
            ("xmlns:imsmd", LOM_NS),
            ("xmlns:xsi", XSI_NS),
            ("xsi:schemaLocation", &schema),
            ("identifier", "zhijiao-items"),
        ],
    );
    out.indent(1);
    out.open("metadata", &[]);
    out.element("schema", &[], "QTI Package");
    out.element("schemaversion", &[], "3.0.0");
    out.close("metadata");
    out.indent(1);
    out.empty("organizations", &[]);
    out.indent(1);
    out.open("resources", &[]);
    out
}

fn write_resource(out: &mut XmlOut, item: &Item, identifier: &str, path: &str, images: &BTreeSet<String>) {
    let href = encode_href(path);
    out.indent(2);
    out.open("resource", &[("identifier", identifier), ("type", ITEM_RESOURCE_TYPE), ("href", &href)]);
    out.indent(3);
    out.open("metadata", &[]);
    write_lom(out, item, identifier);
    out.close("metadata");
    out.indent(3);
    out.empty("file", &[("href", &href)]);
    for image in images {
        out.indent(3);
        out.empty("file", &[("href", &encode_href(image))]);
    }
    out.indent(2);
    out.close("resource");
}

/// Our metadata as IEEE LOM (see the mapping table in the module documentation).
fn write_lom(out: &mut XmlOut, item: &Item, identifier: &str) {
    let lang_string = |out: &mut XmlOut, name: &str, text: &str| {
        out.open(name, &[]);
        out.element("imsmd:string", &[], text);
        out.close(name);
    };
    let lom_identifier = |out: &mut XmlOut, catalog: &str, entry: &str| {
        out.open("imsmd:identifier", &[]);
        out.element("imsmd:catalog", &[], catalog);
        out.element("imsmd:entry", &[], entry);
        out.close("imsmd:identifier");
    };
    let vocabulary = |out: &mut XmlOut, name: &str, value: &str| {
        out.open(name, &[]);
        out.element("imsmd:source", &[], "LOMv1.0");
        out.element("imsmd:value", &[], value);
        out.close(name);
    };
    let classification = |out: &mut XmlOut, purpose: &str, paths: &[(&str, &str, Option<&str>)]| {
        out.open("imsmd:classification", &[]);
        vocabulary(out, "imsmd:purpose", purpose);
        for (source, id, entry) in paths {
            out.open("imsmd:taxonPath", &[]);
            lang_string(out, "imsmd:source", source);
            out.open("imsmd:taxon", &[]);
            if !id.is_empty() {
                out.element("imsmd:id", &[], id);
            }
            if let Some(entry) = entry {
                lang_string(out, "imsmd:entry", entry);
            }
            out.close("imsmd:taxon");
            out.close("imsmd:taxonPath");
        }
        out.close("imsmd:classification");
    };

    out.open("imsmd:lom", &[]);
    out.open("imsmd:general", &[]);
    lom_identifier(out, CATALOG_ID, &item.id);
    if let Some(source) = &item.source {
        lom_identifier(out, CATALOG_SOURCE, source);
    }
    if let Some(source_id) = &item.source_id {
        lom_identifier(out, CATALOG_SOURCE_ID, source_id);
    }
    lang_string(out, "imsmd:title", &title(item, identifier));
    for tag in &item.tags {
        lang_string(out, "imsmd:keyword", tag);
    }
    out.close("imsmd:general");
    out.open("imsmd:educational", &[]);
    if let Some(difficulty) = item.difficulty.and_then(|d| DIFFICULTIES.get(usize::from(d).wrapping_sub(1))) {
        vocabulary(out, "imsmd:difficulty", difficulty);
    }
    out.open("imsmd:typicalLearningTime", &[]);
    out.element("imsmd:duration", &[], &format!("PT{}S", item.seconds));
    out.close("imsmd:typicalLearningTime");
    out.close("imsmd:educational");
    if let Some(subject) = item.subject {
        classification(out, "discipline", &[(TAXON_SUBJECT, subject.code(), Some(subject.label_zh()))]);
    }
    let grade = item.grade.map(|g| g.to_string());
    let mut levels: Vec<(&str, &str, Option<&str>)> = Vec::new();
    if let Some(stage) = item.stage {
        levels.push((TAXON_STAGE, stage.code(), Some(stage.label_zh())));
    }
    if let (Some(grade), Some(g)) = (&grade, item.grade) {
        levels.push((TAXON_GRADE, grade, Some(domain::org::grade_label_zh(g))));
    }
    if !levels.is_empty() {
        classification(out, "educational level", &levels);
    }
    if !item.knowledge_points.is_empty() {
        let paths: Vec<(&str, &str, Option<&str>)> =
            item.knowledge_points.iter().map(|kp| (TAXON_KNOWLEDGE_POINT, "", Some(kp.as_str()))).collect();
        classification(out, "educational objective", &paths);
    }
    out.close("imsmd:lom");
}
