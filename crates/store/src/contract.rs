//! The contract suite every storage backend must pass, on real databases.
//!
//! A backend's tests call [`contract_suite!`] with an async expression that yields a fresh, empty
//! store; the macro expands to one `#[tokio::test]` per case below, so a failure names the case.
//! The cases take `Arc<dyn Store>` and know nothing about the backend.

#![allow(clippy::expect_used, reason = "test-support code: a failed expectation is a failed contract case")]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use domain::{
    ActivityRecord, ActorRef, ObjectRef, Roster,
    access::{ResourceKind, Role},
    identity::{AuditAction, AuditEntry, PersonKind, PersonRef, account_id_of, roster_accounts},
};

use crate::{ApiToken, AuditFilter, NoProgress, Session, Store, StoreError};

/// Expands to one test per contract case. `$fresh` is an async expression evaluating to
/// `Option<Arc<dyn store::Store>>`: a new empty database for every case, or `None` when the backend's
/// server is not configured (the harness then says so and the case does nothing).
#[macro_export]
macro_rules! contract_suite {
    ($fresh:expr) => {
        $crate::contract_suite!(@cases $fresh;
            empty_store_is_empty,
            roster_round_trips,
            overview_counts_match_roster,
            invalid_roster_writes_nothing,
            reimport_replaces_and_keeps_counts,
            detail_pages_agree_with_roster,
            unknown_ids_are_none,
            hostile_text_is_data,
            curriculum_round_trips,
            activity_is_appended_in_order,
            accounts_sign_in_by_username_or_unique_phone,
            actor_facts_and_places_follow_the_roster,
            sessions_expire_and_end_everywhere,
            tokens_are_found_by_hash_until_revoked,
            audit_entries_filter_and_stay_in_order,
            items_round_trip_and_move_through_review,
            resources_keep_versions_and_publish_one,
            usage_counts_and_favourites_add_up,
            homework_is_created_listed_and_placed,
            homework_creation_is_all_or_nothing,
            homework_autosaves_add_up_and_submission_happens_once,
            homework_marks_comments_and_release,
            homework_minutes_by_day_and_class_pace,
            learn_responses_fits_and_mastery,
            scans_are_batched_reviewed_once_and_cropped,
            scan_uploads_at_once_are_all_numbered,
            timetables_keep_versions_and_refuse_stale_writes,
            timetable_settings_are_per_school_and_guarded_by_version,
        );
    };
    (@cases $fresh:expr; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let fresh: Option<std::sync::Arc<dyn $crate::Store>> = $fresh.await;
                let Some(store) = fresh else { return };
                $crate::contract::$case(store).await;
            }
        )+
    };
}

/// The small demo district: every kind of school, group, person and link.
pub fn sample_roster() -> Roster {
    let roster = demo::district(&demo::DemoConfig { seed: 7, scale: demo::Scale::Small });
    assert!(!roster.students.is_empty(), "the demo generator returned no students");
    roster
}

/// Sorts every list the way `load_roster` returns it, so rosters compare by content.
pub fn normalised(mut r: Roster) -> Roster {
    r.regions.sort_by(|a, b| a.id.cmp(&b.id));
    r.schools.sort_by(|a, b| a.id.cmp(&b.id));
    r.school_groups.sort_by(|a, b| a.id.cmp(&b.id));
    r.school_years.sort_by(|a, b| a.id.cmp(&b.id));
    r.classes.sort_by(|a, b| a.id.cmp(&b.id));
    r.teachers.sort_by(|a, b| a.id.cmp(&b.id));
    r.students.sort_by(|a, b| a.id.cmp(&b.id));
    r.guardians.sort_by(|a, b| a.id.cmp(&b.id));
    r.teaching_assignments.sort_by(|a, b| {
        (&a.teacher_id, &a.class_id, a.subject.code()).cmp(&(&b.teacher_id, &b.class_id, b.subject.code()))
    });
    r
}

async fn imported(store: &dyn Store) -> Roster {
    let roster = sample_roster();
    store.import_roster(&roster, &NoProgress).await.expect("import the sample roster");
    roster
}

pub async fn empty_store_is_empty(store: Arc<dyn Store>) {
    assert!(store.is_empty().await.expect("is_empty"));
    let overview = store.district_overview().await.expect("overview");
    assert_eq!(overview.totals, crate::Totals::default());
    assert!(overview.schools.is_empty());
    assert_eq!(store.activity_count().await.expect("count"), 0);
}

pub async fn roster_round_trips(store: Arc<dyn Store>) {
    let roster = imported(&*store).await;
    assert!(!store.is_empty().await.expect("is_empty"));
    let loaded = store.load_roster().await.expect("load");
    assert_eq!(normalised(loaded), normalised(roster));
}

pub async fn overview_counts_match_roster(store: Arc<dyn Store>) {
    let roster = imported(&*store).await;
    let o = store.district_overview().await.expect("overview");
    assert_eq!(o.totals.schools, roster.schools.len() as u64);
    assert_eq!(o.totals.teaching_points, roster.schools.iter().filter(|s| s.is_teaching_point()).count() as u64);
    assert_eq!(o.totals.classes, roster.classes.len() as u64);
    assert_eq!(o.totals.teachers, roster.teachers.len() as u64);
    assert_eq!(o.totals.students, roster.students.len() as u64);
    assert_eq!(o.totals.guardians, roster.guardians.len() as u64);
    assert_eq!(o.regions.len(), roster.regions.len());
    assert!(o.regions[0].parent_id.is_none(), "regions come root first");
    for s in &o.schools {
        let students = roster.students.iter().filter(|x| x.school_id == s.school.id).count() as u64;
        let classes = roster.classes.iter().filter(|x| x.school_id == s.school.id).count() as u64;
        let teachers = roster.teachers.iter().filter(|x| x.school_id == s.school.id).count() as u64;
        assert_eq!((s.students, s.classes, s.teachers), (students, classes, teachers), "school {}", s.school.id);
        assert_eq!(s.central_school_name.is_some(), s.school.is_teaching_point());
    }
    for g in &o.grades {
        let classes: Vec<_> = roster.classes.iter().filter(|c| c.grade == g.grade).collect();
        let students = roster.students.iter().filter(|s| classes.iter().any(|c| c.id == s.class_id)).count();
        assert_eq!((g.classes, g.students), (classes.len() as u64, students as u64), "grade {}", g.grade);
    }
    let by_stage: u64 = o.count_by_stage().iter().map(|(_, _, students)| students).sum();
    assert_eq!(by_stage, o.totals.students);
    let by_kind: u64 = o.count_by_kind().iter().map(|(_, n)| n).sum();
    assert_eq!(by_kind, o.totals.schools);
}

pub async fn invalid_roster_writes_nothing(store: Arc<dyn Store>) {
    let mut roster = sample_roster();
    let last = roster.students.len() - 1;
    roster.students[last].class_id = "no-such-class".into();
    let err = store.import_roster(&roster, &NoProgress).await.expect_err("dangling class must be refused");
    match err {
        StoreError::Invalid(errors) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].to_string().contains("no-such-class"), "{}", errors[0]);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(store.is_empty().await.expect("is_empty"));
    assert_eq!(store.load_roster().await.expect("load"), Roster::default());
}

pub async fn reimport_replaces_and_keeps_counts(store: Arc<dyn Store>) {
    let mut roster = imported(&*store).await;
    roster.schools[0].name = "改名后的学校".into();
    roster.teachers[0].subjects.reverse();
    let first_class = roster.classes[0].id.clone();
    // The class loses one assignment: after re-import the class has exactly the imported set.
    let removed = roster.teaching_assignments.iter().position(|a| a.class_id == first_class).expect("an assignment");
    roster.teaching_assignments.remove(removed);
    store.import_roster(&roster, &NoProgress).await.expect("re-import");
    assert_eq!(normalised(store.load_roster().await.expect("load")), normalised(roster.clone()));
    let o = store.district_overview().await.expect("overview");
    assert_eq!(o.totals.students, roster.students.len() as u64);
}

pub async fn detail_pages_agree_with_roster(store: Arc<dyn Store>) {
    let roster = imported(&*store).await;
    for school in &roster.schools {
        let d = store.school_detail(&school.id).await.expect("school").expect("school exists");
        assert_eq!(d.summary.school, *school);
        let classes: Vec<_> = roster.classes.iter().filter(|c| c.school_id == school.id).collect();
        assert_eq!(d.classes.len(), classes.len());
        let points = roster.schools.iter().filter(|s| s.central_school_id.as_ref() == Some(&school.id)).count();
        assert_eq!(d.teaching_points.len(), points);
        let groups = roster
            .school_groups
            .iter()
            .filter(|g| g.lead_school_id == school.id || g.member_school_ids.contains(&school.id))
            .count();
        assert_eq!(d.groups.len(), groups);
        assert!(d.classes.windows(2).all(|w| w[0].class.grade <= w[1].class.grade), "classes ordered by grade");
    }
    let class = &roster.classes[0];
    let d = store.class_detail(&class.id).await.expect("class").expect("class exists");
    let students: Vec<_> = roster.students.iter().filter(|s| s.class_id == class.id).collect();
    assert_eq!(d.students.len(), students.len());
    for (s, guardians) in &d.students {
        let expected = roster.guardians.iter().filter(|g| g.students.iter().any(|l| l.student_id == s.id)).count();
        assert_eq!(guardians.len(), expected, "guardians of {}", s.id);
    }
    let assignments = roster.teaching_assignments.iter().filter(|a| a.class_id == class.id).count();
    assert_eq!(d.teachers.len(), assignments);
    assert_eq!(d.head_teacher_name.is_some(), class.head_teacher_id.is_some());

    let teacher = &roster.teachers[0];
    let d = store.teacher_detail(&teacher.id).await.expect("teacher").expect("teacher exists");
    assert_eq!(d.teacher, *teacher);
    let taught = roster.teaching_assignments.iter().filter(|a| a.teacher_id == teacher.id).count();
    assert_eq!(d.taught.len(), taught);
    let head_of = roster.classes.iter().filter(|c| c.head_teacher_id.as_ref() == Some(&teacher.id)).count();
    assert_eq!(d.head_of.len(), head_of);

    let groups = store.school_groups().await.expect("groups");
    assert_eq!(groups.len(), roster.school_groups.len());
    for g in &groups {
        let original = roster.school_groups.iter().find(|x| x.id == g.id).expect("group");
        assert_eq!(g.members.len(), original.member_school_ids.len());
    }
}

pub async fn unknown_ids_are_none(store: Arc<dyn Store>) {
    imported(&*store).await;
    assert!(store.school_detail("nope").await.expect("school").is_none());
    assert!(store.class_detail("nope").await.expect("class").is_none());
    assert!(store.teacher_detail("nope").await.expect("teacher").is_none());
    assert!(store.volume_detail("nope").await.expect("volume").is_none());
}

pub async fn hostile_text_is_data(store: Arc<dyn Store>) {
    let mut roster = sample_roster();
    let hostile = "'); DROP TABLE schools; -- <script>alert(1)</script> 学校\"名\"";
    roster.schools[0].name = hostile.into();
    roster.students[0].name = "Robert'); DELETE FROM students;--".into();
    store.import_roster(&roster, &NoProgress).await.expect("import");
    let d = store.school_detail(&roster.schools[0].id).await.expect("school").expect("exists");
    assert_eq!(d.summary.school.name, hostile);
    assert_eq!(normalised(store.load_roster().await.expect("load")), normalised(roster));
}

