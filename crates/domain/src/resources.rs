//! The co-built resource library (共建共享资源库): courseware, lesson plans, micro-lessons,
//! exercise sets and external links, and the review every one of them passes before anyone but its
//! author sees it (凡进必审).
//!
//! The review workflow is one pure function, [`transition`]. Versions ([`ResourceVersion`]) let a
//! published resource be revised without taking it down: the revision is a new version that goes
//! through review again while the published one stays visible ([`visible_version`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{DomainError, Stage, Subject, org::coded_enum};

coded_enum!(
    /// What kind of resource it is, which decides what file it must carry.
    ResourceType, "resource type" {
        Courseware => "courseware", "课件", "Courseware";
        LessonPlan => "lesson_plan", "教案", "Lesson plan";
        MicroLesson => "micro_lesson", "微课", "Micro-lesson";
        ExerciseSet => "exercise_set", "习题集", "Exercise set";
        Link => "link", "外部链接", "External link";
    }
);

/// Media types of PDF and Office documents, as `interop::filetype` reports them.
mod media {
    pub const PDF: &str = "application/pdf";
    pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    pub const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    pub const DOC: &str = "application/msword";
    pub const PPT: &str = "application/vnd.ms-powerpoint";
    pub const XLS: &str = "application/vnd.ms-excel";
    /// A legacy Office file whose name did not say which of doc/ppt/xls it is.
    pub const LEGACY_OFFICE: &str = "application/vnd.ms-office";
    pub const MP4: &str = "video/mp4";
    pub const MOV: &str = "video/quicktime";
    pub const WEBM: &str = "video/webm";
}

impl ResourceType {
    /// The media types a file of this resource type may have; empty for links, which carry none.
    ///
    /// Micro-lessons are videos that play in every browser (MP4/H.264 is the districts' standard;
    /// QuickTime and WebM are accepted as phones and screen recorders produce them).
    pub fn accepted_media_types(self) -> &'static [&'static str] {
        use media::*;
        match self {
            ResourceType::Courseware => &[PPTX, PDF, DOCX, PPT, DOC, LEGACY_OFFICE],
            ResourceType::LessonPlan => &[DOCX, PDF, DOC, LEGACY_OFFICE],
            ResourceType::MicroLesson => &[MP4, MOV, WEBM],
            ResourceType::ExerciseSet => &[DOCX, PDF, XLSX, DOC, XLS, LEGACY_OFFICE],
            ResourceType::Link => &[],
        }
    }

    /// Whether a file of `media_type` fits this resource type. Parameters (`; charset=…`) and
    /// letter case are ignored.
    pub fn accepts_media_type(self, media_type: &str) -> bool {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        self.accepted_media_types().iter().any(|m| m.eq_ignore_ascii_case(essence))
    }
}

coded_enum!(
    /// Where the author wants the resource published: their school, or the whole district.
    Scope, "publication scope" {
        School => "school", "校级", "School";
        District => "district", "区级", "District";
    }
);

coded_enum!(
    /// Where a version of a resource (or an exercise) stands in review.
    ReviewState, "review state" {
        Draft => "draft", "草稿", "Draft";
        Submitted => "submitted", "待学校审核", "Awaiting school review";
        /// Only on the way to district scope: the school approved, the district has not yet.
        SchoolApproved => "school_approved", "待区级审核", "Awaiting district review";
        Published => "published", "已发布", "Published";
        Rejected => "rejected", "已退回", "Returned";
        Withdrawn => "withdrawn", "已撤回", "Withdrawn";
    }
);

coded_enum!(
    /// In which capacity a person takes a step. One person may hold several (a principal reviewing
    /// their own resource); the caller tries each capacity it holds.
    Capacity, "review capacity" {
        Author => "author", "作者", "Author";
        SchoolReviewer => "school_reviewer", "学校审核人", "School reviewer";
        DistrictReviewer => "district_reviewer", "区级审核人", "District reviewer";
    }
);

coded_enum!(
    /// The kind of a [`Step`], without its data.
    StepKind, "review step" {
        Submit => "submit", "提交审核", "submit";
        Approve => "approve", "审核通过", "approve";
        Reject => "reject", "退回", "reject";
        Withdraw => "withdraw", "撤回", "withdraw";
        Revise => "revise", "修改", "revise";
    }
);

