//! School timetables in the platform, without a socket, over a real SQLite store holding the small
//! demo district: a 教务 solves a school's timetable in the background, a move that clashes is
//! refused with the reason, a pinned lesson survives a re-solve, the shared 专递课堂 lesson sits at
//! the same real time in both schools, another school's teacher is refused, a malformed `.fet`
//! file is reported with its line and changes nothing, the grid is told where a selected lesson
//! can go and an exchange swaps two lessons, and the exports are well-formed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use chrono::Utc;
use domain::{
    access::{Role, RoleAssignment},
    identity::{Account, account_id_of},
};
use serde_json::Value;
use store::{ActivityStore, TimetableStore};
use timetable::platform::{Instance, SchoolPlan, StoredPlacement};

mod common;

use common::{Reply, TestApp, Who};

async fn setup() -> TestApp {
    common::district(3, |roster, accounts| {
        // The partner school's 教务, so the partner can solve its own timetable.
        let partner = roster.school_groups[0].member_school_ids[0].clone();
        accounts.accounts.push(Account {
            id: "acct-partner-admin".into(),
            username: "partner-admin".into(),
            display_name: "合作校教务".into(),
            phone: None,
            person: None,
            password_hash: None,
            must_change_password: false,
            disabled: false,
            created_at: Utc::now(),
        });
        accounts.assignments.push(RoleAssignment {
            id: "ra-partner-admin".into(),
            account_id: "acct-partner-admin".into(),
            role: Role::SchoolAdmin,
            scope_id: partner,
            subjects: Vec::new(),
            grants: Vec::new(),
        });
    })
    .await
    .app()
    .await
}

