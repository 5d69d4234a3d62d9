//! Reading a QTI 3.0 package into items.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::items::{AnswerKey, Choice, Item, ItemType};
use domain::{Stage, Subject};

use super::markup::{MarkupReader, ReadRules, is_scorer_rubric};
use super::xml::{Element, parse, resolve};
use super::{
    ANALYSIS_CLASS, CATALOG_ID, CATALOG_SOURCE, CATALOG_SOURCE_ID, DIFFICULTIES, ENCODED_LABEL_PREFIX,
    ITEM_RESOURCE_TYPE, MANIFEST, QtiPackage, STEM_CLASS, TAXON_GRADE, TAXON_KNOWLEDGE_POINT, TAXON_STAGE,
    TAXON_SUBJECT,
};
use crate::items::jsonl::parse_true_false;
use crate::items::{ImportedItem, Problems};
use crate::{ImportErrors, files_from_zip};

/// Reads a QTI 3.0 package (zip bytes). Every problem is reported at once, each with its file (the
/// manifest or an item file) and line; the items are returned only when there is none. `file_name`
/// names the zip in errors about the archive itself.
pub fn read_package(file_name: &str, zip_bytes: &[u8]) -> Result<QtiPackage, ImportErrors> {
    let mut problems = Problems::default();
    let files = match files_from_zip(zip_bytes) {
        Ok(files) => files,
        Err(e) => {
            problems.push(file_name, 0, None, e.to_string());
            return problems.into_result(QtiPackage { items: Vec::new(), assets: Vec::new() });
        }
    };
    let contents: HashMap<&str, &[u8]> = files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())).collect();
    let Some(manifest) = contents.get(MANIFEST) else {
        problems.push(file_name, 0, None, "has no imsmanifest.xml at its root: it is not an IMS content package");
        return problems.into_result(QtiPackage { items: Vec::new(), assets: Vec::new() });
    };
    let Some(manifest) = document(MANIFEST, manifest, &mut problems) else {
        return problems.into_result(QtiPackage { items: Vec::new(), assets: Vec::new() });
    };
    if manifest.name != "manifest" {
        problems.push(
            MANIFEST,
            manifest.line,
            None,
            format!("the root element is <{}>, not <manifest>", manifest.name),
        );
    }

    let mut items = Vec::new();
    let mut item_files = HashSet::new();
    let mut assets: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut listed = Vec::new();
    let resources = manifest.child("resources").into_iter().flat_map(|r| r.children_named("resource"));
    for resource in resources {
        let id = resource.attr("identifier").unwrap_or_default();
        let kind = resource.attr("type").unwrap_or_default();
        let present = |href: &str, line: usize, problems: &mut Problems| -> Option<String> {
            let path = resolve(MANIFEST, href).filter(|p| contents.contains_key(p.as_str()));
            if path.is_none() {
                let reason = format!("resource `{id}` lists `{href}`, which is not in the package");
                problems.push(MANIFEST, line, None, reason);
            }
            path
        };
        let href = resource.attr("href").and_then(|href| present(href, resource.line, &mut problems));
        // Media are the files of item and web-content resources; tests and other QTI files are not.
        let media = kind == ITEM_RESOURCE_TYPE || !kind.starts_with("imsqti_");
        for file in resource.children_named("file") {
            let path = file.attr("href").and_then(|href| present(href, file.line, &mut problems));
            if let Some(path) = path.filter(|_| media) {
                listed.push(path);
            }
        }
        if kind == ITEM_RESOURCE_TYPE {
            let Some(path) = href else {
                if resource.attr("href").is_none() {
                    problems.push(MANIFEST, resource.line, None, format!("item resource `{id}` has no href"));
                }
                continue;
            };
            let metadata = resource.child("metadata").and_then(|m| m.child("lom"));
            item_files.insert(path.clone());
            if let Some(item) =
                read_item(&path, contents[path.as_str()], metadata, &contents, &mut assets, &mut problems)
            {
                items.push(item);
            }
        } else if kind.starts_with("imsqti_item_xmlv2") {
            let reason = format!("resource `{id}` is a QTI 2 item ({kind}); only QTI 3.0 items are read");
            problems.push(MANIFEST, resource.line, None, reason);
        }
    }
    for path in listed {
        if path != MANIFEST && !item_files.contains(&path) {
            assets.entry(path.clone()).or_insert_with(|| contents[path.as_str()].to_vec());
        }
    }
    if items.is_empty() && problems.len() == 0 {
        problems.push(
            MANIFEST,
            manifest.line,
            None,
            "the package has no QTI 3.0 item (resource type imsqti_item_xmlv3p0)",
        );
    }
    problems.into_result(QtiPackage { items, assets: assets.into_iter().collect() })
}