pub async fn curriculum_round_trips(store: Arc<dyn Store>) {
    let curriculum = demo::curriculum();
    assert!(!curriculum.knowledge_points.is_empty(), "the demo curriculum is empty");
    store.import_curriculum(&curriculum, &NoProgress).await.expect("import");
    let mut loaded = store.load_curriculum().await.expect("load");
    let mut expected = curriculum.clone();
    for c in [&mut loaded, &mut expected] {
        c.editions.sort_by(|a, b| a.id.cmp(&b.id));
        c.volumes.sort_by(|a, b| a.id.cmp(&b.id));
        c.nodes.sort_by(|a, b| a.id.cmp(&b.id));
        c.knowledge_points.sort_by(|a, b| a.id.cmp(&b.id));
    }
    assert_eq!(loaded, expected);

    let volumes = store.volumes().await.expect("volumes");
    assert_eq!(volumes.len(), curriculum.volumes.len());
    let rich = volumes.iter().max_by_key(|v| v.knowledge_points).expect("a volume");
    let d = store.volume_detail(&rich.volume.id).await.expect("detail").expect("exists");
    assert_eq!(d.knowledge_points.len() as u64, rich.knowledge_points);
    // Reading order: every node comes after its parent.
    for (i, n) in d.nodes.iter().enumerate() {
        if let Some(p) = &n.parent_id {
            let at = d.nodes.iter().position(|x| &x.id == p).expect("parent in volume");
            assert!(at < i, "{} before its parent", n.id);
        }
    }
    // Importing again changes nothing.
    store.import_curriculum(&curriculum, &NoProgress).await.expect("re-import");
    assert_eq!(store.volumes().await.expect("volumes"), volumes);
}

pub async fn activity_is_appended_in_order(store: Arc<dyn Store>) {
    let record = |i: u32| ActivityRecord {
        actor: ActorRef { kind: "teacher".into(), id: format!("t-{i}") },
        verb: "viewed".into(),
        object: ObjectRef { kind: "resource".into(), id: format!("res-{i}") },
        school_id: Some("sch-0001".into()),
        class_id: i.is_multiple_of(2).then(|| "cls-1".into()),
        result: i.is_multiple_of(3).then(|| serde_json::json!({"score": i, "success": true, "note": "满分"})),
        timestamp: Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, i).single().expect("valid time"),
    };
    let first: Vec<_> = (0..10).map(record).collect();
    store.append_activity(&first).await.expect("append");
    store.append_activity(&[record(10)]).await.expect("append one");
    assert_eq!(store.activity_count().await.expect("count"), 11);
    let recent = store.recent_activity(3).await.expect("recent");
    assert_eq!(recent, vec![record(10), record(9), record(8)]);
}

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 0).single().expect("valid time")
}

async fn with_accounts(store: &dyn Store) -> Roster {
    let roster = imported(store).await;
    let (accounts, assignments) = roster_accounts(&roster, at(0));
    store.add_accounts(&accounts, &assignments, &NoProgress).await.expect("add accounts");
    roster
}

pub async fn accounts_sign_in_by_username_or_unique_phone(store: Arc<dyn Store>) {
    let roster = with_accounts(&*store).await;
    let teacher = &roster.teachers[0];
    let account = store.account_by_login(&teacher.id).await.expect("by username").expect("teacher account");
    assert_eq!(account.id, account_id_of(&teacher.id));
    assert_eq!(account.person, Some(PersonRef { kind: PersonKind::Teacher, id: teacher.id.clone() }));
    assert!(account.password_hash.is_none() && account.must_change_password);
    let phone = teacher.phone.as_ref().expect("demo teachers have phones");
    assert_eq!(store.account_by_login(phone).await.expect("by phone").map(|a| a.id), Some(account.id.clone()));
    assert!(store.account_by_login("nobody").await.expect("unknown").is_none());

    store.set_password(&account.id, "$argon2id$fake", false).await.expect("set password");
    // Adding the roster's accounts again keeps the password that was set.
    let (accounts, assignments) = roster_accounts(&roster, at(5));
    assert_eq!(store.add_accounts(&accounts, &assignments, &NoProgress).await.expect("re-add"), 0);
    let again = store.account(&account.id).await.expect("account").expect("exists");
    assert_eq!(again.password_hash.as_deref(), Some("$argon2id$fake"));
    assert!(!again.must_change_password);
    store.set_disabled(&account.id, true).await.expect("disable");
    assert!(store.account(&account.id).await.expect("account").expect("exists").disabled);

    let roles = store.role_assignments(&account.id).await.expect("roles");
    assert_eq!(roles.len(), 1);
    assert_eq!((roles[0].role, roles[0].scope_id.as_str()), (Role::Teacher, teacher.school_id.as_str()));
    let in_school =
        store.assignments_in_scopes(std::slice::from_ref(&teacher.school_id), 10_000).await.expect("in scope");
    let teachers_here = roster.teachers.iter().filter(|t| t.school_id == teacher.school_id).count();
    assert_eq!(in_school.len(), teachers_here);
    store.remove_role_assignment(&roles[0].id).await.expect("remove");
    assert!(store.role_assignments(&account.id).await.expect("roles").is_empty());

    // Wildcards are matched literally: `%` finds no one, a name finds its account.
    assert!(store.search_accounts("%", 5).await.expect("search").is_empty());
    let found = store.search_accounts(&roster.students[0].name, 500).await.expect("search");
    assert!(found.iter().any(|a| a.username == roster.students[0].id));
}

pub async fn actor_facts_and_places_follow_the_roster(store: Arc<dyn Store>) {
    let roster = with_accounts(&*store).await;
    let head = roster.classes.iter().find_map(|c| c.head_teacher_id.clone()).expect("a head teacher");
    let facts = store.actor_facts(&PersonRef { kind: PersonKind::Teacher, id: head.clone() }).await.expect("facts");
    let taught = roster.teaching_assignments.iter().filter(|a| a.teacher_id == head).count();
    assert_eq!(facts.taught.len(), taught);
    let headed: Vec<_> = roster.classes.iter().filter(|c| c.head_teacher_id.as_ref() == Some(&head)).collect();
    assert_eq!(facts.head_of.len(), headed.len());
    let guardian = roster.guardians.iter().max_by_key(|g| g.students.len()).expect("a guardian");
    let facts =
        store.actor_facts(&PersonRef { kind: PersonKind::Guardian, id: guardian.id.clone() }).await.expect("facts");
    let children: Vec<_> = guardian.students.iter().map(|l| l.student_id.clone()).collect();
    assert_eq!(facts.children, children);

    let student = &roster.students[0];
    let place = store.place(ResourceKind::Student, &student.id).await.expect("place").expect("exists");
    assert_eq!(place.student_id.as_deref(), Some(student.id.as_str()));
    assert_eq!(place.class_id.as_deref(), Some(student.class_id.as_str()));
    assert_eq!(place.school_id.as_deref(), Some(student.school_id.as_str()));
    assert_eq!(place.regions.len(), roster.regions.len(), "the whole region path, root first");
    assert!(roster.regions.iter().any(|r| r.parent_id.is_none() && r.id == place.regions[0]));
    let group = &roster.school_groups[0];
    for member in &group.member_school_ids {
        let place = store.place(ResourceKind::School, member).await.expect("place").expect("exists");
        assert!(place.groups.contains(&group.id), "{member} is in {}", group.id);
    }
    let lead = store.place(ResourceKind::School, &group.lead_school_id).await.expect("place").expect("exists");
    assert!(lead.groups.contains(&group.id));
    let district = &place.regions[place.regions.len() - 1];
    let d = store.place(ResourceKind::District, district).await.expect("place").expect("exists");
    assert_eq!(d.regions, place.regions);
    for kind in [
        ResourceKind::Student,
        ResourceKind::Class,
        ResourceKind::School,
        ResourceKind::Teacher,
        ResourceKind::Group,
        ResourceKind::District,
    ] {
        assert!(store.place(kind, "nope").await.expect("place").is_none(), "{kind:?}");
    }
}

pub async fn sessions_expire_and_end_everywhere(store: Arc<dyn Store>) {
    let roster = with_accounts(&*store).await;
    let account = account_id_of(&roster.teachers[0].id);
    let session = |hash: &str| Session {
        id_hash: hash.into(),
        account_id: account.clone(),
        csrf_token: format!("csrf-{hash}"),
        created_at: at(0),
        expires_at: at(30),
        ip: Some("127.0.0.1".into()),
        user_agent: Some("test".into()),
    };
    store.create_session(&session("a")).await.expect("create");
    store.create_session(&session("b")).await.expect("create");
    assert_eq!(store.session("a", at(10)).await.expect("get"), Some(session("a")));
    assert!(store.session("a", at(30)).await.expect("get").is_none(), "expired at its end");
    store.delete_session("a").await.expect("delete");
    assert!(store.session("a", at(10)).await.expect("get").is_none());
    assert_eq!(store.delete_sessions_of(&account).await.expect("everywhere"), 1);
    assert!(store.session("b", at(10)).await.expect("get").is_none());
}

pub async fn tokens_are_found_by_hash_until_revoked(store: Arc<dyn Store>) {
    let roster = with_accounts(&*store).await;
    let account = account_id_of(&roster.teachers[0].id);
    let assignment = store.role_assignments(&account).await.expect("roles").remove(0);
    let token = |id: &str, minute: u32| ApiToken {
        id: id.into(),
        account_id: account.clone(),
        assignment_id: assignment.id.clone(),
        name: format!("对接 {id}"),
        token_hash: format!("hash-{id}"),
        created_at: at(minute),
        revoked_at: None,
    };
    store.create_token(&token("t1", 1)).await.expect("create");
    store.create_token(&token("t2", 2)).await.expect("create");
    assert_eq!(store.token_by_hash("hash-t1").await.expect("get"), Some(token("t1", 1)));
    assert!(!store.revoke_token("someone-else", "t1", at(3)).await.expect("revoke"), "only the owner revokes");
    assert!(store.revoke_token(&account, "t1", at(3)).await.expect("revoke"));
    assert!(!store.revoke_token(&account, "t1", at(4)).await.expect("revoke"), "already revoked");
    assert!(store.token_by_hash("hash-t1").await.expect("get").is_none());
    let listed = store.tokens_of(&account).await.expect("list");
    assert_eq!(listed.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["t2", "t1"]);
    assert_eq!(listed[1].revoked_at, Some(at(3)));
    // Removing the assignment removes the tokens bound to it.
    store.remove_role_assignment(&assignment.id).await.expect("remove");
    assert!(store.token_by_hash("hash-t2").await.expect("get").is_none());
}