impl TestApp {
    async fn post_form(&self, uri: &str, who: &Who, fields: &[(&str, String)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.bytes("POST", uri, who, "application/x-www-form-urlencoded", body.into_bytes()).await
    }

    /// Solves a school's timetable and waits for the job; returns its final status.
    async fn solve(&self, school: &str, who: &Who) -> Value {
        let reply =
            self.post_form(&format!("/schools/{school}/timetable/solve"), who, &[("seconds", "2".into())]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        // A small school's solve may end (its penalty settled at zero) before the first poll;
        // the progress of a long solve is followed in the browser test.
        for _ in 0..600 {
            let status = self.get(&format!("/schools/{school}/timetable/status"), who).await.json();
            if status["running"] == true || status["queued"] == true {
                assert!(status["percent"].as_u64().unwrap() < 100);
            } else if status["finished"] == true {
                assert_eq!(status["percent"], 100);
                assert!(["limit", "settled"].contains(&status["ended"].as_str().unwrap_or_default()), "{status}");
                return status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the solve did not finish within a minute");
    }

    /// The school's stored timetable: its instance and placements.
    async fn stored(&self, school: &str) -> (Instance, Vec<StoredPlacement>, i64) {
        let term = term();
        let t = self.store.timetable(school, &term).await.unwrap().expect("stored timetable");
        let plan: SchoolPlan = serde_json::from_str(&t.input).unwrap();
        let placements = serde_json::from_str(t.placements.as_deref().expect("placements")).unwrap();
        (Instance::from_plan(&plan).unwrap(), placements, t.version)
    }
}

fn term() -> String {
    use chrono::Datelike;
    let now = Utc::now().with_timezone(&domain::homework::CHINA_TIME);
    timetable::platform::term_of(now.year(), now.month()).id
}

fn placement<'a>(placements: &'a [StoredPlacement], key: &str) -> &'a StoredPlacement {
    placements.iter().find(|p| p.key == key).unwrap_or_else(|| panic!("no placement for {key}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_is_solved_edited_by_hand_and_shares_a_lesson_with_its_partner() {
    let app = setup().await;
    let group = app.roster.school_groups[0].clone();
    let (lead, partner) = (group.lead_school_id.clone(), group.member_school_ids[0].clone());
    let principal = app.sign_in("principal").await;

    // Solve: progress while it runs, then every hard constraint holds and the timetable is stored.
    let status = app.solve(&lead, &principal).await;
    assert_eq!(status["hard_ok"], true, "{status}");
    assert_eq!(status["saved"], true, "{status}");
    let page = app.get(&format!("/schools/{lead}/timetable"), &principal).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("id=\"tt-grid\"") && html.contains("id=\"solve\""), "grid and solve form");
    assert!(html.contains("tt-shared"), "the shared lesson is marked in the class grid");
    for view in ["teacher", "room"] {
        let page = app.get(&format!("/schools/{lead}/timetable?view={view}&i=0"), &principal).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("tt-lesson"), "{view} grid has lessons");
    }

    // A move onto another lesson of the same class is refused with the reason.
    let (inst, placements, version) = app.stored(&lead).await;
    let a = (0..inst.keys.len()).find(|&i| inst.shared[i].is_none() && inst.school_of[i] == 0).unwrap();
    let class = inst.problem.activities[a].students[0];
    let class_name = inst.problem.student_sets[class as usize].name.clone();
    let pa = placement(&placements, &inst.keys[a]).clone();
    let b = (0..inst.keys.len())
        .find(|&i| {
            i != a && inst.problem.activities[i].students.contains(&class) && {
                let pb = placement(&placements, &inst.keys[i]);
                (pb.day, pb.period) != (pa.day, pa.period)
            }
        })
        .unwrap();
    let pb = placement(&placements, &inst.keys[b]).clone();
    let fields = |key: &str, day: u16, period: u16, version: i64| {
        vec![
            ("key", key.to_owned()),
            ("day", day.to_string()),
            ("period", period.to_string()),
            ("version", version.to_string()),
        ]
    };
    let reply = app
        .post_form(
            &format!("/schools/{lead}/timetable/move"),
            &principal,
            &fields(&inst.keys[a], pb.day, pb.period, version),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    let reasons = reply.json()["reasons"].to_string();
    assert!(reasons.contains(&class_name), "the reason names the class: {reasons}");
    assert_eq!(app.stored(&lead).await.2, version, "a refused move writes nothing");

    // A shared lesson moves in the partner school too, which this principal may not manage:
    // wherever its own school would take it, the move is refused, naming the partner school.
    let s = (0..inst.keys.len()).find(|&i| inst.shared[i].as_ref().is_some_and(|m| m.lead)).unwrap();
    let partner_name = &inst.schools[inst.shared[s].as_ref().unwrap().partner_school].name;
    let mut refused_for_rights = false;
    for (day, period) in (0..5u16).flat_map(|d| (0..6u16).map(move |q| (d, q))) {
        let reply = app
            .post_form(
                &format!("/schools/{lead}/timetable/move"),
                &principal,
                &fields(&inst.keys[s], day, period, version),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
        let reasons = reply.json()["reasons"].to_string();
        if reasons.contains("排课权限") {
            assert!(reasons.contains(&format!("专递课堂同时在 {partner_name} 上课")), "{reasons}");
            refused_for_rights = true;
            break;
        }
    }
    assert!(refused_for_rights, "some period is free in the lead school, and the partner's rights are missing there");
    assert_eq!(app.stored(&lead).await.2, version, "a refused move writes nothing");

    // Move a lesson to a cell where it fits, then pin it there.
    let week = &inst.schools[0];
    let mut moved = None;
    'cells: for day in 0..week.days.len() as u16 {
        for period in 0..week.periods.len() as u16 {
            if (day, period) == (pa.day, pa.period) {
                continue;
            }
            let reply = app
                .post_form(
                    &format!("/schools/{lead}/timetable/move"),
                    &principal,
                    &fields(&inst.keys[a], day, period, version),
                )
                .await;
            if reply.status == StatusCode::OK {
                assert_eq!(reply.json()["allowed"], true);
                moved = Some((day, period));
                break 'cells;
            }
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
        }
    }
    let (day, period) = moved.expect("some free cell for the lesson");
    let (_, placements, version) = app.stored(&lead).await;
    assert_eq!(
        (placement(&placements, &inst.keys[a]).day, placement(&placements, &inst.keys[a]).period),
        (day, period)
    );
    // An old version is refused as stale.
    let stale = app
        .post_form(
            &format!("/schools/{lead}/timetable/move"),
            &principal,
            &fields(&inst.keys[a], pa.day, pa.period, version - 1),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let reply = app
        .post_form(
            &format!("/schools/{lead}/timetable/pin"),
            &principal,
            &[("key", inst.keys[a].clone()), ("pinned", "1".into()), ("version", version.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["pinned"], true);

    // A re-solve keeps the pinned lesson where it was put.
    let status = app.solve(&lead, &principal).await;
    assert_eq!(status["hard_ok"], true, "{status}");
    let (_, placements, _) = app.stored(&lead).await;
    let kept = placement(&placements, &inst.keys[a]);
    assert!(kept.pinned);
    assert_eq!((kept.day, kept.period), (day, period), "the pinned lesson stayed");

    // Before the partner solves, its page already lists the shared lesson the lead placed.
    let partner_admin = app.sign_in("partner-admin").await;
    let before = app.get(&format!("/schools/{partner}/timetable"), &partner_admin).await.text();
    assert!(before.contains("tt-shared-row") && before.contains("id=\"tt-empty\""), "{before}");

    // The partner solves second: its class has the shared lesson at the lead's real time.
    let status = app.solve(&partner, &partner_admin).await;
    assert_eq!(status["hard_ok"], true, "{status}");
    let (lead_inst, lead_placements, _) = app.stored(&lead).await;
    let (partner_inst, partner_placements, _) = app.stored(&partner).await;
    let lead_key = lead_inst
        .keys
        .iter()
        .zip(&lead_inst.shared)
        .find(|(_, s)| s.as_ref().is_some_and(|m| m.lead && lead_inst.schools[m.partner_school].id == partner))
        .map(|(k, _)| k.clone())
        .expect("a shared lesson with the partner");
    let prefix = lead_key.trim_end_matches("/lead");
    let remote_key = partner_inst.keys.iter().find(|k| k.starts_with(prefix) && !k.ends_with("/lead")).unwrap().clone();
    let lp = placement(&lead_placements, &lead_key);
    let pp = placement(&partner_placements, &remote_key);
    let lead_a = lead_inst.keys.iter().position(|k| *k == lead_key).unwrap();
    let remote_a = partner_inst.keys.iter().position(|k| *k == remote_key).unwrap();
    let lead_clock = lead_inst.clock_of(lead_a, lead_inst.slot(lp.day, lp.period)).unwrap();
    let partner_clock = partner_inst.clock_of(remote_a, partner_inst.slot(pp.day, pp.period)).unwrap();
    assert_eq!(lp.day, pp.day, "same day");
    assert!(
        lead_clock.1.min(partner_clock.1) > lead_clock.0.max(partner_clock.0),
        "same real time: {lead_clock:?} in the lead school, {partner_clock:?} in the partner school"
    );
    let partner_page = app.get(&format!("/schools/{partner}/timetable"), &partner_admin).await.text();
    assert!(partner_page.contains("tt-shared"), "the partner's class grid shows the shared lesson");

    // The district view lists it with both times, the same time.
    let researcher = app.sign_in("researcher").await;
    let district = app.get("/timetables", &researcher).await;
    assert_eq!(district.status, StatusCode::OK);
    let html = district.text();
    assert!(html.contains("tt-shared-row") && html.contains("tt-partner-time"), "{html}");
    assert!(html.contains("<td class=\"tt-same\">是</td>"), "both schools at the same time");
    assert!(!html.contains("时间不一致"));

    // Exports.
    let ics = app.get(&format!("/schools/{lead}/timetable/export/ics?view=class&i=0"), &principal).await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(ics.content_type().starts_with("text/calendar"));
    let text = ics.text();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.trim_end().ends_with("END:VCALENDAR"));
    assert!(text.matches("BEGIN:VEVENT").count() >= 20, "one event per weekly lesson");
    assert!(text.contains("RRULE:FREQ=WEEKLY;UNTIL=") && text.contains("DTSTART;TZID=Asia/Shanghai:"));
    assert!(text.lines().all(|l| l.len() <= 76), "lines are folded");
    let xlsx = app.get(&format!("/schools/{lead}/timetable/export/xlsx"), &principal).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"), "an XLSX (zip) file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grid_shows_where_a_lesson_can_go_and_an_exchange_swaps_it_with_the_class_lesson_there() {
    let app = setup().await;
    let lead = app.roster.school_groups[0].lead_school_id.clone();
    let principal = app.sign_in("principal").await;
    assert_eq!(app.solve(&lead, &principal).await["hard_ok"], true);
    let (inst, placements, version) = app.stored(&lead).await;
    let week = &inst.schools[0];
    let a = (0..inst.keys.len())
        .find(|&i| inst.shared[i].is_none() && inst.school_of[i] == 0 && inst.problem.activities[i].duration == 1)
        .unwrap();
    let pa = placement(&placements, &inst.keys[a]).clone();
    let options_of = |key: &str, version: i64| {
        let query = serde_urlencoded::to_string([("key", key.to_owned()), ("version", version.to_string())]).unwrap();
        format!("/schools/{lead}/timetable/options?{query}")
    };

    // Every other period of the week, each with what can be done there and why not.
    let reply = app.get(&options_of(&inst.keys[a], version), &principal).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let options = reply.json()["options"].as_array().unwrap().clone();
    assert_eq!(options.len(), week.days.len() * week.periods.len() - 1);
    let kind = |o: &Value| o["kind"].as_str().unwrap().to_owned();
    assert!(options.iter().all(|o| ["move", "swap", "refused"].contains(&kind(o).as_str())), "{options:?}");
    assert!(options.iter().filter(|o| kind(o) == "refused").all(|o| !o["reasons"].as_array().unwrap().is_empty()));
    let swap = options.iter().find(|o| kind(o) == "swap").expect("a full week still has exchanges").clone();
    let with = swap["with"][0].as_str().unwrap().to_owned();
    let (day, period) = (swap["day"].as_u64().unwrap() as u16, swap["period"].as_u64().unwrap() as u16);
    let b = placements.iter().find(|p| {
        (p.day, p.period) == (day, period) && {
            let i = inst.keys.iter().position(|k| *k == p.key).unwrap();
            inst.problem.activities[i].atoms.iter().any(|x| inst.problem.activities[a].atoms.contains(x))
        }
    });
    let b = b.expect("the class has a lesson where the exchange is offered").key.clone();

    // A stale page and a teacher get no answer.
    assert_eq!(app.get(&options_of(&inst.keys[a], version - 1), &principal).await.status, StatusCode::CONFLICT);
    let teacher = app.sign_in("teacher").await;
    assert_eq!(app.get(&options_of(&inst.keys[a], version), &teacher).await.status, StatusCode::FORBIDDEN);

    // The exchange: the lesson goes there and the class's lesson there takes its old place.
    let fields = vec![
        ("key", inst.keys[a].clone()),
        ("day", day.to_string()),
        ("period", period.to_string()),
        ("version", version.to_string()),
        ("swap", "true".to_owned()),
    ];
    let reply = app.post_form(&format!("/schools/{lead}/timetable/move"), &principal, &fields).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let notes = reply.json()["notes"].to_string();
    assert!(notes.contains(&format!("与 {with} 互换")), "{notes}");
    let (_, after, new_version) = app.stored(&lead).await;
    assert_eq!(new_version, version + 1);
    let at = |key: &str| {
        let p = placement(&after, key);
        (p.day, p.period)
    };
    assert_eq!(at(&inst.keys[a]), (day, period));
    assert_eq!(at(&b), (pa.day, pa.period));

    // A shared lesson's places all reach the partner school, which this principal may not manage:
    // no period is offered, and the reason names the partner.
    let s = (0..inst.keys.len()).find(|&i| inst.shared[i].as_ref().is_some_and(|m| m.lead)).unwrap();
    let options = app.get(&options_of(&inst.keys[s], new_version), &principal).await.json()["options"].clone();
    let options = options.as_array().unwrap();
    assert!(options.iter().all(|o| kind(o) == "refused"), "{options:?}");
    assert!(options.iter().any(|o| o["reasons"].to_string().contains("排课权限")), "{options:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_schools_administrators_edit_and_only_its_people_see() {
    let app = setup().await;
    let lead = app.roster.school_groups[0].lead_school_id.clone();
    // The demo teacher teaches at the lead school: may look, may not solve.
    let teacher = app.sign_in("teacher").await;
    assert_eq!(app.get(&format!("/schools/{lead}/timetable"), &teacher).await.status, StatusCode::OK);
    let reply = app.post_form(&format!("/schools/{lead}/timetable/solve"), &teacher, &[("seconds", "1".into())]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Another school's teacher may not even look.
    let other = app.roster.teachers.iter().find(|t| t.school_id != lead).unwrap();
    let outsider = app.session_for(account_id_of(&other.id)).await;
    assert_eq!(app.get(&format!("/schools/{lead}/timetable"), &outsider).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/schools/{lead}/timetable/export/xlsx"), &outsider).await.status,
        StatusCode::FORBIDDEN
    );
    let reply = app
        .bytes("POST", &format!("/schools/{lead}/timetable/import"), &outsider, "application/xml", b"<fet/>".to_vec())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // The district list is for district staff and 教研员, not for a school's 教务.
    let principal = app.sign_in("principal").await;
    assert_eq!(app.get("/timetables", &principal).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/timetables", &app.sign_in("admin").await).await.status, StatusCode::OK);
    // A bad time limit is refused before anything starts.
    let reply =
        app.post_form(&format!("/schools/{lead}/timetable/solve"), &principal, &[("seconds", "0".into())]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fet_file_is_imported_whole_or_refused_with_its_line() {
    let app = setup().await;
    let lead = app.roster.school_groups[0].lead_school_id.clone();
    let principal = app.sign_in("principal").await;
    let url = format!("/schools/{lead}/timetable/import");
    let malformed = "<?xml version=\"1.0\"?>\n<fet version=\"6.0\">\n<Days_List>\n<Day><Name>Mon</Name></Dax>\n</Days_List>\n</fet>\n";
    let reply = app.bytes("POST", &url, &principal, "application/xml", malformed.as_bytes().to_vec()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let error = reply.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("line 4"), "{error}");
    assert!(app.store.timetable(&lead, &term()).await.unwrap().is_none(), "nothing was stored");

    let good = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.0">
<Institution_Name>Test</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mon</Name></Day><Day><Name>Tue</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>Smith</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y1</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
<Activity><Teacher>Smith</Teacher><Subject>Maths</Subject><Students>Y1</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>1</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Smith</Teacher><Subject>Maths</Subject><Students>Y1</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>2</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
</Activities_List>
<Time_Constraints_List><ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime></Time_Constraints_List>
<Space_Constraints_List><ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace></Space_Constraints_List>
</fet>
"#;
    let reply = app.bytes("POST", &url, &principal, "application/xml", good.as_bytes().to_vec()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["activities"], 2);
    let stored = app.store.timetable(&lead, &term()).await.unwrap().unwrap();
    assert_eq!(stored.source, store::TimetableSource::Fet);
    let status = app.solve(&lead, &principal).await;
    assert_eq!(status["hard_ok"], true, "{status}");
    let page = app.get(&format!("/schools/{lead}/timetable"), &principal).await.text();
    assert!(page.contains("Smith") && page.contains("Maths"), "the imported lessons are in the grid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teachers_unavailable_period_is_kept_free_by_the_next_solve() {
    let app = setup().await;
    let lead = app.roster.school_groups[0].lead_school_id.clone();
    let principal = app.sign_in("principal").await;
    let status = app.solve(&lead, &principal).await;
    assert_eq!(status["hard_ok"], true, "{status}");

    // A teacher of the school and a period where they teach now.
    let t = app.store.timetable(&lead, &term()).await.unwrap().unwrap();
    let plan: SchoolPlan = serde_json::from_str(&t.input).unwrap();
    let (inst, placements, _) = app.stored(&lead).await;
    let a = (0..inst.keys.len())
        .find(|&i| {
            inst.shared[i].is_none() && inst.school_of[i] == 0 && !inst.problem.activities[i].teachers.is_empty()
        })
        .unwrap();
    let teacher = inst.problem.activities[a].teachers[0] as usize;
    let (teacher_id, teacher_name) = (plan.teacher_ids[teacher].clone(), plan.district.teachers[teacher].name.clone());
    let at = placement(&placements, &inst.keys[a]).clone();
    let busy_at = |inst: &Instance, placements: &[StoredPlacement]| -> usize {
        placements
            .iter()
            .filter(|p| {
                let Some(i) = inst.keys.iter().position(|k| *k == p.key) else { return false };
                let act = &inst.problem.activities[i];
                act.teachers.contains(&(teacher as u32))
                    && p.day == at.day
                    && (p.period..p.period + act.duration).contains(&at.period)
            })
            .count()
    };
    assert_eq!(busy_at(&inst, &placements), 1, "the teacher teaches then before the condition");

    // The inputs page is the 教务's; a teacher may not open it.
    let url = format!("/schools/{lead}/timetable/settings");
    let teacher_session = app.sign_in("teacher").await;
    assert_eq!(app.get(&url, &teacher_session).await.status, StatusCode::FORBIDDEN);
    let page = app.get(&format!("{url}?teacher={teacher_id}"), &principal).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("id=\"tts-teacher-grid\"") && html.contains(&teacher_name), "the teacher's grid");
    let timetable_page = app.get(&format!("/schools/{lead}/timetable"), &principal).await.text();
    assert!(timetable_page.contains("id=\"tt-settings-link\""), "linked from the timetable page");

    // Unavailable in every period: refused before solving, with the reason, and nothing stored.
    let school = &plan.district.schools[0];
    let mut every: Vec<(&str, String)> =
        vec![("section", "teacher".into()), ("id", teacher_id.clone()), ("version", "0".into())];
    for d in 0..school.days.len() {
        for q in 0..school.periods.len() {
            every.push(("u", format!("{d}-{q}")));
        }
    }
    let reply = app.post_form(&url, &principal, &every).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = reply.text();
    assert!(html.contains(&format!("教师 {teacher_name} 每周有")) && html.contains("只剩 0 节可排"), "{html}");
    assert!(app.store.timetable_settings(&lead).await.unwrap().is_none(), "nothing was stored");
    // A number out of range names the field.
    let reply = app
        .post_form(
            &url,
            &principal,
            &[
                ("section", "teacher".into()),
                ("id", teacher_id.clone()),
                ("version", "0".into()),
                ("max_per_day", "99".into()),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text().contains("每天最多节数“99”"));

    // The period where the teacher teaches: saved, the input rebuilt, the timetable now breaks it.
    let cell = format!("{}-{}", at.day, at.period);
    let reply = app
        .post_form(
            &url,
            &principal,
            &[
                ("section", "teacher".into()),
                ("id", teacher_id.clone()),
                ("teacher", teacher_id.clone()),
                ("version", "0".into()),
                ("u", cell.clone()),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let saved = app.store.timetable_settings(&lead).await.unwrap().unwrap();
    assert_eq!((saved.version, saved.updated_by.as_str()), (1, "acct-principal"));
    let figures = app.store.timetable(&lead, &term()).await.unwrap().unwrap().figures.unwrap();
    assert!(!figures.hard_ok, "the old timetable is re-checked against the new condition");
    let records = app.store.activity_about("timetable_settings", &lead, 10).await.unwrap();
    assert_eq!(records.len(), 1, "the change left an activity record");
    assert_eq!(records[0].verb, "updated");
    let page = app.get(&format!("{url}?teacher={teacher_id}&saved=1"), &principal).await.text();
    assert!(page.contains("id=\"tts-saved\"") && page.contains(&format!("value=\"{cell}\" aria-label")));
    assert!(page.contains(&format!(
        "value=\"{cell}\" aria-label=\"{} {} 不排课\" checked",
        school.days[usize::from(at.day)],
        school.periods[usize::from(at.period)].name
    )));
    let summary = app.get(&format!("/schools/{lead}/timetable"), &principal).await.text();
    assert!(summary.contains(&format!("{teacher_name} (1 节)")), "the timetable page sums the conditions up");
    // A stale version is refused.
    let reply = app
        .post_form(
            &url,
            &principal,
            &[("section", "teacher".into()), ("id", teacher_id.clone()), ("version", "0".into())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    // The next solve keeps the teacher free then.
    let status = app.solve(&lead, &principal).await;
    assert_eq!(status["hard_ok"], true, "{status}");
    let (inst, placements, _) = app.stored(&lead).await;
    assert!(
        inst.problem
            .constraints
            .iter()
            .any(|c| c.hard && c.label.starts_with(&format!("教师 {teacher_name} 不能上课的时间")))
    );
    assert_eq!(busy_at(&inst, &placements), 0, "no lesson of the teacher in the unavailable period");

    // The district list highlights its own navigation entry, not the overview.
    let researcher = app.sign_in("researcher").await;
    let district = app.get("/timetables", &researcher).await.text();
    assert!(district.contains("<a href=\"/timetables\" aria-current=\"page\">"), "{district}");
    assert!(district.contains("<a href=\"/\" aria-current=\"false\">"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elective_block_is_set_up_solved_in_parallel_and_moved_whole() {
    let app = setup().await;
    let lead = app.roster.school_groups[0].lead_school_id.clone();
    let principal = app.sign_in("principal").await;
    let url = format!("/schools/{lead}/timetable/settings");
    let plan = timetable::platform::plan_from_roster(&app.roster, &lead).unwrap();
    let d = &plan.district;
    let year: Vec<(String, String)> = d
        .classes
        .iter()
        .zip(&plan.class_ids)
        .filter(|(c, _)| c.school == 0 && c.name.starts_with("高二"))
        .map(|(c, id)| (id.clone(), c.name.clone()))
        .collect();
    assert!(year.len() >= 2, "the demo's complete school has a 高二 year");
    // The year's own physics and history teachers, whom the block frees from those lessons.
    let teacher_of = |subject: &str| {
        let first = plan.class_ids.iter().position(|id| *id == year[0].0).unwrap();
        let l = d.lessons.iter().find(|l| l.subject == subject && l.class == first).unwrap();
        plan.teacher_ids[l.teacher].clone()
    };
    let (physics, history) = (teacher_of("物理"), teacher_of("历史"));
    let form = |groups: &[(&str, &str)]| {
        let mut f: Vec<(&str, String)> = vec![
            ("section", "elective".into()),
            ("id", String::new()),
            ("version", "0".into()),
            ("name", "高二选考A段".into()),
            ("per_week", "3".into()),
            ("length", "1".into()),
        ];
        f.extend(year.iter().map(|(id, _)| ("ec", id.clone())));
        for (subject, teacher) in groups {
            f.extend([
                ("gs", (*subject).to_owned()),
                ("gt", (*teacher).to_owned()),
                ("gr", String::new()),
                ("gn", String::new()),
            ]);
        }
        // A blank row, as the page sends it.
        f.extend([("gs", String::new()), ("gt", String::new()), ("gr", String::new()), ("gn", String::new())]);
        f
    };

    // One teacher for two groups at once is refused, naming the block and the teacher; the
    // editor keeps what was entered and nothing is stored.
    let reply = app.post_form(&url, &principal, &form(&[("physics", &physics), ("history", &physics)])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = reply.text();
    assert!(html.contains("走班 高二选考A段：") && html.contains("不能同时教两个教学班"), "{html}");
    assert!(html.contains("value=\"高二选考A段\""), "the editor shows what was entered");
    assert!(app.store.timetable_settings(&lead).await.unwrap().is_none(), "nothing was stored");
    // A half-filled row names its number.
    let mut half = form(&[("physics", &physics)]);
    half.extend([("gs", "history".into()), ("gt", String::new()), ("gr", String::new()), ("gn", String::new())]);
    let reply = app.post_form(&url, &principal, &half).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text().contains("第 3 个教学班：学科和任课教师都要选"));

    // Friday's last period is kept free for the year and the two teachers (a year assembly), so
    // that once it is given up the block has a known free place to move to.
    let mut version = 0;
    let keep_free = async |section: &str, id: &str, free: bool, version: &mut i64| {
        let mut f: Vec<(&str, String)> =
            vec![("section", section.into()), ("id", id.into()), ("version", version.to_string())];
        if free {
            f.push(("u", "4-7".into()));
        }
        let reply = app.post_form(&url, &principal, &f).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        *version += 1;
    };
    for (id, _) in &year {
        keep_free("class", id, true, &mut version).await;
    }
    keep_free("teacher", &physics, true, &mut version).await;
    keep_free("teacher", &history, true, &mut version).await;

    // Physics and history for the whole year, three periods a week.
    let mut block = form(&[("physics", &physics), ("history", &history)]);
    block[2].1 = version.to_string();
    let reply = app.post_form(&url, &principal, &block).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    version += 1;
    let page = app.get(&format!("{url}?saved=1"), &principal).await.text();
    assert!(page.contains("data-block=\"b1\"") && page.contains("高二选考A段·物理"), "the block is listed");
    assert!(page.contains("物理、历史 −3 节"), "the periods it takes out of each class are said");

    let status = app.solve(&lead, &principal).await;
    assert_eq!(status["hard_ok"], true, "{status}");
    let (inst, placements, _) = app.stored(&lead).await;
    let at = |key: &str| {
        let p = placement(&placements, key);
        (p.day, p.period)
    };
    for nth in 1..=3 {
        assert_eq!(at(&format!("elective/b1/{nth}/0")), at(&format!("elective/b1/{nth}/1")), "groups in parallel");
    }
    // A class of the year sees the block with both groups, not one group's lesson.
    let class_index =
        inst.classes.iter().position(|&c| inst.problem.student_sets[c as usize].name == year[0].1).unwrap();
    let html = app.get(&format!("/schools/{lead}/timetable?view=class&i={class_index}"), &principal).await.text();
    assert!(html.contains("走班·高二选考A段") && html.contains("物理 ") && html.contains("历史 "), "{html}");

    // The assembly is given up: Friday's last period is free for everyone the block needs.
    for (id, _) in &year {
        keep_free("class", id, false, &mut version).await;
    }
    keep_free("teacher", &physics, false, &mut version).await;
    keep_free("teacher", &history, false, &mut version).await;
    let (_, _, tt_version) = app.stored(&lead).await;
    let move_to = |key: &'static str, day: u16, period: u16| {
        let fields = vec![
            ("key", key.to_owned()),
            ("day", day.to_string()),
            ("period", period.to_string()),
            ("version", tt_version.to_string()),
        ];
        let app = &app;
        let principal = &principal;
        let lead = &lead;
        async move { app.post_form(&format!("/schools/{lead}/timetable/move"), principal, &fields).await }
    };
    // Where one of the year's classes has another lesson, the block is refused with that class;
    // the groups are never split.
    let busy = placements
        .iter()
        .find(|p| {
            let a = inst.keys.iter().position(|k| *k == p.key).unwrap();
            !p.key.starts_with("elective/")
                && inst.problem.activities[a]
                    .students
                    .iter()
                    .any(|&c| inst.problem.student_sets[c as usize].name == year[0].1)
        })
        .unwrap();
    let reply = move_to("elective/b1/1/1", busy.day, busy.period).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    let reasons = reply.json()["reasons"].to_string();
    assert!(reasons.contains(&format!("班级 {} 在", year[0].1)) && !reasons.contains("各教学班同时上课"), "{reasons}");
    // Moving the history group's lesson to the freed period moves the block: both groups go.
    let reply = move_to("elective/b1/1/1", 4, 7).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let notes = reply.json()["notes"].to_string();
    assert!(notes.contains("走班 高二选考A段 的各教学班一起调到 周五 第8节"), "{notes}");
    let (_, placements, _) = app.stored(&lead).await;
    for k in 0..2 {
        let p = placement(&placements, &format!("elective/b1/1/{k}"));
        assert_eq!((p.day, p.period), (4, 7), "group {k} moved with the block");
    }

    // Deleting the block gives the year its physics and history lessons back.
    let reply = app
        .post_form(
            &url,
            &principal,
            &[("section", "elective-delete".into()), ("id", "b1".into()), ("version", version.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let (inst, _, _) = app.stored(&lead).await;
    assert!(!inst.keys.iter().any(|k| k.starts_with("elective/")), "the block is gone from the input");
}