/// One step of the review workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The author sends a draft (or a returned version) for review.
    Submit,
    /// A reviewer lets it through their level.
    Approve,
    /// A reviewer returns it to the author, saying why.
    Reject { reason: String },
    /// The author or a reviewer takes it out of review or publication.
    Withdraw,
    /// The author takes a returned or withdrawn version back to draft to change it.
    Revise,
}

impl Step {
    /// The kind of step.
    pub fn kind(&self) -> StepKind {
        match self {
            Step::Submit => StepKind::Submit,
            Step::Approve => StepKind::Approve,
            Step::Reject { .. } => StepKind::Reject,
            Step::Withdraw => StepKind::Withdraw,
            Step::Revise => StepKind::Revise,
        }
    }

    /// The rejection reason, trimmed; `None` for other steps.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Step::Reject { reason } => Some(reason.trim()),
            _ => None,
        }
    }

    /// The verb of the activity record the step leaves.
    pub fn verb(&self) -> &'static str {
        match self {
            Step::Submit => "submitted",
            Step::Approve => "approved",
            Step::Reject { .. } => "rejected",
            Step::Withdraw => "withdrew",
            Step::Revise => "revised",
        }
    }
}

/// Why the workflow refuses a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowError {
    /// This step, from this state, in this capacity, is not part of the workflow.
    NotAllowed { step: StepKind, from: ReviewState, scope: Scope, author_has_school: bool, by: Capacity },
    /// A rejection must tell the author why.
    ReasonRequired,
    /// School-scope publication by an author who belongs to no school (e.g. a 教研员).
    NoSchool,
}

impl std::fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkflowError::NotAllowed { step, from, scope, author_has_school, by } => {
                let lower = |s: &str| s.to_lowercase();
                write!(
                    f,
                    "a {} may not {} a resource that is {} (publishing to {}{})",
                    lower(by.label_en()),
                    step.label_en(),
                    lower(from.label_en()),
                    lower(scope.label_en()),
                    if *author_has_school { "" } else { ", author in no school" }
                )
            }
            WorkflowError::ReasonRequired => f.write_str("a rejection needs a reason"),
            WorkflowError::NoSchool => {
                f.write_str("an author who belongs to no school can only publish to the district")
            }
        }
    }
}

impl std::error::Error for WorkflowError {}

impl WorkflowError {
    /// A stable snake_case code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::NotAllowed { .. } => "step_not_allowed",
            WorkflowError::ReasonRequired => "reason_required",
            WorkflowError::NoSchool => "no_school",
        }
    }

    /// The message in Chinese, for pages.
    pub fn message_zh(&self) -> String {
        match self {
            WorkflowError::NotAllowed { step, from, by, .. } => {
                format!("{}不能对“{}”状态的资源执行“{}”", by.label_zh(), from.label_zh(), step.label_zh())
            }
            WorkflowError::ReasonRequired => "退回时必须填写理由".to_owned(),
            WorkflowError::NoSchool => "不属于任何学校的作者只能申请区级发布".to_owned(),
        }
    }
}