/// Decodes and parses one XML file of the package, reporting where it is broken.
fn document(path: &str, bytes: &[u8], problems: &mut Problems) -> Option<Element> {
    let text = match crate::decode_text(path, bytes) {
        Ok(text) => text,
        Err(_) => {
            problems.push(path, 0, None, "is not UTF-8 text");
            return None;
        }
    };
    match parse(&text) {
        Ok(root) => Some(root),
        Err(e) => {
            problems.push(path, e.line, None, format!("is not well-formed XML: {}", e.reason));
            None
        }
    }
}

/// A response declaration: its correct values and mapped answers.
#[derive(Debug, Default)]
struct Response {
    correct: Vec<String>,
    mapped: Vec<String>,
}

/// Our metadata, read from LOM.
#[derive(Debug, Default)]
struct Metadata {
    /// Set when the package was written by us: the id we wrote (possibly empty).
    own_id: Option<String>,
    source: Option<String>,
    source_id: Option<String>,
    tags: Vec<String>,
    difficulty: Option<u8>,
    seconds: Option<u32>,
    subject: Option<Subject>,
    stage: Option<Stage>,
    grade: Option<u8>,
    knowledge_points: Vec<String>,
}

fn read_item(
    path: &str,
    bytes: &[u8],
    lom: Option<&Element>,
    contents: &HashMap<&str, &[u8]>,
    assets: &mut BTreeMap<String, Vec<u8>>,
    problems: &mut Problems,
) -> Option<ImportedItem> {
    let root = document(path, bytes, problems)?;
    if root.name == "assessmentItem" {
        problems.push(path, root.line, None, "is a QTI 2 item (<assessmentItem>); only QTI 3.0 items are read");
        return None;
    }
    if root.name != "qti-assessment-item" {
        problems.push(path, root.line, None, format!("the root element is <{}>, not <qti-assessment-item>", root.name));
        return None;
    }
    let Some(body) = root.child("qti-item-body") else {
        problems.push(path, root.line, None, "has no <qti-item-body>");
        return None;
    };
    let metadata = lom.map(read_lom).unwrap_or_default();
    let responses: HashMap<&str, Response> = root
        .children_named("qti-response-declaration")
        .map(|d| (d.attr("identifier").unwrap_or_default(), response(d)))
        .collect();
    let mut reader = MarkupReader::new(path);

    let stem = match body.elements().find(|e| e.has_class(STEM_CLASS)) {
        Some(ours) => markup(&mut reader, ours),
        None => markup(&mut reader, body),
    };
    let analysis: Vec<String> = body
        .descendants()
        .into_iter()
        .filter(|e| e.name == "qti-rubric-block" && (e.has_class(ANALYSIS_CLASS) || is_scorer_rubric(e)))
        .map(|e| markup(&mut reader, e.child("qti-content-body").unwrap_or(e)))
        .collect();

    let interactions: Vec<&Element> = body
        .descendants()
        .into_iter()
        .filter(|e| e.name.starts_with("qti-") && e.name.ends_with("-interaction"))
        .collect();
    let unsupported: Vec<&&Element> = interactions
        .iter()
        .filter(|e| {
            !matches!(
                e.name.as_str(),
                "qti-choice-interaction" | "qti-text-entry-interaction" | "qti-extended-text-interaction"
            )
        })
        .collect();
    if let Some(e) = unsupported.first() {
        let reason = format!(
            "<{}> is not supported; items with a choice, text-entry or extended-text interaction are imported",
            e.name
        );
        problems.push(path, e.line, None, reason);
        return None;
    }
    let count = |name: &str| interactions.iter().filter(|e| e.name == name).count();
    let (choice, entries, extended) =
        (count("qti-choice-interaction"), count("qti-text-entry-interaction"), count("qti-extended-text-interaction"));
    let response_of = |e: &Element| responses.get(e.attr("response-identifier").unwrap_or_default());
    let ours = metadata.own_id.is_some();

    let shaped = match (choice, entries, extended) {
        (1, 0, 0) => {
            let interaction = interactions[0];
            choice_item(interaction, response_of(interaction), ours, &mut |e| markup(&mut reader, e))
        }
        (0, n, 0) if n > 0 => {
            let mut blanks = Vec::new();
            let mut missing = None;
            for entry in interactions.iter().copied() {
                match response_of(entry) {
                    Some(r) => {
                        let mut accepted: Vec<String> = Vec::new();
                        for answer in r.correct.iter().chain(&r.mapped) {
                            if !accepted.contains(answer) {
                                accepted.push(answer.clone());
                            }
                        }
                        blanks.push(accepted);
                    }
                    None => missing = missing.or(Some(entry)),
                }
            }
            match missing {
                Some(entry) => Err((entry.line, no_declaration(entry))),
                None => Ok((ItemType::FillBlank, Vec::new(), AnswerKey::Blanks(blanks))),
            }
        }
        (0, 0, 1) => {
            let reference = response_of(interactions[0]).map(|r| r.correct.join("\n")).unwrap_or_default();
            Ok((ItemType::ShortAnswer, Vec::new(), AnswerKey::Reference(reference)))
        }
        (0, 0, 0) => Err((body.line, "has no interaction to answer".to_owned())),
        _ => Err((
            body.line,
            format!(
                "mixes interactions ({choice} choice, {entries} text entry, {extended} extended text); only one kind \
                 per item (or several text entries) is imported"
            ),
        )),
    };
    let (item_type, choices, answer) = match shaped {
        Ok(shaped) => shaped,
        Err((line, reason)) => {
            problems.push(path, line, None, reason);
            return None;
        }
    };

    for (src, line) in &reader.bad_images {
        problems.push(path, *line, None, format!("the image `{src}` points outside the package"));
    }
    for (image, line) in &reader.images {
        match contents.get(image.as_str()) {
            Some(bytes) => {
                assets.entry(image.clone()).or_insert_with(|| bytes.to_vec());
            }
            None => problems.push(path, *line, None, format!("shows the image `{image}`, which is not in the package")),
        }
    }

    let points = root
        .children_named("qti-outcome-declaration")
        .find(|d| d.attr("identifier") == Some("MAXSCORE"))
        .and_then(|d| d.child("qti-default-value"))
        .and_then(|v| v.child_text("qti-value"))
        .and_then(|v| v.parse::<f32>().ok());
    let item = Item {
        id: metadata.own_id.clone().unwrap_or_else(|| root.attr("identifier").unwrap_or_default().to_owned()),
        source: metadata.source,
        source_id: metadata.source_id,
        item_type,
        stem,
        choices,
        answer,
        analysis: analysis.join("\n"),
        stage: metadata.stage,
        grade: metadata.grade,
        subject: metadata.subject,
        knowledge_points: metadata.knowledge_points,
        difficulty: metadata.difficulty,
        seconds: 0,
        points,
        tags: metadata.tags,
    };
    let seconds = metadata.seconds.unwrap_or_else(|| item.estimated_seconds());
    let item = Item { seconds, ..item };
    let warnings = problems.validate(&item, path, root.line);
    Some(ImportedItem { item, file: path.to_owned(), line: root.line, warnings })
}