pub async fn audit_entries_filter_and_stay_in_order(store: Arc<dyn Store>) {
    let entry = |minute: u32, actor: &str, action: AuditAction, target: &str| AuditEntry {
        at: at(minute),
        actor_account_id: Some(actor.into()),
        actor_name: format!("名字{actor}"),
        action,
        target_kind: "student".into(),
        target_id: target.into(),
        school_id: Some("sch-1".into()),
        ip: Some("10.0.0.1".into()),
        detail: (action == AuditAction::Export).then(|| "期末家长会".into()),
    };
    store.append_audit(&entry(1, "a1", AuditAction::ViewStudent, "s1")).await.expect("append");
    store.append_audit(&entry(2, "a2", AuditAction::Reveal, "s1")).await.expect("append");
    store.append_audit(&entry(3, "a1", AuditAction::Export, "s2")).await.expect("append");
    let all = |f: AuditFilter| AuditFilter { limit: 100, ..f };
    let got = store.audit_entries(&all(AuditFilter::default())).await.expect("all");
    assert_eq!(
        got,
        vec![
            entry(3, "a1", AuditAction::Export, "s2"),
            entry(2, "a2", AuditAction::Reveal, "s1"),
            entry(1, "a1", AuditAction::ViewStudent, "s1")
        ]
    );
    let by_actor = store
        .audit_entries(&all(AuditFilter { actor: Some("a1".into()), ..AuditFilter::default() }))
        .await
        .expect("actor");
    assert_eq!(by_actor.len(), 2);
    let by_name = store
        .audit_entries(&all(AuditFilter { actor: Some("名字a2".into()), ..AuditFilter::default() }))
        .await
        .expect("name");
    assert_eq!(by_name.len(), 1);
    let reveals = store
        .audit_entries(&all(AuditFilter { action: Some(AuditAction::Reveal), ..AuditFilter::default() }))
        .await
        .expect("action");
    assert_eq!(reveals, vec![entry(2, "a2", AuditAction::Reveal, "s1")]);
    let target = store
        .audit_entries(&all(AuditFilter { target_id: Some("s1".into()), ..AuditFilter::default() }))
        .await
        .expect("target");
    assert_eq!(target.len(), 2);
    let window = AuditFilter { from: Some(at(2)), to: Some(at(3)), ..AuditFilter::default() };
    assert_eq!(
        store.audit_entries(&all(window)).await.expect("window"),
        vec![entry(2, "a2", AuditAction::Reveal, "s1")]
    );
    let page = store.audit_entries(&AuditFilter { limit: 1, offset: 1, ..AuditFilter::default() }).await.expect("page");
    assert_eq!(page, vec![entry(2, "a2", AuditAction::Reveal, "s1")]);
    let hostile = AuditFilter { actor: Some("' OR 1=1 --".into()), ..AuditFilter::default() };
    assert!(store.audit_entries(&all(hostile)).await.expect("hostile").is_empty());
}

fn bank_item(id: &str, source_id: &str, stem: &str) -> domain::items::Item {
    use domain::items::{AnswerKey, Choice, Item, ItemType};
    Item {
        id: id.to_owned(),
        source: Some("contract".to_owned()),
        source_id: Some(source_id.to_owned()),
        item_type: ItemType::SingleChoice,
        stem: stem.to_owned(),
        choices: ["A", "B"].iter().map(|l| Choice { label: (*l).to_owned(), content: format!("选项{l}") }).collect(),
        answer: AnswerKey::Choices(vec!["A".to_owned()]),
        analysis: "因为 $1+1=2$".to_owned(),
        stage: Some(domain::Stage::Primary),
        grade: Some(3),
        subject: Some(domain::Subject::Math),
        knowledge_points: vec!["kp-1".to_owned()],
        difficulty: Some(2),
        seconds: 60,
        points: Some(5.0),
        tags: vec!["'; DROP TABLE items; --".to_owned()],
    }
}

/// The author and school of library records in the contract cases: the first teacher.
async fn library_author(store: &dyn Store) -> (String, String) {
    let roster = with_accounts(store).await;
    let teacher = &roster.teachers[0];
    (account_id_of(&teacher.id), teacher.school_id.clone())
}

pub async fn items_round_trip_and_move_through_review(store: Arc<dyn Store>) {
    use crate::{NewItem, ReviewFilter};
    use domain::resources::{ReviewState, Scope};
    let (author, school) = library_author(&*store).await;
    let new = |id: &str, state| NewItem {
        item: bank_item(id, &format!("src-{id}"), &format!("题目 {id}：计算 $\\frac{{1}}{{2}}+\\frac{{1}}{{3}}$")),
        state,
        scope: Scope::School,
        school_id: Some(school.clone()),
        author_id: Some(author.clone()),
        at: at(1),
    };
    let items =
        vec![new("i1", ReviewState::Published), new("i2", ReviewState::Submitted), new("i3", ReviewState::Draft)];
    store.import_items(&items, &NoProgress).await.expect("import items");
    assert_eq!(store.item_count().await.expect("count"), 3);
    let got = store.item("i1").await.expect("item").expect("i1 exists");
    assert_eq!(got.item, items[0].item, "an item round-trips whole, hostile tags included");
    assert_eq!((got.state, got.scope, got.uses), (ReviewState::Published, Scope::School, 0));
    assert!(store.item("nope").await.expect("item").is_none());
    let ids = ["i3".to_owned(), "missing".to_owned(), "i1".to_owned()];
    let by_ids: Vec<String> = store.items_by_ids(&ids).await.expect("by ids").into_iter().map(|r| r.item.id).collect();
    assert_eq!(by_ids, ["i3", "i1"], "found ones, in the order asked");
    let page: Vec<String> =
        store.items_after(Some("i1"), 10).await.expect("after").into_iter().map(|r| r.item.id).collect();
    assert_eq!(page, ["i2", "i3"]);

    let queue = |states: Vec<ReviewState>| ReviewFilter {
        states,
        school_ids: vec![school.clone()],
        limit: 10,
        ..ReviewFilter::default()
    };
    let waiting = store.items_for_review(&queue(vec![ReviewState::Submitted])).await.expect("queue");
    assert_eq!(waiting.iter().map(|r| r.item.id.as_str()).collect::<Vec<_>>(), ["i2"]);
    // Compare-and-set: the second reviewer acting on the same state loses.
    assert!(
        store
            .set_item_state("i2", ReviewState::Submitted, ReviewState::Rejected, Some("答案有误"), at(2))
            .await
            .expect("reject")
    );
    assert!(
        !store
            .set_item_state("i2", ReviewState::Submitted, ReviewState::Published, None, at(3))
            .await
            .expect("late approve")
    );
    let rejected = store.item("i2").await.expect("item").expect("i2");
    assert_eq!((rejected.state, rejected.reason.as_deref()), (ReviewState::Rejected, Some("答案有误")));

    // Re-import replaces by id and keeps the count.
    let mut changed = items[2].clone();
    changed.item.stem = "改过的题干".to_owned();
    store.import_items(&[changed], &NoProgress).await.expect("reimport");
    assert_eq!(store.item_count().await.expect("count"), 3);
    assert_eq!(store.item("i3").await.expect("item").expect("i3").item.stem, "改过的题干");

    store.set_item_duplicates("i3", &[("i1".to_owned(), 0.75), ("i2".to_owned(), 0.9)]).await.expect("dups");
    let dups = store.item_duplicates("i3").await.expect("dups");
    assert_eq!(dups.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["i2", "i1"], "most similar first");
    store.set_item_duplicates("i3", &[]).await.expect("clear");
    assert!(store.item_duplicates("i3").await.expect("dups").is_empty());
}

pub async fn resources_keep_versions_and_publish_one(store: Arc<dyn Store>) {
    use crate::{NewResource, ResourceContent, ReviewFilter};
    use domain::resources::{FileRef, ResourceType, ReviewState, Scope};
    let (author, school) = library_author(&*store).await;
    let content = |title: &str| ResourceContent {
        title: title.to_owned(),
        description: "第一课时".to_owned(),
        stage: Some(domain::Stage::Primary),
        grade: Some(3),
        subject: Some(domain::Subject::Math),
        edition_id: None,
        volume_id: None,
        chapter_id: None,
        knowledge_points: vec!["分数的初步认识".to_owned()],
        tags: vec!["公开课".to_owned(), "a,b".to_owned()],
        licence: "CC BY 4.0".to_owned(),
        source: None,
        link_url: None,
        file: Some(FileRef {
            sha256: "ab".repeat(32),
            size: 1234,
            media_type: "application/pdf".to_owned(),
            file_name: "分数.pdf".to_owned(),
            duration_seconds: None,
        }),
    };
    let new = NewResource {
        id: "r1".to_owned(),
        resource_type: ResourceType::Courseware,
        scope: Scope::District,
        author_id: author.clone(),
        school_id: Some(school.clone()),
        content: content("《分数的初步认识》课件"),
        at: at(1),
    };
    store.create_resource(&new).await.expect("create");
    let r = store.resource("r1").await.expect("resource").expect("r1");
    assert_eq!((r.versions.len(), r.published_version), (1, None));
    assert_eq!(r.versions[0].content, new.content, "content round-trips, tags with commas included");
    assert_eq!(r.versions[0].state, ReviewState::Draft);
    assert!(!r.author_name.is_empty() && r.school_name.is_some());

    // A draft can be edited; a submitted version cannot.
    assert!(store.update_resource_draft("r1", 1, &content("改名"), at(2)).await.expect("edit"));
    for (from, to) in [
        (ReviewState::Draft, ReviewState::Submitted),
        (ReviewState::Submitted, ReviewState::SchoolApproved),
        (ReviewState::SchoolApproved, ReviewState::Published),
    ] {
        assert!(store.set_resource_state("r1", 1, from, to, None, at(3)).await.expect("step"));
    }
    assert!(!store.update_resource_draft("r1", 1, &content("x"), at(4)).await.expect("edit published"));
    assert!(
        !store
            .set_resource_state("r1", 1, ReviewState::Draft, ReviewState::Submitted, None, at(4))
            .await
            .expect("stale")
    );
    let r = store.resource("r1").await.expect("resource").expect("r1");
    assert_eq!(r.published().map(|v| v.content.title.as_str()), Some("改名"));

    // A new version starts as a draft while version 1 stays visible.
    assert_eq!(store.add_resource_version("r1", &content("第二版"), at(5)).await.expect("v2"), 2);
    let r = store.resource("r1").await.expect("resource").expect("r1");
    assert_eq!((r.published_version, r.latest().map(|v| v.number)), (Some(1), Some(2)));
    let mine = ReviewFilter { author_id: Some(author.clone()), limit: 10, ..ReviewFilter::default() };
    let listed = store.resources_for_review(&mine).await.expect("mine");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].version, listed[0].state, listed[0].title.as_str()), (2, ReviewState::Draft, "第二版"));
    let queue = ReviewFilter {
        states: vec![ReviewState::Submitted],
        school_ids: vec![school.clone()],
        limit: 10,
        ..ReviewFilter::default()
    };
    assert!(store.resources_for_review(&queue).await.expect("queue").is_empty());

    // Withdrawing the published version leaves nothing visible.
    assert!(
        store
            .set_resource_state("r1", 1, ReviewState::Published, ReviewState::Withdrawn, None, at(6))
            .await
            .expect("withdraw")
    );
    assert_eq!(store.resource("r1").await.expect("resource").expect("r1").published_version, None);
    assert_eq!(store.resources_after(None, 10).await.expect("after").len(), 1);
    assert!(store.resource("nope").await.expect("resource").is_none());
}