/// Takes one review step: the state a version moves to, or why it may not.
///
/// The rules (each one a line of the table in the tests):
/// - **Submit** (author): draft or rejected → submitted. An author in no school can only publish
///   to the district ([`WorkflowError::NoSchool`]).
/// - **Approve**: the school reviewer, submitted → published (school scope) or school_approved
///   (district scope); the district reviewer, school_approved → published.
/// - **Reject** (needs a non-empty reason): the school reviewer from submitted, the district
///   reviewer from school_approved.
/// - **Authors in no school** (a 教研员 writing a resource): there is no school to review it, so
///   the district reviewer approves, rejects or withdraws their submitted version directly
///   (submitted → published). When the author has a school the district never skips the school
///   step: the school knows its teachers and its copyright situation first. Conversely a school
///   reviewer has nothing to act on for an author in no school.
/// - **Withdraw** → withdrawn: the author from submitted, school_approved or published; the school
///   reviewer from submitted and from published at school scope (their own publication); the
///   district reviewer from school_approved, from published at either scope (the district may
///   take down anything in its library, e.g. on a copyright complaint) and from submitted when
///   the author is in no school.
/// - **Revise** (author): rejected or withdrawn → draft.
///
/// Everything else is [`WorkflowError::NotAllowed`], naming the step, state, scope and capacity.
/// Revising a *published* version is not a transition: it starts a new version as a draft (see
/// [`ResourceVersion`]).
pub fn transition(
    current: ReviewState,
    target_scope: Scope,
    author_has_school: bool,
    step: &Step,
    by: Capacity,
) -> Result<ReviewState, WorkflowError> {
    use Capacity::*;
    use ReviewState::*;
    let school = target_scope == Scope::School;
    let next = match (step.kind(), current, by) {
        (StepKind::Submit, Draft | Rejected, Author) if school && !author_has_school => {
            return Err(WorkflowError::NoSchool);
        }
        (StepKind::Submit, Draft | Rejected, Author) => Some(Submitted),

        (StepKind::Approve, Submitted, SchoolReviewer) if author_has_school => {
            Some(if school { Published } else { SchoolApproved })
        }
        (StepKind::Approve, SchoolApproved, DistrictReviewer) if !school && author_has_school => Some(Published),
        (StepKind::Approve, Submitted, DistrictReviewer) if !school && !author_has_school => Some(Published),

        (StepKind::Reject, Submitted, SchoolReviewer) if author_has_school => Some(Rejected),
        (StepKind::Reject, SchoolApproved, DistrictReviewer) if !school && author_has_school => Some(Rejected),
        (StepKind::Reject, Submitted, DistrictReviewer) if !school && !author_has_school => Some(Rejected),

        (StepKind::Withdraw, Submitted | Published, Author) => Some(Withdrawn),
        (StepKind::Withdraw, SchoolApproved, Author) if !school => Some(Withdrawn),
        (StepKind::Withdraw, Submitted, SchoolReviewer) if author_has_school => Some(Withdrawn),
        (StepKind::Withdraw, Published, SchoolReviewer) if school && author_has_school => Some(Withdrawn),
        (StepKind::Withdraw, SchoolApproved, DistrictReviewer) if !school => Some(Withdrawn),
        (StepKind::Withdraw, Published, DistrictReviewer) => Some(Withdrawn),
        (StepKind::Withdraw, Submitted, DistrictReviewer) if !school && !author_has_school => Some(Withdrawn),

        (StepKind::Revise, Rejected | Withdrawn, Author) => Some(Draft),
        _ => None,
    };
    let Some(next) = next else {
        return Err(WorkflowError::NotAllowed {
            step: step.kind(),
            from: current,
            scope: target_scope,
            author_has_school,
            by,
        });
    };
    if step.reason().is_some_and(str::is_empty) {
        return Err(WorkflowError::ReasonRequired);
    }
    Ok(next)
}

/// A stored file, named by the SHA-256 of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
    /// IANA media type, decided from the content (never the name).
    pub media_type: String,
    /// The name it was uploaded under, for downloads.
    pub file_name: String,
    /// Length of a video, in whole seconds (rounded up).
    pub duration_seconds: Option<u32>,
}

/// One version of a resource's content and where it stands in review. Versions are numbered from
/// 1; a revision of a published resource is the next number, starting at [`ReviewState::Draft`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceVersion {
    pub number: u32,
    pub state: ReviewState,
    pub file: Option<FileRef>,
    pub link_url: Option<String>,
    /// Why the version was returned, while it is [`ReviewState::Rejected`].
    pub reject_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The version everyone who may see the resource sees: the newest published one. Older published
/// versions stay in the history; withdrawing the newest brings the previous published one back,
/// which had passed review too.
pub fn visible_version(versions: &[ResourceVersion]) -> Option<&ResourceVersion> {
    versions.iter().filter(|v| v.state == ReviewState::Published).max_by_key(|v| v.number)
}

/// The number a new version gets.
pub fn next_version_number(versions: &[ResourceVersion]) -> u32 {
    versions.iter().map(|v| v.number).max().map_or(1, |n| n.saturating_add(1))
}

/// Whether the author may start a new version: only when no version is being worked on or
/// reviewed (otherwise they change that one), i.e. the newest is published or withdrawn.
pub fn may_start_new_version(versions: &[ResourceVersion]) -> bool {
    versions
        .iter()
        .max_by_key(|v| v.number)
        .is_some_and(|v| matches!(v.state, ReviewState::Published | ReviewState::Withdrawn))
}

/// The longest micro-lesson, in seconds, that meets the districts' standard (5 minutes).
pub const MICRO_LESSON_MAX_SECONDS: u32 = 5 * 60;

/// Whether a micro-lesson of this length meets the districts' standard of at most 5 minutes.
/// Longer ones are accepted but flagged to author and reviewer.
pub fn is_short_micro_lesson(duration_seconds: u32) -> bool {
    duration_seconds <= MICRO_LESSON_MAX_SECONDS
}

