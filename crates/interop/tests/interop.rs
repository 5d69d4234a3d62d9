//! Integration tests of the interop crate: OneRoster round trips, encodings, error reports, PEP import.
#![allow(clippy::unwrap_used, reason = "the helpers below are test code: a panic there is a failed test")]

use chrono::NaiveDate;
use domain::{
    Class, Gender, GroupKind, GrowthTier, Guardian, GuardianLink, Locality, NodeKind, Region, RegionLevel, Relation,
    Roster, School, SchoolGroup, SchoolKind, SchoolYear, Student, Subject, Teacher, TeachingAssignment,
};
use interop::{InputFile, InteropError, RowError, oneroster, pep};

// ---------------------------------------------------------------------------------------------
// Fixture and helpers
// ---------------------------------------------------------------------------------------------

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A valid identity number with the given 17 first digits.
fn id_number(first17: &str) -> String {
    format!("{first17}{}", domain::people::id_number_check_char(first17).unwrap())
}

/// A small roster with one of everything: region tree, schools, a 教学点, a group, classes, teachers
/// (one with two subjects), students with and without identity numbers, a guardian of two students.
fn fixture() -> Roster {
    let region = |id: &str, parent: Option<&str>, code: &str, name: &str, level| Region {
        id: id.into(),
        parent_id: parent.map(Into::into),
        code: code.into(),
        name: name.into(),
        level,
    };
    let school = |id: &str, code: &str, name: &str, kind, locality, central: Option<&str>| School {
        id: id.into(),
        region_id: "r-district".into(),
        code: code.into(),
        name: name.into(),
        kind,
        locality,
        central_school_id: central.map(Into::into),
    };
    let class = |id: &str, school: &str, grade, name: &str, head: Option<&str>| Class {
        id: id.into(),
        school_id: school.into(),
        school_year_id: "y2027".into(),
        grade,
        name: name.into(),
        head_teacher_id: head.map(Into::into),
    };
    let student =
        |id: &str, school: &str, class: &str, name: &str, gender, number: &str, idn: Option<String>, birth| Student {
            id: id.into(),
            school_id: school.into(),
            class_id: class.into(),
            name: name.into(),
            gender,
            student_number: number.into(),
            id_number: idn,
            birth_date: birth,
        };
    Roster {
        regions: vec![
            region("r-province", None, "330000", "浙江省", RegionLevel::Province),
            region("r-city", Some("r-province"), "330100", "杭州市", RegionLevel::City),
            region("r-district", Some("r-city"), "330106", "西湖区", RegionLevel::District),
        ],
        schools: vec![
            school("s-primary", "2133010601", "西湖小学", SchoolKind::Primary, Locality::Urban, None),
            school("s-nine", "2133010602", "西湖九年一贯制学校", SchoolKind::NineYear, Locality::Town, None),
            school("s-point", "2133010603", "龙井教学点", SchoolKind::Primary, Locality::Rural, Some("s-primary")),
        ],
        school_groups: vec![SchoolGroup {
            id: "g-west".into(),
            name: "西湖教育集团".into(),
            kind: GroupKind::EducationGroup,
            lead_school_id: "s-primary".into(),
            member_school_ids: vec!["s-nine".into(), "s-point".into()],
        }],
        school_years: vec![SchoolYear {
            id: "y2027".into(),
            name: "2026—2027学年".into(),
            start_date: date(2026, 9, 1),
            end_date: date(2027, 7, 15),
        }],
        classes: vec![
            class("c-3-1", "s-primary", 3, "三年级(1)班", Some("t-ouyang")),
            class("c-7-2", "s-nine", 7, "七年级(2)班", None),
            class("c-1-1", "s-point", 1, "一年级(1)班", None),
        ],
        teachers: vec![
            Teacher {
                id: "t-ouyang".into(),
                school_id: "s-primary".into(),
                name: "欧阳明".into(),
                gender: Gender::Female,
                id_number: Some(id_number("33010619850304002")),
                phone: Some("13812345678".into()),
                tier: GrowthTier::Backbone,
                subjects: vec![Subject::Math, Subject::Chinese],
            },
            Teacher {
                id: "t-li".into(),
                school_id: "s-nine".into(),
                name: "李华".into(),
                gender: Gender::Male,
                id_number: None,
                phone: None,
                tier: GrowthTier::Novice,
                subjects: vec![Subject::English],
            },
        ],
        students: vec![
            student(
                "st-zhang",
                "s-primary",
                "c-3-1",
                "张三",
                Gender::Male,
                "G330106201801010011",
                Some(id_number("33010620180101001")),
                Some(date(2018, 1, 1)),
            ),
            student("st-wang", "s-primary", "c-3-1", "王小红", Gender::Female, "G330106201802020022", None, None),
            student(
                "st-sima",
                "s-nine",
                "c-7-2",
                "司马光",
                Gender::Male,
                "G330106201403030033",
                None,
                Some(date(2014, 3, 3)),
            ),
            student("st-li", "s-point", "c-1-1", "李一", Gender::Female, "G330106202004040044", None, None),
        ],
        guardians: vec![
            Guardian {
                id: "p-zhang".into(),
                name: "张大山".into(),
                phone: Some("13900001111".into()),
                students: vec![
                    GuardianLink { student_id: "st-zhang".into(), relation: Relation::Father },
                    GuardianLink { student_id: "st-sima".into(), relation: Relation::Grandparent },
                ],
            },
            Guardian {
                id: "p-wang".into(),
                name: "王".into(),
                phone: None,
                students: vec![GuardianLink { student_id: "st-wang".into(), relation: Relation::Mother }],
            },
        ],
        teaching_assignments: vec![
            TeachingAssignment { teacher_id: "t-ouyang".into(), class_id: "c-3-1".into(), subject: Subject::Math },
            TeachingAssignment { teacher_id: "t-ouyang".into(), class_id: "c-3-1".into(), subject: Subject::Chinese },
            TeachingAssignment { teacher_id: "t-li".into(), class_id: "c-7-2".into(), subject: Subject::English },
            TeachingAssignment { teacher_id: "t-ouyang".into(), class_id: "c-1-1".into(), subject: Subject::Math },
        ],
    }
}