pub async fn usage_counts_and_favourites_add_up(store: Arc<dyn Store>) {
    use crate::UsageVerb;
    let (author, school) = library_author(&*store).await;
    let record = |verb: &str| ActivityRecord {
        actor: ActorRef { kind: "account".to_owned(), id: author.clone() },
        verb: verb.to_owned(),
        object: ObjectRef { kind: "resource".to_owned(), id: if verb == "used" { "r8" } else { "r9" }.to_owned() },
        school_id: Some(school.clone()),
        class_id: None,
        result: None,
        timestamp: at(1),
    };
    for _ in 0..3 {
        store
            .record_usage(
                &record("viewed"),
                UsageVerb::Viewed,
                &[("resource", "r9"), ("school", &school), ("account", &author)],
            )
            .await
            .expect("view");
    }
    store.record_usage(&record("downloaded"), UsageVerb::Downloaded, &[("resource", "r9")]).await.expect("download");
    store.record_usage(&record("used"), UsageVerb::Used, &[("resource", "r8")]).await.expect("use");
    let usage = store.usage("resource", "r9").await.expect("usage");
    assert_eq!((usage.views, usage.downloads, usage.uses), (3, 1, 0));
    assert_eq!(store.usage("school", &school).await.expect("school").views, 3);
    assert_eq!(store.activity_about("resource", "r9", 10).await.expect("about").len(), 4, "each use is on record");
    let top = store.top_usage("resource", UsageVerb::Viewed, 5).await.expect("top");
    assert_eq!(top, vec![("r9".to_owned(), 3)]);

    assert!(store.set_favourite(&author, "resource", "r9", true, at(2)).await.expect("fav"));
    assert!(!store.set_favourite(&author, "resource", "r9", true, at(3)).await.expect("fav twice"), "idempotent");
    assert!(store.is_favourite(&author, "resource", "r9").await.expect("is fav"));
    assert_eq!(store.usage("resource", "r9").await.expect("usage").favourites, 1);
    assert_eq!(store.favourites(&author, "resource", 10).await.expect("favs"), ["r9"]);
    assert!(store.set_favourite(&author, "resource", "r9", false, at(4)).await.expect("unfav"));
    assert!(!store.is_favourite(&author, "resource", "r9").await.expect("is fav"));
}

// Homework. The fixtures: one class of the demo roster with at least three students, a teacher of
// that school, and three bank items (60 estimated seconds each) so pace can join them.

struct HomeworkSetup {
    school_id: String,
    class_id: String,
    teacher_id: String,
    students: Vec<String>,
}

async fn homework_setup(store: &dyn Store) -> HomeworkSetup {
    use crate::NewItem;
    use domain::resources::{ReviewState, Scope};
    let roster = with_accounts(store).await;
    let class = roster
        .classes
        .iter()
        .find(|c| roster.students.iter().filter(|s| s.class_id == c.id).count() >= 3)
        .expect("a class with three students");
    let teacher = roster.teachers.iter().find(|t| t.school_id == class.school_id).expect("a teacher of the school");
    let mut students: Vec<String> =
        roster.students.iter().filter(|s| s.class_id == class.id).map(|s| s.id.clone()).collect();
    students.sort();
    students.truncate(3);
    let items: Vec<NewItem> = ["hi1", "hi2", "hi3"]
        .iter()
        .map(|id| NewItem {
            item: bank_item(id, &format!("src-{id}"), &format!("作业题 {id}")),
            state: ReviewState::Published,
            scope: Scope::District,
            school_id: None,
            author_id: Some(account_id_of(&teacher.id)),
            at: at(0),
        })
        .collect();
    store.import_items(&items, &NoProgress).await.expect("import items");
    HomeworkSetup {
        school_id: class.school_id.clone(),
        class_id: class.id.clone(),
        teacher_id: teacher.id.clone(),
        students,
    }
}

/// 2026-11-`day` at `hour`:00 UTC (China time is eight hours later).
fn day_at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).single().expect("valid time")
}

/// A regular math homework with items hi1 (2 points), hi2 (3) and hi3 (5), due on `due`.
fn homework_of(setup: &HomeworkSetup, id: &str, due: chrono::DateTime<Utc>) -> domain::homework::Homework {
    use domain::homework::{Homework, HomeworkItem, HomeworkKind, Mode};
    Homework {
        id: id.to_owned(),
        title: format!("分数练习 {id}"),
        kind: HomeworkKind::Regular,
        follow_up_of: None,
        subject: domain::Subject::Math,
        school_id: setup.school_id.clone(),
        class_id: setup.class_id.clone(),
        teacher_id: setup.teacher_id.clone(),
        mode: Mode::Online,
        open_at: at(0),
        due_at: due,
        allow_late: true,
        items: [("hi1", 2.0), ("hi2", 3.0), ("hi3", 5.0)]
            .iter()
            .map(|(item, points)| {
                let mut item = HomeworkItem::new(*item, *points);
                // A rubric and grading options of its own ride along with the item (the
                // round-trip below checks they are stored).
                if item.item_id == "hi3" {
                    item.rubric = vec![
                        domain::homework::RubricPoint { text: "列出方程".to_owned(), points: 2.0 },
                        domain::homework::RubricPoint { text: "解得 x = 2".to_owned(), points: 3.0 },
                    ];
                    item.grading.numeric_equivalence = false;
                }
                item
            })
            .collect(),
        minutes: 20,
        instructions: "先复习课本第 12 页".to_owned(),
        created_at: at(0),
        released_at: None,
    }
}

fn everyone(setup: &HomeworkSetup) -> Vec<crate::Assignee> {
    setup.students.iter().map(|s| crate::Assignee { student_id: s.clone(), items: None }).collect()
}

fn homework_record(verb: &str, actor: &str, homework_id: &str, when: chrono::DateTime<Utc>) -> ActivityRecord {
    ActivityRecord {
        actor: ActorRef { kind: "student".to_owned(), id: actor.to_owned() },
        verb: verb.to_owned(),
        object: ObjectRef { kind: "homework".to_owned(), id: homework_id.to_owned() },
        school_id: None,
        class_id: None,
        result: None,
        timestamp: when,
    }
}

fn response(text: &str) -> domain::grading::Response {
    domain::grading::Response::Text(text.to_owned())
}

fn answer_of(item: &str, text: &str, seconds: u32, when: chrono::DateTime<Utc>) -> domain::homework::Answer {
    domain::homework::Answer {
        item_id: item.to_owned(),
        response: response(text),
        seconds,
        answered_at: when,
        mark: None,
    }
}

fn graded(
    item: &str,
    text: &str,
    seconds: u32,
    outcome: domain::grading::Outcome,
    score: f32,
    max: f32,
) -> domain::homework::Answer {
    let mark = domain::homework::Mark { score, max, outcome, marked_by: None, comment: None };
    domain::homework::Answer { mark: Some(mark), ..answer_of(item, text, seconds, at(30)) }
}

fn start(homework_id: &str, student: &str, when: chrono::DateTime<Utc>) -> crate::HomeworkWrite {
    crate::HomeworkWrite::Start {
        homework_id: homework_id.to_owned(),
        student_id: student.to_owned(),
        at: when,
        activity: homework_record("opened", student, homework_id, when),
    }
}

fn save(homework_id: &str, student: &str, answer: domain::homework::Answer, position: u32) -> crate::HomeworkWrite {
    crate::HomeworkWrite::SaveAnswer {
        homework_id: homework_id.to_owned(),
        student_id: student.to_owned(),
        activity: homework_record("answered", student, homework_id, answer.answered_at),
        answer,
        position,
    }
}

fn submit(
    homework_id: &str,
    student: &str,
    key: &str,
    late: bool,
    answers: Vec<domain::homework::Answer>,
) -> crate::HomeworkWrite {
    crate::HomeworkWrite::Submit {
        homework_id: homework_id.to_owned(),
        student_id: student.to_owned(),
        key: key.to_owned(),
        at: at(30),
        late,
        answers,
        activity: homework_record("submitted", student, homework_id, at(30)),
    }
}

/// The usual final sheet: hi1 right (2/2), hi2 wrong (0/3), hi3 an open answer for the teacher
/// (with a provisional point that must not count until the teacher marks it).
fn usual_sheet() -> Vec<domain::homework::Answer> {
    use domain::grading::Outcome;
    vec![
        graded("hi1", "A", 30, Outcome::Correct, 2.0, 2.0),
        graded("hi2", "B", 20, Outcome::Wrong, 0.0, 3.0),
        graded("hi3", "因为分母相同", 0, Outcome::NeedsTeacher, 1.0, 5.0),
    ]
}

async fn apply(store: &dyn Store, writes: Vec<crate::HomeworkWrite>) -> Vec<crate::WriteOutcome> {
    let outcomes = store.apply_homework_writes(&writes).await.expect("apply writes");
    assert_eq!(outcomes.len(), writes.len(), "one outcome per write");
    outcomes
}