/// The longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 120;

/// A resource in the library: what it is, where it sits in the curriculum, who made it, under
/// which licence, and its current content (a file, or a URL for links).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub title: String,
    pub description: String,
    pub resource_type: ResourceType,
    pub scope: Scope,
    pub stage: Option<Stage>,
    /// Grade 1–12.
    pub grade: Option<u8>,
    pub subject: Option<Subject>,
    /// Textbook edition id.
    pub edition: Option<String>,
    pub volume_id: Option<String>,
    pub chapter_id: Option<String>,
    pub knowledge_points: Vec<String>,
    pub tags: Vec<String>,
    pub author_id: String,
    /// The author's school; `None` for district staff.
    pub school_id: Option<String>,
    /// e.g. `CC BY 4.0`, `自有版权`.
    pub licence: String,
    /// Where it comes from, if not made here, e.g. `国家中小学智慧教育平台`.
    pub source: Option<String>,
    /// The address, for [`ResourceType::Link`] only.
    pub link_url: Option<String>,
    /// The file, for every type but links.
    pub file: Option<FileRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Resource {
    /// Checks the resource is complete and coherent, returning every problem at once.
    pub fn validate(&self) -> Result<(), Vec<DomainError>> {
        let mut problems = Vec::new();
        let mut problem = |reason: String| {
            problems.push(DomainError::Invalid { what: "resource", id: self.id.clone(), reason });
        };
        let title = self.title.trim();
        if title.is_empty() {
            problem("title: must not be empty".into());
        } else if title.chars().count() > TITLE_MAX_CHARS {
            problem(format!("title: {} characters, at most {TITLE_MAX_CHARS}", title.chars().count()));
        }
        if self.licence.trim().is_empty() {
            problem("licence: must be given (e.g. CC BY 4.0, 自有版权)".into());
        }
        if let Some(grade) = self.grade {
            match (Stage::of_grade(grade), self.stage) {
                (None, _) => problem(format!("grade: {grade} is not a grade 1–12")),
                (Some(of_grade), Some(stage)) if of_grade != stage => {
                    problem(format!("grade: grade {grade} is not in stage {}", stage.code()))
                }
                _ => {}
            }
        }
        if self.knowledge_points.iter().chain(&self.tags).any(|t| t.trim().is_empty()) {
            problem("tags and knowledge points must not be empty".into());
        }
        if self.resource_type == ResourceType::Link {
            match self.link_url.as_deref() {
                None => problem("link_url: a link needs its address".into()),
                Some(url) if !is_web_url(url) => {
                    problem(format!("link_url: `{url}` is not an http:// or https:// address"))
                }
                Some(_) => {}
            }
            if self.file.is_some() {
                problem("file: a link carries no file".into());
            }
        } else {
            if self.link_url.is_some() {
                problem("link_url: only links carry an address (put where it came from in source)".into());
            }
            match &self.file {
                None => problem(format!("file: a {} needs its file", self.resource_type.label_en().to_lowercase())),
                Some(file) => check_file(self.resource_type, file, &mut problem),
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}

/// The problems of a file attached to a resource of `resource_type`.
fn check_file(resource_type: ResourceType, file: &FileRef, problem: &mut impl FnMut(String)) {
    if !resource_type.accepts_media_type(&file.media_type) {
        let wanted = match resource_type {
            ResourceType::Courseware => "PowerPoint, PDF or Word",
            ResourceType::LessonPlan => "Word or PDF",
            ResourceType::MicroLesson => "a video (MP4)",
            ResourceType::ExerciseSet => "Word, PDF or Excel",
            ResourceType::Link => "no file",
        };
        problem(format!(
            "file: `{}` is {}, but a {} must be {wanted}",
            file.file_name,
            file.media_type,
            resource_type.label_en().to_lowercase()
        ));
    }
    if file.sha256.len() != 64 || !file.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        problem(format!("file: `{}` is not a lower-case hex SHA-256", file.sha256));
    }
    if file.size == 0 {
        problem(format!("file: `{}` is empty", file.file_name));
    }
    if file.file_name.trim().is_empty() {
        problem("file: the file name must not be empty".into());
    }
}

/// An absolute `http://` or `https://` address with a host and no spaces.
fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    host.is_some_and(|h| !h.is_empty() && !h.starts_with(':'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests;