/// The roster with every vector sorted by id, so two rosters compare regardless of order.
fn sorted(mut r: Roster) -> Roster {
    r.regions.sort_by(|a, b| a.id.cmp(&b.id));
    r.schools.sort_by(|a, b| a.id.cmp(&b.id));
    r.school_groups.sort_by(|a, b| a.id.cmp(&b.id));
    r.school_years.sort_by(|a, b| a.id.cmp(&b.id));
    r.classes.sort_by(|a, b| a.id.cmp(&b.id));
    r.teachers.sort_by(|a, b| a.id.cmp(&b.id));
    r.students.sort_by(|a, b| a.id.cmp(&b.id));
    r.guardians.sort_by(|a, b| a.id.cmp(&b.id));
    r.teaching_assignments
        .sort_by(|a, b| (&a.teacher_id, &a.class_id, a.subject).cmp(&(&b.teacher_id, &b.class_id, b.subject)));
    r
}

fn inputs(written: Vec<(String, Vec<u8>)>) -> Vec<InputFile> {
    written.into_iter().map(|(name, bytes)| InputFile { name, bytes }).collect()
}

fn fixture_files() -> Vec<InputFile> {
    inputs(oneroster::write(&fixture()))
}

fn text(files: &[InputFile], name: &str) -> String {
    String::from_utf8(files.iter().find(|f| f.name == name).unwrap().bytes.clone()).unwrap()
}

/// Replaces a file's text with `change(text)`.
fn edit(files: &mut [InputFile], name: &str, change: impl FnOnce(&str) -> String) {
    let file = files.iter_mut().find(|f| f.name == name).unwrap();
    file.bytes = change(std::str::from_utf8(&file.bytes).unwrap()).into_bytes();
}

/// Replaces one field of the row whose sourcedId is `id`.
fn set_field(files: &mut [InputFile], name: &str, id: &str, column: &str, value: &str) {
    edit(files, name, |text| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let index = lines[0].split(',').position(|h| h == column).unwrap();
        let row = lines.iter_mut().find(|l| l.starts_with(&format!("{id},"))).unwrap();
        let mut fields: Vec<&str> = row.split(',').collect();
        fields[index] = value;
        *row = fields.join(",");
        lines.join("\n") + "\n"
    });
}

/// The 1-based line of the row whose sourcedId is `id`.
fn line_of(files: &[InputFile], name: &str, id: &str) -> usize {
    text(files, name).lines().position(|l| l.starts_with(&format!("{id},"))).unwrap() + 1
}

fn errors_of(files: &[InputFile]) -> Vec<RowError> {
    oneroster::read(files).unwrap_err().errors
}

fn row_error(file: &str, line: usize, column: Option<&str>, reason: &str) -> RowError {
    RowError { file: file.into(), line, column: column.map(Into::into), reason: reason.into() }
}

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