/// The markup of an element's content (stem text entries read as `____`).
fn markup(reader: &mut MarkupReader<'_>, element: &Element) -> String {
    reader.field(element, ReadRules { blanks_as_underscores: true })
}

fn no_declaration(interaction: &Element) -> String {
    format!(
        "<{}> answers `{}`, which has no <qti-response-declaration>",
        interaction.name,
        interaction.attr("response-identifier").unwrap_or_default()
    )
}

type Shaped = Result<(ItemType, Vec<Choice>, AnswerKey), (usize, String)>;

/// A choice interaction as a single choice, multiple choice or true/false item.
fn choice_item(
    interaction: &Element,
    response: Option<&Response>,
    ours: bool,
    markup: &mut dyn FnMut(&Element) -> String,
) -> Shaped {
    let Some(response) = response else { return Err((interaction.line, no_declaration(interaction))) };
    let simple: Vec<&Element> = interaction.children_named("qti-simple-choice").collect();
    let identifiers: Vec<&str> = simple.iter().map(|c| c.attr("identifier").unwrap_or_default()).collect();
    let contents: Vec<String> = simple.iter().map(|c| markup(c)).collect();
    let max_choices: usize = interaction.attr("max-choices").and_then(|m| m.trim().parse().ok()).unwrap_or(1);

    // True/false: identifiers `true`/`false`, or (from other tools) two choices that read as true and false.
    if max_choices == 1 && simple.len() == 2 {
        let by_identifier: Vec<Option<bool>> = identifiers.iter().map(|i| parse_bool_identifier(i)).collect();
        let by_content: Vec<Option<bool>> = contents.iter().map(|c| parse_true_false(c)).collect();
        let meanings = if by_identifier.iter().all(Option::is_some) {
            Some(by_identifier)
        } else if !ours && by_content.iter().all(Option::is_some) {
            Some(by_content)
        } else {
            None
        };
        if let Some(meanings) = meanings.filter(|m| m[0] != m[1]) {
            let value = response.correct.first().and_then(|c| identifiers.iter().position(|i| i == c));
            return match value.and_then(|i| meanings[i]) {
                Some(value) => Ok((ItemType::TrueFalse, Vec::new(), AnswerKey::TrueFalse(value))),
                None => Err((interaction.line, "the true/false item has no correct response".to_owned())),
            };
        }
    }

    let decoded: Vec<String> = identifiers.iter().map(|i| decode_label(i)).collect();
    let keep_identifiers = ours || decoded.iter().all(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_alphabetic()));
    let labels: Vec<String> = if keep_identifiers { decoded } else { (0..simple.len()).map(letter_label).collect() };
    let by_identifier: HashMap<&str, &str> =
        identifiers.iter().copied().zip(labels.iter().map(String::as_str)).collect();
    let mut answer = Vec::new();
    for correct in &response.correct {
        match by_identifier.get(correct.as_str()) {
            Some(label) => answer.push((*label).to_owned()),
            None => {
                return Err((interaction.line, format!("the correct response `{correct}` is not one of the choices")));
            }
        }
    }
    let item_type = if max_choices == 1 { ItemType::SingleChoice } else { ItemType::MultipleChoice };
    let choices = labels.into_iter().zip(contents).map(|(label, content)| Choice { label, content }).collect();
    Ok((item_type, choices, AnswerKey::Choices(answer)))
}

