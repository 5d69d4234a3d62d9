//! The review workflow against a table written independently of [`transition`], plus versions,
//! validation and the micro-lesson standard.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use chrono::TimeZone;

use super::*;

/// Every allowed step: `state scope author-has-school step capacity → result`, where the school
/// column is `yes`, `no` or `any`, the scope column may be `any`, and the result is the new state or
/// `!code` for a specific refusal. Every combination not matched must be refused as
/// `step_not_allowed`.
const ALLOWED: &str = "
draft           school   yes submit   author            submitted
draft           school   no  submit   author            !no_school
draft           district any submit   author            submitted
rejected        school   yes submit   author            submitted
rejected        school   no  submit   author            !no_school
rejected        district any submit   author            submitted
submitted       school   yes approve  school_reviewer   published
submitted       district yes approve  school_reviewer   school_approved
school_approved district yes approve  district_reviewer published
submitted       district no  approve  district_reviewer published
submitted       school   yes reject   school_reviewer   rejected
submitted       district yes reject   school_reviewer   rejected
school_approved district yes reject   district_reviewer rejected
submitted       district no  reject   district_reviewer rejected
submitted       any      any withdraw author            withdrawn
school_approved district any withdraw author            withdrawn
published       any      any withdraw author            withdrawn
submitted       any      yes withdraw school_reviewer   withdrawn
published       school   yes withdraw school_reviewer   withdrawn
submitted       district no  withdraw district_reviewer withdrawn
school_approved district any withdraw district_reviewer withdrawn
published       any      any withdraw district_reviewer withdrawn
rejected        any      any revise   author            draft
withdrawn       any      any revise   author            draft
";

fn step_of(kind: StepKind, reason: &str) -> Step {
    match kind {
        StepKind::Submit => Step::Submit,
        StepKind::Approve => Step::Approve,
        StepKind::Reject => Step::Reject { reason: reason.to_owned() },
        StepKind::Withdraw => Step::Withdraw,
        StepKind::Revise => Step::Revise,
    }
}

/// The expected outcome from the table, as the new state's code or `!error_code`.
fn expected(state: ReviewState, scope: Scope, has_school: bool, step: StepKind, by: Capacity) -> String {
    let school = if has_school { "yes" } else { "no" };
    let mut matches = ALLOWED.lines().filter(|l| !l.trim().is_empty()).filter_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let fits = |col: &str, value: &str| col == "any" || col == value;
        (cols[0] == state.code()
            && fits(cols[1], scope.code())
            && fits(cols[2], school)
            && cols[3] == step.code()
            && cols[4] == by.code())
        .then(|| cols[5].to_owned())
    });
    let found = matches.next().unwrap_or_else(|| "!step_not_allowed".to_owned());
    assert!(matches.next().is_none(), "two table lines match {state} {scope} {school} {step} {by}");
    found
}

fn outcome(result: Result<ReviewState, WorkflowError>) -> String {
    match result {
        Ok(state) => state.code().to_owned(),
        Err(e) => format!("!{}", e.code()),
    }
}