#[test]
fn fixture_round_trips() {
    let roster = fixture();
    assert_eq!(roster.validate(), Ok(()));
    let read = oneroster::read(&inputs(oneroster::write(&roster))).unwrap();
    assert_eq!(sorted(read), sorted(roster));
}

#[test]
fn demo_district_round_trips() {
    let roster = demo::district(&demo::DemoConfig { seed: 1, scale: demo::Scale::Small });
    let read = oneroster::read(&inputs(oneroster::write(&roster))).unwrap_or_else(|e| panic!("{e}"));
    let empty = roster == Roster::default();
    println!(
        "demo roster: {} schools, {} classes, {} teachers, {} students, {} guardians",
        roster.schools.len(),
        roster.classes.len(),
        roster.teachers.len(),
        roster.students.len(),
        roster.guardians.len()
    );
    if !empty {
        assert!(!read.students.is_empty() && !read.teachers.is_empty() && !read.classes.is_empty());
    }
    assert_eq!(sorted(read), sorted(roster));
}

#[test]
fn written_files_follow_the_mapping() {
    let files = fixture_files();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "manifest.csv",
            "orgs.csv",
            "x-zhijiao-schoolGroups.csv",
            "academicSessions.csv",
            "courses.csv",
            "classes.csv",
            "users.csv",
            "roles.csv",
            "enrollments.csv",
            "demographics.csv"
        ]
    );
    for f in &files {
        assert!(!f.bytes.starts_with(b"\xEF\xBB\xBF"), "{} must have no BOM", f.name);
    }
    let manifest = text(&files, "manifest.csv");
    for line in [
        "manifest.version,1.0",
        "oneroster.version,1.2",
        "file.users,bulk",
        "file.results,absent",
        "source.systemName,Zhijiao",
    ] {
        assert!(manifest.lines().any(|l| l == line), "manifest lacks {line}");
    }
    let orgs = text(&files, "orgs.csv");
    assert!(orgs.contains("r-province,,,浙江省,state,330000,,,,\n"));
    assert!(orgs.contains("r-city,,,杭州市,local,330100,r-province,,,\n"));
    assert!(orgs.contains("s-point,,,龙井教学点,school,2133010603,r-district,primary,rural,s-primary\n"));
    assert!(
        text(&files, "x-zhijiao-schoolGroups.csv")
            .contains("g-west,西湖教育集团,education_group,s-primary,s-nine;s-point\n")
    );
    assert!(
        text(&files, "academicSessions.csv").contains("y2027,,,2026—2027学年,schoolYear,2026-09-01,2027-07-15,,2027\n")
    );
    assert!(text(&files, "courses.csv").contains("crs-s-primary-03,,,y2027,三年级,,03,s-primary,,\n"));
    assert!(
        text(&files, "classes.csv").contains("c-3-1,,,三年级(1)班,03,crs-s-primary-03,,homeroom,,s-primary,y2027,,,\n")
    );
    let users = text(&files, "users.csv");
    assert_eq!(
        users.lines().next().unwrap(),
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,\
         email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,\
         preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns,metadata.zhijiao.tier,\
         metadata.zhijiao.subjects,metadata.zhijiao.relations"
    );
    let ouyang_id = id_number("33010619850304002");
    assert!(users.contains(&format!(
        "t-ouyang,,,true,t-ouyang,{{cn_resident_id:{ouyang_id}}},明,欧阳,,,,,13812345678,,,,,,,,,s-primary,,backbone,math;chinese,\n"
    )));
    assert!(users.contains("st-sima,,,true,st-sima,,光,司马,,G330106201403030033,,,,p-zhang,07,,,,,,,s-nine,,,,\n"));
    assert!(users.contains("p-zhang,,,true,p-zhang,,大山,张,,,,,13900001111,\"st-zhang,st-sima\",,,,,,,,,,,,st-zhang:father;st-sima:grandparent\n"));
    let roles = text(&files, "roles.csv");
    assert!(roles.contains("role-p-zhang,,,p-zhang,primary,guardian,s-primary,,,\n"));
    let enrollments = text(&files, "enrollments.csv");
    assert!(enrollments.contains("enr-c-3-1-t-ouyang-head,,,c-3-1,s-primary,t-ouyang,teacher,true,,,\n"));
    assert!(enrollments.contains("enr-c-3-1-t-ouyang-chinese,,,c-3-1,s-primary,t-ouyang,teacher,false,,,chinese\n"));
    assert!(enrollments.contains("enr-c-3-1-st-zhang,,,c-3-1,s-primary,st-zhang,student,false,,,\n"));
    assert!(text(&files, "demographics.csv").contains("st-zhang,,,2018-01-01,male,,,,,,,,,,,\n"));
    // Writing is a pure function of the roster.
    assert_eq!(oneroster::write(&fixture()), oneroster::write(&fixture()));
}

