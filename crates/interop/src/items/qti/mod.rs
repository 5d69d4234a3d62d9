//! QTI 3.0 packages: IMS Content Packaging zips with an `imsmanifest.xml` and one
//! `qti-assessment-item` file per item, plus the media they show.
//!
//! # Mapping
//!
//! | our item | QTI 3.0 |
//! |---|---|
//! | single choice | `qti-choice-interaction max-choices="1"`, response `cardinality="single" base-type="identifier"`, template `match_correct` |
//! | multiple choice | `qti-choice-interaction max-choices="n"` (n choices), response `cardinality="multiple"`, template `match_correct` |
//! | true/false | a single-choice interaction with the choices `true` (正确) and `false` (错误) |
//! | fill in the blank | one `qti-text-entry-interaction` per blank (`RESPONSE_1` …) in a `<p class="zhijiao-blanks">` after the stem; the first accepted answer is the correct response, every accepted answer a `qti-map-entry` (`mapped-value="1"`); response processing sums `qti-map-response` |
//! | short answer | `qti-extended-text-interaction`; the reference answer is the correct response (`base-type="string"`), scored by a person (no response processing) |
//! | analysis (解析) | `<qti-rubric-block use="scoring" view="scorer tutor" class="zhijiao-analysis">` |
//! | points | outcome `MAXSCORE` (its default value) |
//! | choice label | the choice's `identifier` (a label that is not an XML name, or is `true`/`false`, is hex-encoded as `zj-label-…`) |
//! | id, source, source id | LOM `general/identifier`: catalogs `zhijiao`, `zhijiao:source`, `zhijiao:source-id` |
//! | tags | LOM `general/keyword` |
//! | difficulty 1–5 | LOM `educational/difficulty`: very easy, easy, medium, difficult, very difficult |
//! | seconds | LOM `educational/typicalLearningTime` (`PT90S`) |
//! | subject, stage, grade | LOM `classification`: purpose `discipline` (taxon source `zhijiao:subject`), `educational level` (`zhijiao:stage`, `zhijiao:grade`); taxon ids are our codes |
//! | knowledge points | LOM `classification` purpose `educational objective`, taxon source `zhijiao:knowledge-point`, one taxon path each |
//!
//! LOM metadata sits in the item's `resource` of the manifest, where IMS CP puts it.
//!
//! Text fields (stem, choices, analysis) are written as described in the `markup` module: inside an
//! element of class `zhijiao-text`, math as `$…$` text in `<span class="zhijiao-math">`, images as
//! `<img>`, line breaks as `<br/>`, so a package we wrote reads back identically.
//!
//! # Reading other tools' packages
//!
//! Items (`type="imsqti_item_xmlv3p0"`) with one choice interaction (`max-choices` 1 → single choice,
//! otherwise multiple; two choices `true`/`false`, or reading 正确/错误, True/False, 对/错 → true/false),
//! text-entry interactions (→ fill in the blank; correct responses and positively mapped entries are the
//! accepted answers) or one extended-text interaction (→ short answer) are imported. Choice labels are
//! kept when identifiers are single letters, else the choices are labelled A, B, C … in order. Stems are
//! read as a browser shows them; a text entry inside the stem reads as `____`; `<img src>` becomes
//! `![alt](package path)`; MathML becomes `$…$` from its TeX annotation when it has one, else its text.
//! Candidate-view rubric blocks and prompts are part of the stem, scorer/tutor rubric blocks the analysis.
//! Other interactions, QTI 2.x items and test files are refused or skipped with a message. Every file
//! the manifest lists must be in the zip: a missing one is reported with the manifest line and path.

mod markup;
mod read;
mod write;
mod xml;

pub use read::read_package;
pub use write::write_package;

use super::ImportedItem;

/// A QTI package read into items and the media files they use.
#[derive(Debug, Clone, PartialEq)]
pub struct QtiPackage {
    pub items: Vec<ImportedItem>,
    /// Media files by their path in the package, sorted by path; item markup refers to these paths.
    pub assets: Vec<(String, Vec<u8>)>,
}

/// The QTI 3.0 item namespace.
pub(crate) const QTI_NS: &str = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0";
/// The IMS CP namespace of QTI 3.0 manifests.
pub(crate) const CP_NS: &str = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1";
/// IEEE LOM, for item metadata in the manifest.
pub(crate) const LOM_NS: &str = "http://ltsc.ieee.org/xsd/LOM";
pub(crate) const MANIFEST: &str = "imsmanifest.xml";
pub(crate) const ITEM_RESOURCE_TYPE: &str = "imsqti_item_xmlv3p0";
/// Class of the stem's element and of the analysis rubric block.
pub(crate) const STEM_CLASS: &str = "zhijiao-stem";
pub(crate) const ANALYSIS_CLASS: &str = "zhijiao-analysis";
/// LOM catalogs and taxon sources of our metadata.
pub(crate) const CATALOG_ID: &str = "zhijiao";
pub(crate) const CATALOG_SOURCE: &str = "zhijiao:source";
pub(crate) const CATALOG_SOURCE_ID: &str = "zhijiao:source-id";
pub(crate) const TAXON_SUBJECT: &str = "zhijiao:subject";
pub(crate) const TAXON_STAGE: &str = "zhijiao:stage";
pub(crate) const TAXON_GRADE: &str = "zhijiao:grade";
pub(crate) const TAXON_KNOWLEDGE_POINT: &str = "zhijiao:knowledge-point";
/// Prefix of choice identifiers that carry a label which is not an XML name.
pub(crate) const ENCODED_LABEL_PREFIX: &str = "zj-label-";
/// LOM difficulty values for our difficulty 1–5.
pub(crate) const DIFFICULTIES: [&str; 5] = ["very easy", "easy", "medium", "difficult", "very difficult"];

#[cfg(test)]
mod tests;