fn parse_bool_identifier(identifier: &str) -> Option<bool> {
    match identifier.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A choice identifier back to its label (undoing the `zj-label-` hex encoding).
fn decode_label(identifier: &str) -> String {
    let Some(hex) = identifier.strip_prefix(ENCODED_LABEL_PREFIX) else { return identifier.to_owned() };
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    bytes.and_then(|b| String::from_utf8(b).ok()).unwrap_or_else(|| identifier.to_owned())
}

/// A, B, … Z, then AA, AB, … for the rare item with more choices.
fn letter_label(index: usize) -> String {
    let letter = |i: usize| char::from(b'A' + (i % 26) as u8);
    if index < 26 { letter(index).to_string() } else { format!("{}{}", letter(index / 26 - 1), letter(index)) }
}

fn response(declaration: &Element) -> Response {
    let values = |e: Option<&Element>| -> Vec<String> {
        e.into_iter().flat_map(|e| e.children_named("qti-value")).map(Element::text).collect()
    };
    let mapped = declaration
        .child("qti-mapping")
        .into_iter()
        .flat_map(|m| m.children_named("qti-map-entry"))
        .filter(|e| e.attr("mapped-value").and_then(|v| v.trim().parse::<f64>().ok()).is_some_and(|v| v > 0.0))
        .filter_map(|e| e.attr("map-key").map(str::to_owned))
        .collect();
    Response { correct: values(declaration.child("qti-correct-response")), mapped }
}

fn read_lom(lom: &Element) -> Metadata {
    let mut m = Metadata::default();
    let string_of = |e: &Element| e.child("string").map_or_else(|| e.text(), Element::text);
    if let Some(general) = lom.child("general") {
        for identifier in general.children_named("identifier") {
            let entry = identifier.child("entry").map(Element::text).unwrap_or_default();
            match identifier.child_text("catalog").as_deref() {
                Some(CATALOG_ID) => m.own_id = Some(entry),
                Some(CATALOG_SOURCE) => m.source = Some(entry),
                Some(CATALOG_SOURCE_ID) => m.source_id = Some(entry),
                _ => {}
            }
        }
        m.tags = general.children_named("keyword").map(string_of).collect();
    }
    if let Some(educational) = lom.child("educational") {
        m.difficulty = educational
            .child("difficulty")
            .and_then(|d| d.child_text("value"))
            .and_then(|v| DIFFICULTIES.iter().position(|d| d.eq_ignore_ascii_case(&v)))
            .and_then(|i| u8::try_from(i + 1).ok());
        m.seconds = educational
            .child("typicalLearningTime")
            .and_then(|t| t.child_text("duration"))
            .and_then(|d| parse_duration(&d));
    }
    for classification in lom.children_named("classification") {
        for path in classification.children_named("taxonPath") {
            let source = path.child("source").map(string_of).unwrap_or_default();
            for taxon in path.children_named("taxon") {
                let id = taxon.child_text("id").unwrap_or_default();
                let entry = taxon.child("entry").map(string_of);
                match source.trim() {
                    TAXON_SUBJECT => m.subject = Subject::parse(&id).ok(),
                    TAXON_STAGE => m.stage = Stage::parse(&id).ok(),
                    TAXON_GRADE => m.grade = id.parse().ok(),
                    TAXON_KNOWLEDGE_POINT => m.knowledge_points.push(entry.unwrap_or(id)),
                    _ => {}
                }
            }
        }
    }
    m
}

/// An ISO 8601 duration such as `PT90S`, `PT1M30S`, `PT1H` in whole seconds.
fn parse_duration(text: &str) -> Option<u32> {
    let rest = text.trim().strip_prefix("PT")?;
    let (mut total, mut number) = (0u32, String::new());
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'H' | 'M' | 'S' => {
                let n: u32 = number.parse().ok()?;
                total = total.checked_add(n.checked_mul(match c {
                    'H' => 3600,
                    'M' => 60,
                    _ => 1,
                })?)?;
                number.clear();
            }
            _ => return None,
        }
    }
    number.is_empty().then_some(total)
}