#[test]
fn manifest_is_optional_and_files_may_have_a_bom() {
    let mut files = fixture_files();
    files.retain(|f| f.name != "manifest.csv");
    let users = files.iter_mut().find(|f| f.name == "users.csv").unwrap();
    users.bytes.splice(0..0, *b"\xEF\xBB\xBF");
    assert_eq!(sorted(oneroster::read(&files).unwrap()), sorted(fixture()));
}

#[test]
fn reads_a_zip_with_a_top_folder() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in oneroster::write(&fixture()) {
        zip.start_file(format!("export/{name}"), options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.start_file("__MACOSX/export/._users.csv", options).unwrap();
    zip.write_all(b"\x00\x05junk").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let files = interop::files_from_zip(&bytes).unwrap();
    assert!(files.iter().any(|f| f.name == "users.csv"));
    assert!(files.iter().all(|f| !f.name.contains('/')));
    assert_eq!(sorted(oneroster::read(&files).unwrap()), sorted(fixture()));

    let err = interop::files_from_zip(b"not a zip").unwrap_err();
    assert!(matches!(err, InteropError::BadZip { .. }), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

#[test]
fn reads_gbk_users() {
    let mut files = fixture_files();
    let users = files.iter_mut().find(|f| f.name == "users.csv").unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(std::str::from_utf8(&users.bytes).unwrap());
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "the GBK file must not be valid UTF-8");
    users.bytes = gbk.into_owned();
    let read = oneroster::read(&files).unwrap();
    let names: Vec<&str> = read.teachers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["欧阳明", "李华"]);
    assert_eq!(sorted(read), sorted(fixture()));
}

#[test]
fn refuses_a_binary_file_by_name() {
    let mut files = fixture_files();
    // A deterministic pseudo-random byte string (xorshift), like a picture saved as CSV by mistake.
    let mut x: u32 = 0x9E37_79B9;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    files.iter_mut().find(|f| f.name == "users.csv").unwrap().bytes = bytes;
    let err = oneroster::read(&files).unwrap_err();
    assert_eq!(
        err.errors,
        [row_error("users.csv", 0, None, "is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 and try again")]
    );
    assert_eq!(err.to_string(), "users.csv: is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 and try again");
}

// ---------------------------------------------------------------------------------------------
// One test per kind of error
// ---------------------------------------------------------------------------------------------

#[test]
fn reports_a_missing_header_column() {
    let mut files = fixture_files();
    edit(&mut files, "users.csv", |t| t.replacen("givenName", "given_name", 1));
    assert_eq!(
        errors_of(&files),
        [row_error("users.csv", 1, Some("givenName"), "required column is missing from the header")]
    );
}

#[test]
fn reports_an_empty_required_field() {
    let mut files = fixture_files();
    set_field(&mut files, "users.csv", "st-wang", "givenName", "");
    let line = line_of(&files, "users.csv", "st-wang");
    let err = oneroster::read(&files).unwrap_err();
    assert_eq!(err.errors, [row_error("users.csv", line, Some("givenName"), "must not be empty")]);
    assert_eq!(err.to_string(), format!("users.csv:{line}: column givenName: must not be empty"));
    assert_eq!(err.count(), 1);
}

#[test]
fn reports_a_duplicate_sourced_id() {
    let mut files = fixture_files();
    let row = text(&files, "classes.csv").lines().find(|l| l.starts_with("c-7-2,")).unwrap().to_owned();
    edit(&mut files, "classes.csv", |t| format!("{t}{row}\n"));
    let first = line_of(&files, "classes.csv", "c-7-2");
    let last = text(&files, "classes.csv").lines().count();
    assert_eq!(
        errors_of(&files),
        [row_error(
            "classes.csv",
            last,
            Some("sourcedId"),
            &format!("duplicate sourcedId `c-7-2` (first on line {first})")
        )]
    );
}

#[test]
fn reports_a_dangling_reference() {
    let mut files = fixture_files();
    set_field(&mut files, "enrollments.csv", "enr-c-7-2-t-li-english", "classSourcedId", "c-9-9");
    let line = line_of(&files, "enrollments.csv", "enr-c-7-2-t-li-english");
    assert_eq!(
        errors_of(&files),
        [row_error("enrollments.csv", line, Some("classSourcedId"), "`c-9-9` is not in classes.csv")]
    );
}

#[test]
fn reports_bad_enum_values() {
    let cases = [
        (
            "orgs.csv",
            "r-city",
            "type",
            "county",
            "unknown org type `county`; expected state (province), local (city), district or school",
        ),
        (
            "orgs.csv",
            "s-nine",
            "metadata.zhijiao.schoolKind",
            "大学",
            "unknown value `大学`; expected one of primary, junior, senior, nine_year, complete",
        ),
        (
            "classes.csv",
            "c-1-1",
            "classType",
            "scheduled",
            "class type `scheduled` is not supported yet; Zhijiao imports homeroom classes (班级)",
        ),
        (
            "roles.csv",
            "role-t-li",
            "role",
            "administrator",
            "role `administrator` is not supported yet; Zhijiao imports teacher, student and guardian (parent, relative)",
        ),
        ("demographics.csv", "st-li", "sex", "x", "unknown value `x`; expected one of male, female"),
        (
            "x-zhijiao-schoolGroups.csv",
            "g-west",
            "kind",
            "club",
            "unknown value `club`; expected one of education_group, network_alliance",
        ),
    ];
    for (file, id, column, value, reason) in cases {
        let mut files = fixture_files();
        set_field(&mut files, file, id, column, value);
        let line = line_of(&files, file, id);
        assert_eq!(errors_of(&files), [row_error(file, line, Some(column), reason)], "{file} {column}");
    }
}

#[test]
fn reports_a_bad_date() {
    let mut files = fixture_files();
    set_field(&mut files, "academicSessions.csv", "y2027", "startDate", "2026-13-01");
    assert_eq!(
        errors_of(&files),
        [row_error("academicSessions.csv", 2, Some("startDate"), "`2026-13-01` is not a date of the form YYYY-MM-DD")]
    );
}

#[test]
fn reports_a_bad_grade_code() {
    let mut files = fixture_files();
    set_field(&mut files, "classes.csv", "c-3-1", "grades", "13");
    let line = line_of(&files, "classes.csv", "c-3-1");
    assert_eq!(
        errors_of(&files),
        [row_error("classes.csv", line, Some("grades"), "`13` is not a grade code 01 to 12")]
    );
}

#[test]
fn reports_a_wrong_field_count() {
    let mut files = fixture_files();
    edit(&mut files, "roles.csv", |t| t.replacen("role-t-li,", "role-t-li,,", 1));
    let line = line_of(&files, "roles.csv", "role-t-li");
    assert_eq!(errors_of(&files), [row_error("roles.csv", line, None, "has 11 fields but the header has 10")]);
}

#[test]
fn refuses_delta_rows() {
    let mut files = fixture_files();
    set_field(&mut files, "orgs.csv", "s-nine", "status", "tobedeleted");
    let line = line_of(&files, "orgs.csv", "s-nine");
    assert_eq!(
        errors_of(&files),
        [row_error(
            "orgs.csv",
            line,
            Some("status"),
            "`tobedeleted` rows belong to delta files, which are not supported yet; export a bulk file set"
        )]
    );
}

#[test]
fn checks_the_manifest() {
    let mut files = fixture_files();
    edit(&mut files, "manifest.csv", |t| {
        t.replace("oneroster.version,1.2", "oneroster.version,1.1").replace("file.users,bulk", "file.users,delta")
    });
    let manifest = text(&files, "manifest.csv");
    let line = |prefix: &str| manifest.lines().position(|l| l.starts_with(prefix)).unwrap() + 1;
    assert_eq!(
        errors_of(&files),
        [
            row_error(
                "manifest.csv",
                line("oneroster.version"),
                Some("value"),
                "OneRoster version `1.1` is not supported; export version 1.2"
            ),
            row_error(
                "manifest.csv",
                line("file.users"),
                Some("value"),
                "delta files are not supported yet; export a bulk file set"
            ),
        ]
    );
}

#[test]
fn maps_domain_errors_to_their_line() {
    let mut files = fixture_files();
    // The school year's dates pass on their own but end before they start: Roster::validate finds it.
    set_field(&mut files, "academicSessions.csv", "y2027", "endDate", "2026-08-01");
    set_field(&mut files, "academicSessions.csv", "y2027", "schoolYear", "2026");
    // A teaching point whose central school is itself a teaching point.
    set_field(&mut files, "orgs.csv", "s-nine", "metadata.zhijiao.centralSchool", "s-point");
    assert_eq!(
        errors_of(&files),
        [
            row_error("academicSessions.csv", 2, Some("endDate"), "school year `y2027`: ends before it starts"),
            row_error(
                "orgs.csv",
                line_of(&files, "orgs.csv", "s-nine"),
                Some("metadata.zhijiao.centralSchool"),
                "school `s-nine`: central school `s-point` is itself a teaching point"
            ),
        ]
    );
}

#[test]
fn reports_every_error_of_a_file_set() {
    let mut files = fixture_files();
    set_field(&mut files, "users.csv", "st-wang", "givenName", "");
    set_field(&mut files, "academicSessions.csv", "y2027", "startDate", "2026/09/01");
    set_field(&mut files, "classes.csv", "c-3-1", "grades", "3");
    set_field(&mut files, "enrollments.csv", "enr-c-7-2-st-sima", "classSourcedId", "c-x");
    set_field(&mut files, "users.csv", "t-li", "userIds", "{cn_resident_id:330106198503040021}");
    let err = oneroster::read(&files).unwrap_err();
    let got: Vec<(&str, usize, Option<&str>)> =
        err.iter().map(|e| (e.file.as_str(), e.line, e.column.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("academicSessions.csv", 2, Some("startDate")),
            ("classes.csv", line_of(&files, "classes.csv", "c-3-1"), Some("grades")),
            ("enrollments.csv", line_of(&files, "enrollments.csv", "enr-c-7-2-st-sima"), Some("classSourcedId")),
            ("users.csv", line_of(&files, "users.csv", "t-li"), Some("userIds")),
            ("users.csv", line_of(&files, "users.csv", "st-wang"), Some("givenName")),
        ]
    );
    assert_eq!(err.count(), 5);
    assert_eq!(err.to_string().lines().count(), 5);
    // The identity number's error masks it.
    assert!(err.errors[3].reason.contains("330106********0021"), "{}", err.errors[3].reason);
}

// ---------------------------------------------------------------------------------------------
// PEP curriculum
// ---------------------------------------------------------------------------------------------

const FRAME: &str = r#"{
 "periods": ["小学", "初中", "高中"],
 "grades": {"小学": ["一年级", "二年级"], "初中": ["七年级", "八年级"], "高中": ["必修", "选择性必修"]},
 "subjects": {"小学": ["习近平新时代中国特色社会主义思想学生读本", "语文", "体育与健康"], "初中": ["数学", "日语"], "高中": ["数学"]}
}"#;