#[test]
fn every_combination_follows_the_table() {
    let mut allowed = 0;
    let mut checked = 0;
    for &state in ReviewState::ALL {
        for &scope in Scope::ALL {
            for has_school in [true, false] {
                for &kind in StepKind::ALL {
                    for &by in Capacity::ALL {
                        let want = expected(state, scope, has_school, kind, by);
                        let got = outcome(transition(state, scope, has_school, &step_of(kind, "图片版权不明"), by));
                        assert_eq!(got, want, "{state} {scope} school={has_school} {kind} by {by}");
                        // A blank reason is refused exactly where a rejection would be allowed.
                        if kind == StepKind::Reject {
                            let blank = outcome(transition(state, scope, has_school, &step_of(kind, " \n "), by));
                            let want_blank =
                                if want.starts_with('!') { want.clone() } else { "!reason_required".into() };
                            assert_eq!(blank, want_blank, "{state} {scope} school={has_school} blank reject by {by}");
                        }
                        allowed += usize::from(!want.starts_with('!'));
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 6 * 2 * 2 * 5 * 3);
    assert!(allowed > 20 && allowed < checked / 4, "{allowed} allowed of {checked}");
}

#[test]
fn the_two_level_road_to_district_publication() {
    let reason = Step::Reject { reason: "  缺少版权说明 ".into() };
    let mut state = ReviewState::Draft;
    for (step, by, want) in [
        (Step::Submit, Capacity::Author, ReviewState::Submitted),
        (Step::Approve, Capacity::SchoolReviewer, ReviewState::SchoolApproved),
        (reason.clone(), Capacity::DistrictReviewer, ReviewState::Rejected),
        (Step::Revise, Capacity::Author, ReviewState::Draft),
        (Step::Submit, Capacity::Author, ReviewState::Submitted),
        (Step::Approve, Capacity::SchoolReviewer, ReviewState::SchoolApproved),
        (Step::Approve, Capacity::DistrictReviewer, ReviewState::Published),
        (Step::Withdraw, Capacity::DistrictReviewer, ReviewState::Withdrawn),
    ] {
        state = transition(state, Scope::District, true, &step, by).unwrap();
        assert_eq!(state, want);
    }
    assert_eq!(reason.reason(), Some("缺少版权说明"));
    assert_eq!(Step::Approve.reason(), None);
    assert_eq!(reason.verb(), "rejected");
}

#[test]
fn refusals_say_what_was_refused() {
    let err =
        transition(ReviewState::Draft, Scope::School, true, &Step::Approve, Capacity::SchoolReviewer).unwrap_err();
    assert_eq!(
        err,
        WorkflowError::NotAllowed {
            step: StepKind::Approve,
            from: ReviewState::Draft,
            scope: Scope::School,
            author_has_school: true,
            by: Capacity::SchoolReviewer
        }
    );
    assert_eq!(err.to_string(), "a school reviewer may not approve a resource that is draft (publishing to school)");
    assert_eq!(err.message_zh(), "学校审核人不能对“草稿”状态的资源执行“审核通过”");
    // The district never skips the school step for a teacher's resource.
    let skip = transition(ReviewState::Submitted, Scope::District, true, &Step::Approve, Capacity::DistrictReviewer);
    assert!(skip.unwrap_err().to_string().contains("awaiting school review"));
    let no_school = transition(ReviewState::Draft, Scope::School, false, &Step::Submit, Capacity::Author);
    assert_eq!(no_school, Err(WorkflowError::NoSchool));
    assert_eq!(WorkflowError::ReasonRequired.message_zh(), "退回时必须填写理由");
}

#[test]
fn steps_serialize_with_a_tag() {
    let step = Step::Reject { reason: "重复资源".into() };
    let json = serde_json::to_string(&step).unwrap();
    assert_eq!(json, r#"{"step":"reject","reason":"重复资源"}"#);
    assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), step);
    assert_eq!(serde_json::from_str::<Step>(r#"{"step":"submit"}"#).unwrap(), Step::Submit);
    assert_eq!(ReviewState::parse("待区级审核").unwrap(), ReviewState::SchoolApproved);
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 8, 0, 0).unwrap()
}

fn version(number: u32, state: ReviewState) -> ResourceVersion {
    ResourceVersion { number, state, file: None, link_url: None, reject_reason: None, updated_at: at(number) }
}

#[test]
fn a_revision_under_review_leaves_the_published_version_visible() {
    use ReviewState::*;
    assert_eq!(visible_version(&[]), None);
    assert_eq!(next_version_number(&[]), 1);
    assert!(!may_start_new_version(&[]));
    assert_eq!(visible_version(&[version(1, Submitted)]), None);

    let revising = [version(1, Published), version(2, Submitted)];
    assert_eq!(visible_version(&revising).map(|v| v.number), Some(1));
    assert_eq!(next_version_number(&revising), 3);
    assert!(!may_start_new_version(&revising), "change the version under review instead");

    let republished = [version(1, Published), version(2, Published)];
    assert_eq!(visible_version(&republished).map(|v| v.number), Some(2));
    assert!(may_start_new_version(&republished));
    // Order of the slice does not matter, numbers do.
    let shuffled = [version(3, Rejected), version(2, Published), version(1, Published)];
    assert_eq!(visible_version(&shuffled).map(|v| v.number), Some(2));
    // Withdrawing the newest brings back the one before.
    let taken_down = [version(1, Published), version(2, Withdrawn)];
    assert_eq!(visible_version(&taken_down).map(|v| v.number), Some(1));
    assert!(may_start_new_version(&taken_down));
}

fn video(seconds: u32) -> FileRef {
    FileRef {
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        size: 4_812_345,
        media_type: "video/mp4".into(),
        file_name: "勾股定理.mp4".into(),
        duration_seconds: Some(seconds),
    }
}

fn micro_lesson() -> Resource {
    Resource {
        id: "res-1".into(),
        title: "勾股定理的证明".into(),
        description: "用赵爽弦图证明勾股定理。".into(),
        resource_type: ResourceType::MicroLesson,
        scope: Scope::District,
        stage: Some(Stage::Junior),
        grade: Some(8),
        subject: Some(Subject::Math),
        edition: Some("pep".into()),
        volume_id: Some("pep-math-8b".into()),
        chapter_id: Some("pep-math-8b-17".into()),
        knowledge_points: vec!["kp-pythagoras".into()],
        tags: vec!["弦图".into()],
        author_id: "acc-teacher".into(),
        school_id: Some("school-1".into()),
        licence: "CC BY 4.0".into(),
        source: None,
        link_url: None,
        file: Some(video(280)),
        created_at: at(1),
        updated_at: at(2),
    }
}

fn reasons(resource: &Resource) -> Vec<String> {
    match resource.validate() {
        Ok(()) => vec![],
        Err(errors) => errors
            .into_iter()
            .map(|e| match e {
                DomainError::Invalid { reason, .. } => reason,
                other => other.to_string(),
            })
            .collect(),
    }
}

#[test]
fn a_complete_resource_validates() {
    assert_eq!(reasons(&micro_lesson()), Vec::<String>::new());
    let link = Resource {
        resource_type: ResourceType::Link,
        file: None,
        link_url: Some("https://basic.smartedu.cn/syncClassroom".into()),
        source: Some("国家中小学智慧教育平台".into()),
        ..micro_lesson()
    };
    assert_eq!(reasons(&link), Vec::<String>::new());
    let courseware = Resource {
        resource_type: ResourceType::Courseware,
        file: Some(FileRef {
            media_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation".into(),
            file_name: "勾股定理.pptx".into(),
            duration_seconds: None,
            ..video(0)
        }),
        ..micro_lesson()
    };
    assert_eq!(reasons(&courseware), Vec::<String>::new());
}

#[test]
fn validation_reports_every_problem() {
    let bad = Resource {
        title: "  ".into(),
        licence: String::new(),
        grade: Some(3),
        tags: vec!["".into()],
        file: Some(FileRef { media_type: "application/pdf".into(), sha256: "ABC".into(), size: 0, ..video(0) }),
        link_url: Some("https://example.org".into()),
        ..micro_lesson()
    };
    let got = reasons(&bad);
    let expected = [
        "title: must not be empty",
        "licence: must be given",
        "grade: grade 3 is not in stage junior",
        "tags and knowledge points must not be empty",
        "link_url: only links carry an address",
        "file: `勾股定理.mp4` is application/pdf, but a micro-lesson must be a video (MP4)",
        "file: `ABC` is not a lower-case hex SHA-256",
        "file: `勾股定理.mp4` is empty",
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (got, want) in got.iter().zip(expected) {
        assert!(got.starts_with(want), "{got} should start with {want}");
    }

    let long = Resource { title: "长".repeat(121), ..micro_lesson() };
    assert_eq!(reasons(&long), ["title: 121 characters, at most 120"]);
    assert_eq!(reasons(&Resource { title: "长".repeat(120), ..micro_lesson() }), Vec::<String>::new());
    assert_eq!(
        reasons(&Resource { grade: Some(13), stage: None, ..micro_lesson() }),
        ["grade: 13 is not a grade 1–12"]
    );
    assert_eq!(reasons(&Resource { file: None, ..micro_lesson() }), ["file: a micro-lesson needs its file"]);
}

#[test]
fn links_need_a_web_address_and_no_file() {
    let link = |url: Option<&str>| Resource {
        resource_type: ResourceType::Link,
        file: None,
        link_url: url.map(str::to_owned),
        ..micro_lesson()
    };
    for good in ["https://basic.smartedu.cn", "HTTP://example.org/a?b=c#d", "http://10.0.0.1:8080/x"] {
        assert_eq!(reasons(&link(Some(good))), Vec::<String>::new(), "{good}");
    }
    for bad in ["ftp://example.org", "javascript:alert(1)", "https://", "https://a b.org", "example.org", "http://:80/"]
    {
        let got = reasons(&link(Some(bad)));
        assert_eq!(got, [format!("link_url: `{bad}` is not an http:// or https:// address")], "{bad}");
    }
    assert_eq!(reasons(&link(None)), ["link_url: a link needs its address"]);
    let with_file = Resource { file: Some(video(10)), ..link(Some("https://example.org")) };
    assert_eq!(reasons(&with_file), ["file: a link carries no file"]);
}

#[test]
fn file_types_fit_resource_types() {
    let pdf = "application/pdf";
    let pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    // (resource type, media type, accepted)
    let table = [
        (ResourceType::Courseware, pptx, true),
        (ResourceType::Courseware, pdf, true),
        (ResourceType::Courseware, "application/vnd.ms-powerpoint", true),
        (ResourceType::Courseware, "video/mp4", false),
        (ResourceType::Courseware, "application/zip", false),
        (ResourceType::LessonPlan, "application/msword", true),
        (ResourceType::LessonPlan, pptx, false),
        (ResourceType::MicroLesson, "video/mp4", true),
        (ResourceType::MicroLesson, "VIDEO/QuickTime", true),
        (ResourceType::MicroLesson, "video/x-matroska", false),
        (ResourceType::MicroLesson, pdf, false),
        (ResourceType::ExerciseSet, xlsx, true),
        (ResourceType::ExerciseSet, "application/pdf; charset=binary", true),
        (ResourceType::ExerciseSet, "image/png", false),
        (ResourceType::Link, pdf, false),
    ];
    for (resource_type, media_type, accepted) in table {
        assert_eq!(resource_type.accepts_media_type(media_type), accepted, "{resource_type} {media_type}");
    }
}

#[test]
fn micro_lessons_of_five_minutes_or_less_meet_the_standard() {
    assert!(is_short_micro_lesson(0));
    assert!(is_short_micro_lesson(299));
    assert!(is_short_micro_lesson(300));
    assert!(!is_short_micro_lesson(301));
    assert!(!is_short_micro_lesson(45 * 60));
}