pub async fn homework_is_created_listed_and_placed(store: Arc<dyn Store>) {
    use crate::{Assignee, HomeworkFilter, WriteOutcome::*};
    use domain::homework::{HomeworkItem, HomeworkKind, SubmissionState};
    let setup = homework_setup(&*store).await;
    let [s1, s2, s3] = [0, 1, 2].map(|i| setup.students[i].clone());
    let first = homework_of(&setup, "hw-a", day_at(23, 12));
    let later = homework_of(&setup, "hw-b", day_at(24, 12));
    // A targeted follow-up: the second student gets only hi2, worth 4.
    let own = vec![HomeworkItem::new("hi2", 4.0)];
    let follow_up = domain::homework::Homework {
        kind: HomeworkKind::FollowUp,
        follow_up_of: Some("hw-a".to_owned()),
        ..homework_of(&setup, "hw-c", day_at(22, 12))
    };
    let created = vec![homework_record("assigned", &setup.teacher_id, "hw-a", at(0)); 3];
    store
        .create_homework(
            &[
                (first.clone(), everyone(&setup)),
                (later.clone(), everyone(&setup)),
                (follow_up.clone(), vec![Assignee { student_id: s2.clone(), items: Some(own.clone()) }]),
            ],
            &created,
        )
        .await
        .expect("create");
    assert_eq!(store.activity_count().await.expect("count"), 3, "the records are written with the homework");
    assert_eq!(store.homework("hw-a").await.expect("get"), Some(first.clone()), "homework round-trips");
    assert!(store.homework("nope").await.expect("get").is_none());

    let mine = HomeworkFilter { class_ids: vec![setup.class_id.clone()], limit: 10, ..HomeworkFilter::default() };
    let listed = store.homework_list(&mine).await.expect("list");
    let ids: Vec<&str> = listed.iter().map(|s| s.homework.id.as_str()).collect();
    assert_eq!(ids, ["hw-b", "hw-a", "hw-c"], "latest due first");
    assert!(!listed[0].class_name.is_empty());
    assert_eq!((listed[1].students, listed[1].started, listed[1].submitted, listed[1].mean_percent), (3, 0, 0, None));
    assert_eq!(listed[2].students, 1);

    // One student opens it, one saves an answer, one submits late with an answer for the teacher.
    let outcomes = apply(
        &*store,
        vec![
            start("hw-a", &s1, at(10)),
            save("hw-a", &s2, answer_of("hi1", "A", 15, at(11)), 1),
            submit("hw-a", &s3, "k3", true, usual_sheet()),
        ],
    )
    .await;
    assert_eq!(outcomes, [Done, Done, Done]);
    let summary = store.homework_list(&mine).await.expect("list").remove(1);
    assert_eq!(summary.homework.id, "hw-a");
    assert_eq!(
        (summary.students, summary.started, summary.submitted, summary.late, summary.to_mark),
        (3, 3, 1, 1, 1),
        "counts over the class"
    );
    let mean = summary.mean_percent.expect("a mean over submitted work");
    assert!((mean - 20.0).abs() < 1e-3, "2 of 10 points: {mean}");

    // Filters.
    let by = |f: HomeworkFilter| {
        let store = store.clone();
        async move {
            let f = HomeworkFilter { limit: 10, ..f };
            store.homework_list(&f).await.expect("list").into_iter().map(|s| s.homework.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        by(HomeworkFilter { teacher_id: Some(setup.teacher_id.clone()), ..HomeworkFilter::default() }).await.len(),
        3
    );
    assert!(by(HomeworkFilter { teacher_id: Some("nobody".into()), ..HomeworkFilter::default() }).await.is_empty());
    assert_eq!(
        by(HomeworkFilter { school_id: Some(setup.school_id.clone()), ..HomeworkFilter::default() }).await.len(),
        3
    );
    assert_eq!(by(HomeworkFilter { kind: Some(HomeworkKind::FollowUp), ..HomeworkFilter::default() }).await, ["hw-c"]);
    assert!(
        by(HomeworkFilter { subject: Some(domain::Subject::Chinese), ..HomeworkFilter::default() }).await.is_empty()
    );
    assert!(
        by(HomeworkFilter { class_ids: vec!["no-such-class".into()], ..HomeworkFilter::default() }).await.is_empty()
    );
    let window =
        HomeworkFilter { due_from: Some(day_at(23, 12)), due_to: Some(day_at(24, 12)), ..HomeworkFilter::default() };
    assert_eq!(by(window).await, ["hw-a"], "due_from inclusive, due_to exclusive");
    let one = HomeworkFilter { limit: 1, ..HomeworkFilter::default() };
    assert_eq!(store.homework_list(&one).await.expect("list").len(), 1);

    // The follow-up's student has their own items and maximum.
    let own_work = store.submission("hw-c", &s2).await.expect("get").expect("assigned");
    assert_eq!((own_work.state, own_work.items), (SubmissionState::Assigned, Some(own)));
    let theirs = store.student_homework(&s2, 10).await.expect("student");
    let ids: Vec<&str> = theirs.iter().map(|h| h.homework.id.as_str()).collect();
    assert_eq!(ids, ["hw-b", "hw-a", "hw-c"]);
    assert_eq!((theirs[2].max, theirs[2].score), (4.0, None));
    assert_eq!((theirs[1].state, theirs[1].seconds, theirs[1].score), (SubmissionState::Started, 15, None));
    let submitted = store.student_homework(&s3, 10).await.expect("student");
    let hw_a = submitted.iter().find(|h| h.homework.id == "hw-a").expect("hw-a");
    assert_eq!(
        (hw_a.state, hw_a.score, hw_a.max, hw_a.pending, hw_a.late),
        (SubmissionState::Submitted, Some(2.0), 10.0, 1, true)
    );
    assert_eq!(hw_a.seconds, 50);
    assert!(store.student_homework("nobody", 10).await.expect("student").is_empty());

    // Access control finds a homework's school and class.
    let place = store.place(ResourceKind::Homework, "hw-a").await.expect("place").expect("exists");
    assert_eq!(place.school_id.as_deref(), Some(setup.school_id.as_str()));
    assert_eq!(place.class_id.as_deref(), Some(setup.class_id.as_str()));
    assert!(!place.regions.is_empty());
    assert!(store.place(ResourceKind::Homework, "nope").await.expect("place").is_none());
}

pub async fn homework_creation_is_all_or_nothing(store: Arc<dyn Store>) {
    let setup = homework_setup(&*store).await;
    let good = homework_of(&setup, "hw-good", day_at(23, 12));
    let bad = domain::homework::Homework {
        class_id: "no-such-class".into(),
        ..homework_of(&setup, "hw-bad", day_at(23, 12))
    };
    let records = vec![homework_record("assigned", &setup.teacher_id, "hw-good", at(0))];
    let before = store.activity_count().await.expect("count");
    store
        .create_homework(&[(good.clone(), everyone(&setup)), (bad, everyone(&setup))], &records)
        .await
        .expect_err("an unknown class is refused");
    assert!(store.homework("hw-good").await.expect("get").is_none(), "the valid homework was rolled back");
    assert!(store.submission("hw-good", &setup.students[0]).await.expect("get").is_none());
    assert_eq!(store.activity_count().await.expect("count"), before);
    // An unknown student fails the same way.
    let stranger = vec![crate::Assignee { student_id: "no-such-student".into(), items: None }];
    store.create_homework(&[(good, stranger)], &records).await.expect_err("an unknown student is refused");
    assert!(store.homework("hw-good").await.expect("get").is_none());
    assert_eq!(store.activity_count().await.expect("count"), before);
}

pub async fn homework_autosaves_add_up_and_submission_happens_once(store: Arc<dyn Store>) {
    use crate::WriteOutcome::*;
    use domain::homework::SubmissionState;
    let setup = homework_setup(&*store).await;
    let [s1, s2] = [0, 1].map(|i| setup.students[i].clone());
    store.create_homework(&[(homework_of(&setup, "hw", day_at(23, 12)), everyone(&setup))], &[]).await.expect("create");

    assert_eq!(
        apply(&*store, vec![start("hw", &s1, at(10)), start("hw", "nobody", at(10))]).await,
        [Done, NotAssigned]
    );
    assert_eq!(apply(&*store, vec![start("hw", &s1, at(12))]).await, [Done], "opening again is fine");
    let work = store.submission("hw", &s1).await.expect("get").expect("assigned");
    assert_eq!((work.state, work.started_at), (SubmissionState::Started, Some(at(10))), "first opening kept");

    // Three autosaves of one item, in two batches: the response is replaced, the seconds add up.
    assert_eq!(apply(&*store, vec![save("hw", &s1, answer_of("hi1", "B", 10, at(13)), 0)]).await, [Done]);
    let outcomes = apply(
        &*store,
        vec![
            save("hw", &s1, answer_of("hi1", "X", 5, at(13)), 0),
            save("hw", &s1, answer_of("hi1", "A", 10, at(14)), 1),
            save("hw", &s1, answer_of("hi2", "C", 5, at(15)), 2),
            save("hw", "nobody", answer_of("hi1", "A", 5, at(15)), 0),
        ],
    )
    .await;
    assert_eq!(outcomes, [Done, Done, Done, NotAssigned]);
    let work = store.submission("hw", &s1).await.expect("get").expect("assigned");
    assert_eq!(work.position, 2);
    assert_eq!(work.answers, vec![answer_of("hi1", "A", 25, at(14)), answer_of("hi2", "C", 5, at(15))]);
    assert_eq!(work.seconds(), 30);
    // An autosave without a Start starts the work too.
    assert_eq!(apply(&*store, vec![save("hw", &s2, answer_of("hi1", "A", 5, at(16)), 0)]).await, [Done]);
    let other = store.submission("hw", &s2).await.expect("get").expect("assigned");
    assert_eq!((other.state, other.started_at), (SubmissionState::Started, Some(at(16))));

    // Submitted with key k1; a retry with k1 is acknowledged and changes nothing, k2 is refused,
    // and so is an autosave after submission: all in one batch, applied in order.
    let records_before = store.activity_count().await.expect("count");
    let outcomes = apply(
        &*store,
        vec![
            submit("hw", &s1, "k1", false, usual_sheet()),
            submit("hw", &s1, "k1", false, vec![graded("hi1", "Z", 99, domain::grading::Outcome::Wrong, 0.0, 2.0)]),
            submit("hw", &s1, "k2", true, Vec::new()),
            save("hw", &s1, answer_of("hi1", "D", 5, at(40)), 0),
            submit("hw", "nobody", "k1", false, usual_sheet()),
        ],
    )
    .await;
    assert_eq!(outcomes, [Done, Done, AlreadySubmitted, AlreadySubmitted, NotAssigned]);
    assert_eq!(store.activity_count().await.expect("count"), records_before + 1, "one record for one submission");
    let work = store.submission("hw", &s1).await.expect("get").expect("assigned");
    assert_eq!((work.state, work.submitted_at, work.late), (SubmissionState::Submitted, Some(at(30)), false));
    // The final sheet replaces the saved answers, seconds included.
    assert_eq!(work.answers.len(), 3);
    assert_eq!(work.answer("hi1"), Some(&usual_sheet()[0]));
    assert_eq!(work.seconds(), 50);

    // The same replay in a later batch is still only acknowledged.
    assert_eq!(apply(&*store, vec![submit("hw", &s1, "k1", false, Vec::new())]).await, [Done]);
    assert_eq!(store.activity_count().await.expect("count"), records_before + 1);
    assert_eq!(store.submission("hw", &s1).await.expect("get").expect("assigned"), work);
    assert_eq!(store.apply_homework_writes(&[]).await.expect("nothing"), Vec::new());

    // The whole class's work, each with their own answers.
    let all = store.submissions("hw").await.expect("all");
    let students: Vec<&str> = all.iter().map(|w| w.student_id.as_str()).collect();
    assert_eq!(students, setup.students.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(all[0], work);
    assert_eq!(all[1], other);
    assert!(all[2].answers.is_empty() && all[2].state == SubmissionState::Assigned);
    assert!(store.submissions("nope").await.expect("none").is_empty());

    // Autosaves of several students in one batch share one statement, yet each is decided on its
    // own, in order: a submitted or unassigned one is refused, a student seen twice adds up.
    let s3 = setup.students[2].clone();
    let records_before = store.activity_count().await.expect("count");
    let outcomes = apply(
        &*store,
        vec![
            save("hw", &s2, answer_of("hi2", "B", 7, at(41)), 3),
            save("hw", &s1, answer_of("hi2", "E", 5, at(41)), 1),
            save("hw", "nobody", answer_of("hi1", "A", 5, at(41)), 0),
            save("hw", &s3, answer_of("hi1", "C", 4, at(42)), 1),
            save("hw", &s2, answer_of("hi2", "D", 2, at(43)), 4),
        ],
    )
    .await;
    assert_eq!(outcomes, [Done, AlreadySubmitted, NotAssigned, Done, Done]);
    assert_eq!(store.activity_count().await.expect("count"), records_before + 3, "a record per accepted save");
    assert_eq!(store.submission("hw", &s1).await.expect("get").expect("assigned"), work, "submitted work unchanged");
    let other = store.submission("hw", &s2).await.expect("get").expect("assigned");
    assert_eq!(other.position, 4);
    assert_eq!(other.answers, vec![answer_of("hi1", "A", 5, at(16)), answer_of("hi2", "D", 9, at(43))]);
    let third = store.submission("hw", &s3).await.expect("get").expect("assigned");
    assert_eq!((third.state, third.started_at, third.position), (SubmissionState::Started, Some(at(42)), 1));
    assert_eq!(third.answers, vec![answer_of("hi1", "C", 4, at(42))]);
}

pub async fn homework_marks_comments_and_release(store: Arc<dyn Store>) {
    use crate::WriteOutcome::*;
    use domain::{grading::Outcome, homework::Mark};
    let setup = homework_setup(&*store).await;
    let [s1, s2] = [0, 1].map(|i| setup.students[i].clone());
    store.create_homework(&[(homework_of(&setup, "hw", day_at(23, 12)), everyone(&setup))], &[]).await.expect("create");
    let teacher_mark = |score: f32, max: f32, outcome| Mark {
        score,
        max,
        outcome,
        marked_by: Some(setup.teacher_id.clone()),
        comment: Some("过程清楚".to_owned()),
    };
    let mark = |student: &str, item: &str, m: Mark| crate::HomeworkWrite::Mark {
        homework_id: "hw".to_owned(),
        student_id: student.to_owned(),
        item_id: item.to_owned(),
        mark: m,
        activity: homework_record("marked", &setup.teacher_id, "hw", at(50)),
    };
    let comment = |student: &str, text: Option<&str>| crate::HomeworkWrite::Comment {
        homework_id: "hw".to_owned(),
        student_id: student.to_owned(),
        comment: text.map(str::to_owned),
    };
    // Only the first student submits (hi1 only answered by s2 in an autosave).
    let outcomes = apply(
        &*store,
        vec![
            submit("hw", &s1, "k1", false, usual_sheet()),
            save("hw", &s2, answer_of("hi1", "A", 5, at(20)), 0),
            mark(&s2, "hi1", teacher_mark(2.0, 2.0, Outcome::Correct)),
            mark("nobody", "hi1", teacher_mark(2.0, 2.0, Outcome::Correct)),
        ],
    )
    .await;
    assert_eq!(outcomes, [Done, Done, NotSubmitted, NotAssigned]);
    let status = |student: String| {
        let store = store.clone();
        async move {
            let all = store.student_homework(&student, 10).await.expect("student");
            let h = all.into_iter().next().expect("one homework");
            (h.score, h.pending)
        }
    };
    assert_eq!(status(s1.clone()).await, (Some(2.0), 1));
    let list = crate::HomeworkFilter { limit: 10, ..crate::HomeworkFilter::default() };
    assert_eq!(store.homework_list(&list).await.expect("list")[0].to_mark, 1);

    // The teacher marks the open answer (4 of 5) and overrides hi2; then marks hi3... and an item
    // the student never answered gets an answer row with its mark.
    let records_before = store.activity_count().await.expect("count");
    let outcomes = apply(
        &*store,
        vec![
            mark(&s1, "hi3", teacher_mark(4.0, 5.0, Outcome::Partial)),
            mark(&s1, "hi2", teacher_mark(1.0, 3.0, Outcome::Partial)),
            mark(&s1, "hi9", teacher_mark(0.0, 1.0, Outcome::Unanswered)),
            comment(&s1, Some("继续努力")),
            comment("nobody", Some("?")),
        ],
    )
    .await;
    assert_eq!(outcomes, [Done, Done, Done, Done, NotAssigned]);
    assert_eq!(store.activity_count().await.expect("count"), records_before + 3, "one record per mark");
    assert_eq!(status(s1.clone()).await, (Some(7.0), 0), "2 + 1 + 4 + 0, nothing pending");
    assert_eq!(store.homework_list(&list).await.expect("list")[0].to_mark, 0);
    let work = store.submission("hw", &s1).await.expect("get").expect("assigned");
    assert_eq!(work.comment.as_deref(), Some("继续努力"));
    let hi3 = work.answer("hi3").expect("answered");
    assert_eq!(hi3.response, response("因为分母相同"), "a mark keeps the response");
    assert_eq!(hi3.mark, Some(teacher_mark(4.0, 5.0, Outcome::Partial)));
    let blank = work.answer("hi9").expect("a row for the unanswered item");
    assert_eq!((&blank.response, blank.seconds), (&response(""), 0));
    assert_eq!(work.seconds(), 50, "marks add no time");
    assert_eq!(apply(&*store, vec![comment(&s1, None)]).await, [Done]);
    assert!(store.submission("hw", &s1).await.expect("get").expect("assigned").comment.is_none());

    // The 错题本 view: answers by outcome, newest first, released or not.
    let ids = vec![s1.clone(), s2.clone()];
    let all = store.answered_items(&ids, &[], 100).await.expect("answered");
    assert_eq!(all.len(), 5, "four answers of s1 and one autosave of s2");
    assert!(all.windows(2).all(|w| w[0].answer.answered_at >= w[1].answer.answered_at), "newest first");
    assert!(all.iter().all(|a| !a.released && a.homework_title == "分数练习 hw"));
    let partial = store.answered_items(&ids, &[Outcome::Partial, Outcome::Wrong], 100).await.expect("partial");
    let mut items: Vec<&str> = partial.iter().map(|a| a.answer.item_id.as_str()).collect();
    items.sort();
    assert_eq!(items, ["hi2", "hi3"]);
    assert!(partial.iter().all(|a| a.student_id == s1 && a.homework_id == "hw"));
    assert_eq!(store.answered_items(&ids, &[], 2).await.expect("limit").len(), 2);
    assert!(store.answered_items(&[], &[], 10).await.expect("nobody").is_empty());

    // Release happens once, with one record.
    let record = homework_record("released", &setup.teacher_id, "hw", at(55));
    let before = store.activity_count().await.expect("count");
    assert!(store.release_homework("hw", at(55), &record).await.expect("release"));
    assert!(!store.release_homework("hw", at(56), &record).await.expect("again"));
    assert!(!store.release_homework("nope", at(56), &record).await.expect("missing"));
    assert_eq!(store.activity_count().await.expect("count"), before + 1);
    assert_eq!(store.homework("hw").await.expect("get").expect("exists").released_at, Some(at(55)));
    let released = store.answered_items(&ids, &[Outcome::Partial], 100).await.expect("answered");
    assert!(released.iter().all(|a| a.released));

    // Autosaves, the submission and a mark of one student's work in one batch: each write sees
    // the ones before it.
    let s3 = setup.students[2].clone();
    let sheet = vec![
        graded("hi1", "A", 30, Outcome::Correct, 2.0, 2.0),
        graded("hi3", "略", 0, Outcome::NeedsTeacher, 0.0, 5.0),
    ];
    let outcomes = apply(
        &*store,
        vec![
            save("hw", &s3, answer_of("hi2", "B", 7, at(21)), 1),
            save("hw", &s3, answer_of("hi2", "C", 8, at(22)), 1),
            submit("hw", &s3, "k3", false, sheet),
            mark(&s3, "hi3", teacher_mark(3.0, 5.0, Outcome::Partial)),
        ],
    )
    .await;
    assert_eq!(outcomes, [Done, Done, Done, Done]);
    let work = store.submission("hw", &s3).await.expect("get").expect("assigned");
    assert_eq!(work.answer("hi2"), Some(&answer_of("hi2", "C", 15, at(22))), "saved, not on the final sheet");
    assert_eq!(work.answer("hi3").and_then(|a| a.mark.clone()), Some(teacher_mark(3.0, 5.0, Outcome::Partial)));
    let theirs = store.student_homework(&s3, 10).await.expect("student").remove(0);
    assert_eq!((theirs.score, theirs.pending, theirs.seconds), (Some(5.0), 0, 45));
}

pub async fn homework_minutes_by_day_and_class_pace(store: Arc<dyn Store>) {
    use domain::grading::Outcome;
    let setup = homework_setup(&*store).await;
    let s1 = setup.students[0].clone();
    // Due 20:00 and 23:30 China time on the 24th, and 01:00 on the 25th (still the 24th in UTC).
    let homework = [
        homework_of(&setup, "hw-24a", day_at(24, 12)),
        domain::homework::Homework {
            minutes: 15,
            ..homework_of(&setup, "hw-24b", day_at(24, 15) + chrono::Duration::minutes(30))
        },
        homework_of(&setup, "hw-25", day_at(24, 17)),
        homework_of(&setup, "hw-22", day_at(22, 12)),
    ];
    let created: Vec<_> = homework.iter().map(|h| (h.clone(), everyone(&setup))).collect();
    store.create_homework(&created, &[]).await.expect("create");
    let date = |day: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, day).expect("date");
    let class = vec![setup.class_id.clone()];
    let rows = store.class_minutes(&class, date(23), date(24)).await.expect("minutes");
    assert_eq!(
        rows.iter().map(|r| (r.homework_id.as_str(), r.date, r.minutes)).collect::<Vec<_>>(),
        [("hw-24a", date(24), 20), ("hw-24b", date(24), 15)]
    );
    assert!(rows.iter().all(|r| r.class_id == setup.class_id && r.subject == domain::Subject::Math));
    assert_eq!(store.class_minutes(&class, date(22), date(25)).await.expect("minutes").len(), 4, "both ends inclusive");
    assert_eq!(store.class_minutes(&class, date(25), date(25)).await.expect("minutes")[0].homework_id, "hw-25");
    assert!(store.class_minutes(&["other".to_owned()], date(22), date(25)).await.expect("minutes").is_empty());
    assert!(store.class_minutes(&[], date(22), date(25)).await.expect("minutes").is_empty());

    // Pace: answers with time only (hi3 took 0 seconds), against 60 estimated seconds each.
    assert_eq!(
        store.class_pace(&setup.class_id, domain::Subject::Math).await.expect("pace"),
        crate::ClassPace::default()
    );
    let outcomes = apply(
        &*store,
        vec![
            submit("hw-24a", &s1, "k", false, usual_sheet()),
            save("hw-24b", &s1, answer_of("hi1", "A", 45, at(20)), 0),
            save("hw-24b", &setup.students[1], graded("hi2", "A", 0, Outcome::Wrong, 0.0, 3.0), 0),
        ],
    )
    .await;
    assert!(outcomes.iter().all(|o| *o == crate::WriteOutcome::Done));
    let pace = store.class_pace(&setup.class_id, domain::Subject::Math).await.expect("pace");
    assert_eq!(pace, crate::ClassPace { actual_seconds: 30 + 20 + 45, estimated_seconds: 180, answers: 3 });
    let none = store.class_pace(&setup.class_id, domain::Subject::English).await.expect("pace");
    assert_eq!(none, crate::ClassPace::default());
    assert_eq!(store.class_pace("other", domain::Subject::Math).await.expect("pace"), crate::ClassPace::default());
}

// The learning engine's data: responses read from marks, fits, mastery.

pub async fn learn_responses_fits_and_mastery(store: Arc<dyn Store>) {
    use domain::grading::Outcome;
    let setup = homework_setup(&*store).await;
    let (s1, s2, s3) = (setup.students[0].clone(), setup.students[1].clone(), setup.students[2].clone());
    store.create_homework(&[(homework_of(&setup, "hw", day_at(23, 12)), everyone(&setup))], &[]).await.expect("create");
    assert!(store.graded_responses(None, 10).await.expect("none yet").is_empty());
    // s1: hi1 right, hi2 wrong, hi3 waiting for the teacher (not a response until marked).
    // s2: only an autosave (not a response). s3: hi1 partly right, hi3 right.
    let sheet3 =
        vec![graded("hi1", "A", 10, Outcome::Partial, 1.0, 2.0), graded("hi3", "B", 10, Outcome::Correct, 5.0, 5.0)];
    let outcomes = apply(
        &*store,
        vec![
            submit("hw", &s1, "k1", false, usual_sheet()),
            save("hw", &s2, answer_of("hi1", "A", 5, at(20)), 0),
            submit("hw", &s3, "k3", false, sheet3),
        ],
    )
    .await;
    assert!(outcomes.iter().all(|o| *o == crate::WriteOutcome::Done));
    assert_eq!(store.graded_response_count().await.expect("count"), 4);
    let all = store.graded_responses(None, 10).await.expect("all");
    let seen: Vec<(&str, &str, bool)> =
        all.iter().map(|r| (r.student_id.as_str(), r.item_id.as_str(), r.correct)).collect();
    assert_eq!(
        seen,
        [
            (s1.as_str(), "hi1", true),
            (s1.as_str(), "hi2", false),
            (s3.as_str(), "hi1", false),
            (s3.as_str(), "hi3", true)
        ]
    );
    assert!(all.iter().all(|r| r.knowledge_points == ["kp-1"] && r.homework_id == "hw"));
    // Paging by student: one student per page.
    let first = store.graded_responses(None, 1).await.expect("page 1");
    assert!(first.iter().all(|r| r.student_id == s1) && first.len() == 2);
    let second = store.graded_responses(Some(&s1), 1).await.expect("page 2");
    assert!(second.iter().all(|r| r.student_id == s3) && second.len() == 2, "s2 has no graded answer");
    assert!(store.graded_responses(Some(&s3), 1).await.expect("page 3").is_empty());
    // The teacher's mark makes hi3 of s1 a response.
    let mark = crate::HomeworkWrite::Mark {
        homework_id: "hw".to_owned(),
        student_id: s1.clone(),
        item_id: "hi3".to_owned(),
        mark: domain::homework::Mark {
            score: 5.0,
            max: 5.0,
            outcome: Outcome::Correct,
            marked_by: None,
            comment: None,
        },
        activity: homework_record("graded", &setup.teacher_id, "hw", at(40)),
    };
    apply(&*store, vec![mark]).await;
    assert_eq!(store.graded_response_count().await.expect("count"), 5);

    // No fit yet; a fit with mastery round-trips.
    assert!(store.latest_learn_fit().await.expect("latest").is_none());
    let fit = |id: &str, minute: u32, auc: Option<f64>| crate::LearnFit {
        summary: crate::LearnFitSummary {
            id: id.to_owned(),
            fitted_at: at(minute),
            responses: 5,
            students: 2,
            knowledge_points: 1,
            items: 3,
            seconds: 0.25,
            metrics: crate::FitMetrics {
                auc,
                rmse: Some(0.4),
                logloss: Some(0.6),
                holdout_responses: 2,
                irt_auc: None,
            },
        },
        bkt: serde_json::json!({ "skills": [{ "name": "kp-1", "prior": 0.3 }], "note": "'; DROP TABLE mastery; --" }),
        irt: None,
    };
    let row = |student: &str, kp: &str, p: f64, n: u32, minute: u32| crate::Mastery {
        student_id: student.to_owned(),
        knowledge_point: kp.to_owned(),
        probability: p,
        responses: n,
        updated_at: at(minute),
    };
    let first_fit = fit("fit-1", 41, Some(0.75));
    store
        .save_learn_fit(&first_fit, &[row(&s1, "kp-1", 0.8, 3, 41), row(&s3, "kp-1", 0.4, 2, 41)], at(40))
        .await
        .expect("save");
    assert_eq!(store.latest_learn_fit().await.expect("latest"), Some(first_fit.clone()));
    let ids = vec![s1.clone(), s2.clone(), s3.clone()];
    assert_eq!(
        store.mastery_of(&ids).await.expect("mastery"),
        [row(&s1, "kp-1", 0.8, 3, 41), row(&s3, "kp-1", 0.4, 2, 41)]
    );
    assert!(store.mastery_of(&[]).await.expect("nobody").is_empty());

    // An online update (the last of two rows for the same point wins) …
    store
        .upsert_mastery(&[row(&s3, "kp-1", 0.5, 3, 50), row(&s3, "kp-1", 0.6, 3, 50), row(&s3, "kp-2", 0.3, 1, 50)])
        .await
        .expect("online");
    // … survives a refit that started before it; rows older than the refit are replaced.
    let second_fit = crate::LearnFit { irt: Some(serde_json::json!({ "items": [] })), ..fit("fit-2", 59, None) };
    store
        .save_learn_fit(&second_fit, &[row(&s1, "kp-1", 0.9, 4, 59), row(&s3, "kp-1", 0.45, 2, 59)], at(45))
        .await
        .expect("refit");
    assert_eq!(
        store.mastery_of(&ids).await.expect("mastery"),
        [row(&s1, "kp-1", 0.9, 4, 59), row(&s3, "kp-1", 0.6, 3, 50), row(&s3, "kp-2", 0.3, 1, 50)]
    );
    assert_eq!(store.latest_learn_fit().await.expect("latest"), Some(second_fit.clone()));
    let history = store.learn_fits(10).await.expect("history");
    assert_eq!(history, [second_fit.summary, first_fit.summary]);
    assert_eq!(store.learn_fits(1).await.expect("one").len(), 1);
}

// Scanned answer sheets: batches, pages moving through their statuses once, crops following the
// page's student.

pub async fn scans_are_batched_reviewed_once_and_cropped(store: Arc<dyn Store>) {
    use crate::{CropKind, ScanBatch, ScanCrop, ScanPage, ScanStatus, SheetRead};
    use domain::homework::paper::PaperAnswer;
    let setup = homework_setup(&*store).await;
    let mut homework = homework_of(&setup, "hw-scan", day_at(20, 12));
    homework.mode = domain::homework::Mode::Paper;
    store.create_homework(&[(homework, everyone(&setup))], &[]).await.expect("create homework");
    let batch = ScanBatch {
        id: "sb-1".to_owned(),
        homework_id: "hw-scan".to_owned(),
        created_by: account_id_of(&setup.teacher_id),
        created_at: at(1),
    };
    store.create_scan_batch(&batch).await.expect("create batch");
    assert_eq!(store.scan_batch("sb-1").await.expect("batch"), Some(batch.clone()));
    assert_eq!(store.scan_batch("sb-none").await.expect("no batch"), None);
    let queued = |name: &str, blob: &str| ScanPage {
        batch_id: String::new(),
        seq: 0,
        file_name: name.to_owned(),
        blob: blob.to_owned(),
        status: ScanStatus::Queued,
        reason: String::new(),
        student_id: None,
        read: None,
        updated_at: at(2),
    };
    let first = store
        .add_scan_pages("sb-1", &[queued("a.jpg", "blob-a"), queued("b.pdf#1", "blob-b")])
        .await
        .expect("add pages");
    assert_eq!(first.iter().map(|p| p.seq).collect::<Vec<_>>(), vec![1, 2]);
    let more = store.add_scan_pages("sb-1", &[queued("c.png", "blob-c")]).await.expect("add more");
    assert_eq!(more[0].seq, 3, "numbering continues after the pages the batch has");
    assert!(store.add_scan_pages("sb-none", &[queued("x.jpg", "x")]).await.is_err());
    let pages = store.scan_pages("sb-1").await.expect("pages");
    assert_eq!(pages.iter().map(|p| p.file_name.as_str()).collect::<Vec<_>>(), vec!["a.jpg", "b.pdf#1", "c.png"]);
    assert!(pages.iter().all(|p| p.status == ScanStatus::Queued && p.batch_id == "sb-1"));

    // Page 1 needs review: an unclear mark on item 2; its crops carry no student yet.
    let read = SheetRead {
        page: 1,
        seat: "0?".to_owned(),
        qr_unreadable: true,
        answers: vec![(0, PaperAnswer::Marked("B".to_owned())), (1, PaperAnswer::Ambiguous), (2, PaperAnswer::Written)],
        rotation_quarters: 2,
    };
    let review = ScanPage {
        status: ScanStatus::Review,
        reason: "学号无法识别".to_owned(),
        read: Some(read.clone()),
        updated_at: at(3),
        ..pages[0].clone()
    };
    assert!(store.update_scan_page(&review, ScanStatus::Queued).await.expect("to review"));
    assert!(!store.update_scan_page(&review, ScanStatus::Queued).await.expect("twice"), "a page moves once");
    assert_eq!(store.scan_page("sb-1", 1).await.expect("page"), Some(review.clone()));
    let crop = |kind: CropKind, field: &str, blob: &str| ScanCrop {
        homework_id: "hw-scan".to_owned(),
        batch_id: "sb-1".to_owned(),
        seq: 1,
        kind,
        field: field.to_owned(),
        blob: blob.to_owned(),
        student_id: None,
    };
    store
        .put_scan_crops(&[
            crop(CropKind::Unclear, "2", "crop-unclear"),
            crop(CropKind::Student, "student", "crop-student"),
            crop(CropKind::Answer, "hi3", "crop-old"),
        ])
        .await
        .expect("crops");
    store.put_scan_crops(&[crop(CropKind::Answer, "hi3", "crop-answer")]).await.expect("cut again");
    let crops = store.scan_crops("sb-1", 1).await.expect("crops");
    assert_eq!(crops.len(), 3, "a crop cut again replaces the earlier one");
    assert!(crops.iter().all(|c| c.student_id.is_none()));
    assert_eq!(store.scan_pages_in("hw-scan", ScanStatus::Review, 10).await.expect("queue").len(), 1);
    let s0 = setup.students[0].clone();
    assert_eq!(store.answer_crop("hw-scan", &s0, "hi3").await.expect("crop"), None, "not applied yet");

    // The teacher resolves it: applied for the first student; the crops follow.
    let mut resolved_read = read.clone();
    resolved_read.answers[1].1 = PaperAnswer::Marked("C".to_owned());
    let applied = ScanPage {
        status: ScanStatus::Applied,
        reason: String::new(),
        student_id: Some(s0.clone()),
        read: Some(resolved_read),
        updated_at: at(4),
        ..review.clone()
    };
    assert!(store.update_scan_page(&applied, ScanStatus::Review).await.expect("resolve"));
    assert!(!store.update_scan_page(&applied, ScanStatus::Review).await.expect("resolve twice"));
    assert_eq!(store.scan_page("sb-1", 1).await.expect("page"), Some(applied.clone()));
    assert!(store.scan_pages_in("hw-scan", ScanStatus::Review, 10).await.expect("queue").is_empty());
    let answer = store.answer_crop("hw-scan", &s0, "hi3").await.expect("crop").expect("an answer crop");
    assert_eq!((answer.blob.as_str(), answer.student_id.as_deref()), ("crop-answer", Some(s0.as_str())));
    assert_eq!(store.answer_crop("hw-scan", &setup.students[1], "hi3").await.expect("other"), None);

    // Page 2 fails; page 3 is the same student's sheet again.
    let failed = ScanPage {
        status: ScanStatus::Failed,
        reason: "not an image".to_owned(),
        updated_at: at(5),
        ..pages[1].clone()
    };
    assert!(store.update_scan_page(&failed, ScanStatus::Queued).await.expect("fail"));
    let duplicate =
        ScanPage { status: ScanStatus::Duplicate, student_id: Some(s0.clone()), updated_at: at(6), ..pages[2].clone() };
    assert!(store.update_scan_page(&duplicate, ScanStatus::Queued).await.expect("duplicate"));
    let of_student = store.student_scan_pages("hw-scan", &s0).await.expect("student pages");
    assert_eq!(of_student.iter().map(|p| p.seq).collect::<Vec<_>>(), vec![1, 3]);
    let summaries = store.scan_batches("hw-scan").await.expect("batches");
    assert_eq!(summaries.len(), 1);
    let s = &summaries[0];
    assert_eq!(
        (s.pages, s.queued, s.applied, s.waiting, s.review, s.duplicate, s.failed),
        (3, 0, 1, 0, 0, 1, 1),
        "{s:?}"
    );
    assert!(store.scan_batches("hw-none").await.expect("none").is_empty());

    // Images are known per homework: the page images and the crops, nothing else.
    assert!(store.scan_image_of("hw-scan", "blob-c").await.expect("page image"));
    assert!(store.scan_image_of("hw-scan", "crop-student").await.expect("crop image"));
    assert!(!store.scan_image_of("hw-scan", "crop-old").await.expect("replaced crop"));
    assert!(!store.scan_image_of("hw-other", "blob-c").await.expect("other homework"));
}

/// A paper homework `homework_id` for a class of the demo roster with an empty scan batch
/// `batch_id`, in a fresh store: what scan cases, here and in a backend's own tests, add pages to.
pub async fn paper_scan_batch(store: &dyn Store, homework_id: &str, batch_id: &str) -> crate::ScanBatch {
    let setup = homework_setup(store).await;
    let mut homework = homework_of(&setup, homework_id, day_at(20, 12));
    homework.mode = domain::homework::Mode::Paper;
    store.create_homework(&[(homework, everyone(&setup))], &[]).await.expect("create homework");
    let batch = crate::ScanBatch {
        id: batch_id.to_owned(),
        homework_id: homework_id.to_owned(),
        created_by: account_id_of(&setup.teacher_id),
        created_at: at(1),
    };
    store.create_scan_batch(&batch).await.expect("create batch");
    batch
}

/// A page image waiting to be read, as an upload hands it to the store.
pub fn queued_scan_page(file_name: &str) -> crate::ScanPage {
    crate::ScanPage {
        batch_id: String::new(),
        seq: 0,
        file_name: file_name.to_owned(),
        blob: format!("blob-{file_name}"),
        status: crate::ScanStatus::Queued,
        reason: String::new(),
        student_id: None,
        read: None,
        updated_at: at(2),
    }
}

/// Files uploaded into one batch at the same time (two tabs, a script) are all taken: each gets
/// page numbers of its own, a file's pages numbered together, none refused for a number another
/// upload took.
pub async fn scan_uploads_at_once_are_all_numbered(store: Arc<dyn Store>) {
    const UPLOADS: u32 = 8;
    let batch = paper_scan_batch(&*store, "hw-scan-race", "sb-race").await;
    let files: Vec<Vec<crate::ScanPage>> = (0..UPLOADS)
        .map(|k| vec![queued_scan_page(&format!("f{k}.pdf#1")), queued_scan_page(&format!("f{k}.pdf#2"))])
        .collect();
    let uploads = files.iter().map(|pages| store.add_scan_pages(&batch.id, pages)).collect();
    let mut numbers = Vec::new();
    for (k, stored) in all_at_once(uploads).await.into_iter().enumerate() {
        let stored = stored.unwrap_or_else(|e| panic!("upload {k} was refused: {e}"));
        assert_eq!(stored.len(), 2, "upload {k}");
        assert_eq!(stored[1].seq, stored[0].seq + 1, "upload {k}: a file's pages are numbered together");
        numbers.extend(stored.iter().map(|p| p.seq));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=2 * UPLOADS).collect::<Vec<_>>());
    assert_eq!(store.scan_pages(&batch.id).await.expect("pages").len(), 2 * UPLOADS as usize);
}

/// Polls every future in turn on the current task until all are done and answers their outputs
/// in order: the store calls interleave at each of their awaits, as concurrent requests do.
async fn all_at_once<'a, T>(
    futures: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>>,
) -> Vec<T> {
    use std::task::Poll;
    let mut pending: Vec<_> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot
                && let Poll::Ready(value) = future.as_mut().poll(cx)
            {
                *output = Some(value);
                *slot = None;
            }
        }
        if pending.iter().all(Option::is_none) { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

// School timetables: the instance replaced by version, placements guarded by the version read.
pub async fn timetables_keep_versions_and_refuse_stale_writes(store: Arc<dyn Store>) {
    use crate::{PlacementsWrite, TimetableFigures, TimetableSource};
    let roster = sample_roster();
    store.import_roster(&roster, &NoProgress).await.expect("import");
    let (a, b) = (roster.schools[0].id.clone(), roster.schools[1].id.clone());
    assert_eq!(store.timetable(&a, "t1").await.expect("none yet"), None);
    let v1 = store
        .save_timetable_input(&a, "t1", TimetableSource::Roster, "{\"x\":\"班级 '\\\"<b>\"}", true, "acct-a", at(1))
        .await
        .expect("input");
    assert_eq!(v1, 1);
    let stored = store.timetable(&a, "t1").await.expect("read").expect("some");
    assert_eq!(
        (stored.source, stored.placements.clone(), stored.figures.clone()),
        (TimetableSource::Roster, None, None)
    );
    assert_eq!(stored.input, "{\"x\":\"班级 '\\\"<b>\"}");
    let figures =
        TimetableFigures { hard_ok: true, hard_violations: 0, soft_penalty: 1.5, seconds: 2.25, iterations: 12_345 };
    fn write<'a>(
        school: &'a str,
        version: i64,
        placements: &'a str,
        figures: &'a TimetableFigures,
    ) -> PlacementsWrite<'a> {
        PlacementsWrite { school_id: school, term: "t1", expected_version: version, placements, figures }
    }
    let v2 = store
        .save_timetable_placements(&[write(&a, v1, "[{\"key\":\"k\"}]", &figures)], "acct-b", at(2))
        .await
        .expect("placements");
    assert_eq!(v2, Some(vec![2]));
    // A write based on the old version is refused and changes nothing.
    let stale = TimetableFigures { hard_ok: false, ..figures.clone() };
    assert_eq!(
        store.save_timetable_placements(&[write(&a, v1, "[]", &stale)], "acct-c", at(3)).await.expect("stale"),
        None
    );
    assert_eq!(
        store.save_timetable_placements(&[write(&b, 1, "[]", &stale)], "acct-c", at(3)).await.expect("absent"),
        None
    );
    let stored = store.timetable(&a, "t1").await.expect("read").expect("some");
    assert_eq!(stored.placements.as_deref(), Some("[{\"key\":\"k\"}]"));
    assert_eq!(stored.figures, Some(figures.clone()));
    assert_eq!((stored.version, stored.updated_by.as_str(), stored.updated_at), (2, "acct-b", at(2)));
    // A new instance keeping placements keeps them; another file drops them.
    assert_eq!(
        store.save_timetable_input(&a, "t1", TimetableSource::Roster, "{}", true, "x", at(4)).await.expect("keep"),
        3
    );
    assert_eq!(store.timetable(&a, "t1").await.expect("read").expect("some").figures, Some(figures.clone()));
    assert_eq!(
        store.save_timetable_input(&a, "t1", TimetableSource::Fet, "<fet/>", false, "x", at(5)).await.expect("fet"),
        4
    );
    let stored = store.timetable(&a, "t1").await.expect("read").expect("some");
    assert_eq!((stored.source, stored.placements, stored.figures), (TimetableSource::Fet, None, None));
    // Terms are apart; the term list is ordered by school.
    store.save_timetable_input(&b, "t1", TimetableSource::Roster, "{}", true, "x", at(6)).await.expect("b");
    store.save_timetable_input(&b, "t2", TimetableSource::Roster, "{}", true, "x", at(6)).await.expect("b2");
    let term: Vec<String> =
        store.timetables_of_term("t1").await.expect("term").into_iter().map(|t| t.school_id).collect();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(term, expected);
    assert_eq!(store.timetables_of_term("t3").await.expect("empty").len(), 0);
    // Two schools written together (a shared lesson moved in both): one stale version and
    // neither changes; both current and both do.
    let (va, vb) = (4, 1);
    let both = |a_version| [write(&a, a_version, "[\"a\"]", &figures), write(&b, vb, "[\"b\"]", &figures)];
    assert_eq!(store.save_timetable_placements(&both(va - 1), "x", at(7)).await.expect("stale pair"), None);
    assert_eq!(store.timetable(&b, "t1").await.expect("read").expect("some").placements, None);
    assert_eq!(store.save_timetable_placements(&both(va), "x", at(8)).await.expect("pair"), Some(vec![va + 1, vb + 1]));
    for (school, placements) in [(&a, "[\"a\"]"), (&b, "[\"b\"]")] {
        assert_eq!(
            store.timetable(school, "t1").await.expect("read").expect("some").placements.as_deref(),
            Some(placements)
        );
    }
    // A timetable needs a real school.
    assert!(
        store.save_timetable_input("no-school", "t1", TimetableSource::Roster, "{}", true, "x", at(9)).await.is_err()
    );
}