const CATALOG: &str = "period,grade,subject,volume,book_id,pages
小学,二年级,习近平新时代中国特色社会主义思想学生读本,,1291001103221,2
小学,一年级,语文,上册,1211001101161,128
小学,一年级,体育与健康,,1272001103221,344
初中,七年级,日语,上册,1351001101121,100
初中,七年级,数学,上册,1321001101121,162
高中,必修,数学-第一册,B版,1421001121201,152
";

const TOC: &str = r#"{"books": [
 {"book": "初中/七年级/数学/上册", "toc": [
  {"page": 1, "title": "封面"},
  {"page": 9, "title": "第一章: 有理数", "children": [
   {"page": 10, "title": "1.1: 正数和负数"},
   {"page": 24, "title": "1.2 有理数", "children": [{"page": 29, "title": "实验与探究 填幻方"}]},
   {"page": 57, "title": "数学活动1"},
   {"page": 58, "title": "小结1"}
  ]},
  {"page": 60, "title": "第二章 整式的加减", "children": [
   {"page": 61, "title": "2.1 整式"},
   {"page": 70, "title": "2.2 课题学习 设计包装纸盒"}
  ]}
 ]},
 {"book": "高中/必修/数学/第一册/B版", "toc": [
  {"page": 5, "title": "第一章: 集合与常用逻辑用语", "children": [
   {"page": 6, "title": "1.0: 本章导语"},
   {"page": 7, "title": "1.1: 集合", "children": [
    {"page": 7, "title": "1.1.1 集合及其表示方法"},
    {"page": 12, "title": "1.1.2 集合的基本关系"}
   ]},
   {"page": 30, "title": "本章小结1"}
  ]}
 ]},
 {"book": "初中/八年级/数学/上册", "toc": [
  {"page": 9, "title": "第十一章: 三角形", "children": [{"page": 10, "title": "11.1: 与三角形有关的线段"}]}
 ]}
]}"#;

#[test]
fn pep_sample() {
    let (curriculum, report) = pep::curriculum(FRAME, CATALOG, TOC).unwrap();
    assert_eq!(curriculum.validate(), Ok(()));
    assert_eq!(curriculum.editions.len(), 1);
    assert_eq!(
        (curriculum.editions[0].name.as_str(), curriculum.editions[0].publisher.as_str()),
        ("人教版", "人民教育出版社")
    );
    let volumes: Vec<(&str, Subject, Option<u8>, &str)> =
        curriculum.volumes.iter().map(|v| (v.id.as_str(), v.subject, v.grade, v.volume.as_str())).collect();
    assert_eq!(
        volumes[..4],
        [
            ("pep-1211001101161", Subject::Chinese, Some(1), "上册"),
            ("pep-1272001103221", Subject::Pe, Some(1), "全一册"),
            ("pep-1321001101121", Subject::Math, Some(7), "上册"),
            ("pep-1421001121201", Subject::Math, None, "必修 第一册 B版"),
        ]
    );
    // The grade-8 book is not in the catalog: it gets a volume of its own, with an id from its path.
    assert_eq!(volumes.len(), 5);
    assert!(volumes[4].0.starts_with("pep-p") && volumes[4].2 == Some(8) && volumes[4].3 == "上册");
    assert!(curriculum.volumes[4].book_id.is_none());

    let nodes: Vec<(&str, Option<&str>, NodeKind, u32, &str)> = curriculum
        .nodes
        .iter()
        .filter(|n| n.volume_id == "pep-1321001101121" || n.volume_id == "pep-1421001121201")
        .map(|n| (n.id.as_str(), n.parent_id.as_deref(), n.kind, n.ordinal, n.title.as_str()))
        .collect();
    let v7 = "pep-1321001101121";
    let v10 = "pep-1421001121201";
    assert_eq!(
        nodes,
        [
            ("pep-1321001101121-c1", None, NodeKind::Chapter, 0, "第一章 有理数"),
            ("pep-1321001101121-c1-s1", Some("pep-1321001101121-c1"), NodeKind::Section, 0, "1.1 正数和负数"),
            ("pep-1321001101121-c1-s2", Some("pep-1321001101121-c1"), NodeKind::Section, 1, "1.2 有理数"),
            ("pep-1321001101121-c2", None, NodeKind::Chapter, 1, "第二章 整式的加减"),
            ("pep-1321001101121-c2-s1", Some("pep-1321001101121-c2"), NodeKind::Section, 0, "2.1 整式"),
            (
                "pep-1321001101121-c2-s2",
                Some("pep-1321001101121-c2"),
                NodeKind::Section,
                1,
                "2.2 课题学习 设计包装纸盒"
            ),
            ("pep-1421001121201-c1", None, NodeKind::Chapter, 0, "第一章 集合与常用逻辑用语"),
            ("pep-1421001121201-c1-s1", Some("pep-1421001121201-c1"), NodeKind::Section, 0, "1.1 集合"),
            (
                "pep-1421001121201-c1-s1-1",
                Some("pep-1421001121201-c1-s1"),
                NodeKind::Section,
                0,
                "1.1.1 集合及其表示方法"
            ),
            (
                "pep-1421001121201-c1-s1-2",
                Some("pep-1421001121201-c1-s1"),
                NodeKind::Section,
                1,
                "1.1.2 集合的基本关系"
            ),
        ]
    );
    assert!(
        curriculum.nodes.iter().all(|n| [v7, v10].contains(&n.volume_id.as_str()) || n.volume_id.starts_with("pep-p"))
    );

    let points: Vec<(&str, &str, Vec<&str>)> = curriculum
        .knowledge_points
        .iter()
        .map(|k| (k.id.as_str(), k.name.as_str(), k.prerequisite_ids.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        points,
        [
            ("kp-pep-1321001101121-c1-s1", "正数和负数", vec![]),
            ("kp-pep-1321001101121-c1-s2", "有理数", vec!["kp-pep-1321001101121-c1-s1"]),
            ("kp-pep-1321001101121-c2-s1", "整式", vec!["kp-pep-1321001101121-c1-s2"]),
            ("kp-pep-1421001121201-c1-s1-1", "集合及其表示方法", vec![]),
            ("kp-pep-1421001121201-c1-s1-2", "集合的基本关系", vec!["kp-pep-1421001121201-c1-s1-1"]),
            (points[5].0, "与三角形有关的线段", vec![]),
        ]
    );
    assert!(curriculum.knowledge_points.iter().all(|k| k.subject == Subject::Math));

    assert_eq!(
        report,
        pep::PepReport {
            volumes: 5,
            chapters: 4,
            sections: 8,
            knowledge_points: 6,
            filtered_entries: 6,
            skipped_subjects: vec!["习近平新时代中国特色社会主义思想学生读本".into(), "日语".into()],
        }
    );
}

#[test]
fn pep_bad_input_names_the_file() {
    let err = pep::curriculum(FRAME, &CATALOG.replace("初中,七年级,数学", "初中,十年级,数学"), TOC).unwrap_err();
    assert_eq!(
        err.to_string(),
        "pep_textbook_catalog.csv:6: unknown grade `十年级` for 初中; expected one of 七年级, 八年级"
    );
    let err = pep::curriculum(FRAME, CATALOG, "{\"books\": [").unwrap_err();
    assert!(err.to_string().starts_with("pep_math_toc.json:1: "), "{err}");
}

#[test]
fn pep_real_data() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pep-textbook-structure");
    if !dir.exists() {
        println!("skipped: ../shared/data not found");
        return;
    }
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let toc_text = read("pep_math_toc.json");
    let (curriculum, report) =
        pep::curriculum(&read("pep_period_grade_subject.json"), &read("pep_textbook_catalog.csv"), &toc_text).unwrap();
    assert_eq!(curriculum.validate(), Ok(()));
    println!("PEP real data: {report:?}");

    // The catalog's book id of each book path, as the TOC writes paths.
    let catalog = read("pep_textbook_catalog.csv");
    let book_ids: std::collections::HashMap<String, String> = catalog
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let (subject, book) = f[2].split_once('-').unwrap_or((f[2], ""));
            let path: Vec<&str> = [f[0], f[1], subject, book, f[3]].into_iter().filter(|s| !s.is_empty()).collect();
            (path.join("/"), f[4].to_owned())
        })
        .collect();
    let toc: serde_json::Value = serde_json::from_str(&toc_text).unwrap();
    let books = toc["books"].as_array().unwrap();
    assert_eq!(books.len(), 18);
    for book in books {
        let path = book["book"].as_str().unwrap();
        let volume = format!("pep-{}", book_ids[path]);
        let in_toc: Vec<&str> = book["toc"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .filter(|t| t.starts_with('第') && t.contains('章'))
            .collect();
        let imported: Vec<&str> = curriculum
            .nodes
            .iter()
            .filter(|n| n.volume_id == volume && n.kind == NodeKind::Chapter)
            .map(|n| n.title.as_str())
            .collect();
        assert!(!imported.is_empty(), "{path}");
        assert_eq!(imported.len(), in_toc.len(), "{path}");
        let v = curriculum.volumes.iter().find(|v| v.id == volume).unwrap();
        assert_eq!((v.subject, v.book_id.as_deref()), (Subject::Math, Some(book_ids[path].as_str())), "{path}");
        assert!(
            curriculum.knowledge_points.iter().any(|k| k.node_id.as_deref().is_some_and(|n| n.starts_with(&volume))),
            "{path} has no knowledge point"
        );
    }
    let math_volumes_with_chapters: std::collections::HashSet<&str> =
        curriculum.nodes.iter().filter(|n| n.kind == NodeKind::Chapter).map(|n| n.volume_id.as_str()).collect();
    assert_eq!(math_volumes_with_chapters.len(), 18);

    let grade7: Vec<&str> = curriculum
        .nodes
        .iter()
        .filter(|n| n.volume_id == "pep-1321001101121" && n.kind == NodeKind::Chapter)
        .map(|n| n.title.as_str())
        .collect();
    assert_eq!(grade7, ["第一章 有理数", "第二章 整式的加法", "第三章 一元一次方程", "第四章 几何图形初步"]);
    assert!(curriculum.knowledge_points.iter().any(|k| k.name == "有理数的乘方"));
    assert!(report.skipped_subjects.contains(&"习近平新时代中国特色社会主义思想学生读本".to_owned()));
    assert_eq!(report.volumes, curriculum.volumes.len());
    assert_eq!(report.chapters, curriculum.nodes.iter().filter(|n| n.kind == NodeKind::Chapter).count());
    assert_eq!(report.sections, curriculum.nodes.iter().filter(|n| n.kind == NodeKind::Section).count());
    assert!(report.filtered_entries > 0);
}