// A school's timetabling conditions: the first write creates them, later writes need the version
// read, and a stale write (or a second "first" write) changes nothing.
pub async fn timetable_settings_are_per_school_and_guarded_by_version(store: Arc<dyn Store>) {
    let roster = sample_roster();
    store.import_roster(&roster, &NoProgress).await.expect("import");
    let (a, b) = (roster.schools[0].id.clone(), roster.schools[1].id.clone());
    assert_eq!(store.timetable_settings(&a).await.expect("none yet"), None);
    let first = "{\"teachers\":{\"t-1\":{\"name\":\"张 '\\\"<b>\",\"unavailable\":[[0,1]]}}}";
    assert_eq!(store.save_timetable_settings(&a, 0, first, "acct-a", at(1)).await.expect("first"), Some(1));
    // Someone else's first write after ours is refused.
    assert_eq!(store.save_timetable_settings(&a, 0, "{}", "acct-b", at(2)).await.expect("second first"), None);
    let stored = store.timetable_settings(&a).await.expect("read").expect("some");
    assert_eq!(
        (stored.school_id.as_str(), stored.settings.as_str(), stored.version, stored.updated_by.as_str()),
        (a.as_str(), first, 1, "acct-a")
    );
    assert_eq!(stored.updated_at, at(1));
    assert_eq!(store.save_timetable_settings(&a, 1, "{\"v\":2}", "acct-c", at(3)).await.expect("update"), Some(2));
    // A write based on the old version is refused and changes nothing.
    assert_eq!(store.save_timetable_settings(&a, 1, "{\"v\":3}", "acct-d", at(4)).await.expect("stale"), None);
    let stored = store.timetable_settings(&a).await.expect("read").expect("some");
    assert_eq!((stored.settings.as_str(), stored.version, stored.updated_at), ("{\"v\":2}", 2, at(3)));
    // Schools are apart; an update of conditions never stored is refused.
    assert_eq!(store.timetable_settings(&b).await.expect("other school"), None);
    assert_eq!(store.save_timetable_settings(&b, 1, "{}", "x", at(5)).await.expect("absent"), None);
    assert_eq!(store.timetable_settings(&b).await.expect("still none"), None);
    // Conditions need a real school.
    assert!(store.save_timetable_settings("no-school", 0, "{}", "x", at(6)).await.is_err());
}
