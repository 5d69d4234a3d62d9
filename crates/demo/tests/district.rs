//! Checks of the generated demo district and the built-in curriculum against the real-world shape
//! they promise: totals, realistic classes and staffing, valid identity numbers, determinism.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::Instant;

use chrono::Datelike;
use demo::{DemoConfig, Scale};
use domain::{GroupKind, Locality, Roster, SchoolKind, Stage, Subject};

const FULL_SEED: u64 = 2026;

/// The full district, generated once for the whole test binary (it is the slow part in debug).
fn full() -> &'static Roster {
    static FULL: OnceLock<Roster> = OnceLock::new();
    FULL.get_or_init(|| {
        let started = Instant::now();
        let roster = demo::district(&DemoConfig { seed: FULL_SEED, scale: Scale::Full });
        println!("full district generated in {:.2?} (debug build)", started.elapsed());
        roster
    })
}

fn small(seed: u64) -> Roster {
    demo::district(&DemoConfig { seed, scale: Scale::Small })
}

fn within(value: usize, target: usize, percent: usize) -> bool {
    let slack = target * percent / 100;
    (target - slack..=target + slack).contains(&value)
}

#[test]
fn full_district_has_real_district_totals_and_validates() {
    let r = full();
    assert_eq!(r.validate(), Ok(()));
    assert_eq!(r.regions.len(), 3);
    assert_eq!(r.school_years.len(), 1);
    assert_eq!(r.school_years[0].name, "2026-2027学年");
    assert_eq!(r.schools.len(), 140);
    assert!(within(r.students.len(), 137_000, 3), "{} students", r.students.len());
    assert!(within(r.teachers.len(), 9_400, 3), "{} teachers", r.teachers.len());

    let count = |kind: SchoolKind| r.schools.iter().filter(|s| s.kind == kind && !s.is_teaching_point()).count();
    let teaching_points: Vec<_> = r.schools.iter().filter(|s| s.is_teaching_point()).collect();
    assert!((15..=25).contains(&teaching_points.len()), "{} teaching points", teaching_points.len());
    assert!(count(SchoolKind::Primary) >= 60);
    assert!((10..=30).contains(&count(SchoolKind::Junior)));
    assert!((4..=15).contains(&count(SchoolKind::NineYear)));
    assert!((3..=10).contains(&count(SchoolKind::Senior)));
    assert!((2..=6).contains(&count(SchoolKind::Complete)));
    for locality in [Locality::Urban, Locality::Town, Locality::Rural] {
        assert!(r.schools.iter().any(|s| s.kind == SchoolKind::Primary && s.locality == locality));
    }

    let by_id: HashMap<&str, &domain::School> = r.schools.iter().map(|s| (s.id.as_str(), s)).collect();
    for tp in &teaching_points {
        assert!(tp.name.ends_with("教学点"), "{}", tp.name);
        assert_eq!(tp.kind, SchoolKind::Primary);
        let central = by_id[tp.central_school_id.as_deref().unwrap()];
        assert_eq!(central.kind, SchoolKind::Primary, "{} → {}", tp.name, central.name);
        assert_ne!(central.locality, Locality::Urban, "{} → {}", tp.name, central.name);
        let classes = r.classes.iter().filter(|c| c.school_id == tp.id).count();
        assert!((1..=4).contains(&classes), "{} has {classes} classes", tp.name);
    }

    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for s in &r.schools {
        assert!(s.code.len() == 10 && s.code.bytes().all(|b| b.is_ascii_digit()), "{}", s.code);
        assert!(codes.insert(s.code.as_str()), "duplicate school code {}", s.code);
        assert!(names.insert(s.name.as_str()), "duplicate school name {}", s.name);
    }
    for name in ["青山区实验小学", "青山区第三中学", "临江市第一中学", "青山区桃源镇中心小学"]
    {
        assert!(names.contains(name), "no school named {name}");
    }
    for region in &r.regions {
        assert!(region.code.len() == 6 && region.code.bytes().all(|b| b.is_ascii_digit()));
    }
}

/// Class sizes promised by the brief, per stage and locality; 教学点 have 5–20 pupils.
fn realistic_class_size(stage: Stage, locality: Locality, teaching_point: bool) -> (usize, usize) {
    if teaching_point {
        return (5, 20);
    }
    match (stage, locality) {
        (Stage::Primary, Locality::Urban) => (40, 45),
        (Stage::Junior, Locality::Urban) => (45, 50),
        (Stage::Senior, Locality::Urban) => (48, 52),
        (Stage::Primary, Locality::Town) => (35, 45),
        (Stage::Junior, Locality::Town) => (40, 50),
        (Stage::Senior, Locality::Town) => (44, 52),
        (_, Locality::Rural) => (25, 45),
    }
}

#[test]
fn classes_are_realistic_in_size_name_and_grade() {
    let r = full();
    let schools: HashMap<&str, &domain::School> = r.schools.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for s in &r.students {
        *sizes.entry(s.class_id.as_str()).or_default() += 1;
    }
    for c in &r.classes {
        let school = schools[c.school_id.as_str()];
        let stage = Stage::of_grade(c.grade).unwrap();
        let (lo, hi) = realistic_class_size(stage, school.locality, school.is_teaching_point());
        let size = sizes.get(c.id.as_str()).copied().unwrap_or(0);
        assert!((lo..=hi).contains(&size), "{} {} {}: {size} pupils", school.name, c.name, school.locality);
        assert!(school.kind.grades().any(|g| g == c.grade));
        assert!(c.name.starts_with(domain::org::grade_label_zh(c.grade)) && c.name.ends_with(")班"), "{}", c.name);
    }
    let names: HashSet<&str> = r.classes.iter().map(|c| c.name.as_str()).collect();
    for name in ["一年级(1)班", "七年级(3)班", "高一(3)班"] {
        assert!(names.contains(name), "no class named {name}");
    }
}

#[test]
fn twelve_groups_cover_about_forty_schools() {
    let r = full();
    assert_eq!(r.school_groups.len(), 12);
    let schools: HashMap<&str, &domain::School> = r.schools.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut covered = HashSet::new();
    let mut per_kind: HashMap<(GroupKind, &str), usize> = HashMap::new();
    for g in &r.school_groups {
        assert_eq!(schools[g.lead_school_id.as_str()].locality, Locality::Urban, "{}", g.name);
        assert!((2..=4).contains(&g.member_school_ids.len()), "{} has {} members", g.name, g.member_school_ids.len());
        for id in std::iter::once(&g.lead_school_id).chain(&g.member_school_ids) {
            covered.insert(id.as_str());
            *per_kind.entry((g.kind, id.as_str())).or_default() += 1;
        }
        if g.kind == GroupKind::NetworkAlliance {
            for m in &g.member_school_ids {
                assert_eq!(schools[m.as_str()].locality, Locality::Rural, "{} in {}", schools[m.as_str()].name, g.name);
            }
        }
    }
    assert!((36..=44).contains(&covered.len()), "groups cover {} schools", covered.len());
    assert!(per_kind.values().all(|n| *n == 1), "a school is in two groups of one kind");
    for kind in [GroupKind::EducationGroup, GroupKind::NetworkAlliance] {
        assert!(r.school_groups.iter().filter(|g| g.kind == kind).count() >= 4);
    }
    assert!(
        r.school_groups.iter().flat_map(|g| &g.member_school_ids).any(|m| schools[m.as_str()].is_teaching_point()),
        "no alliance reaches a teaching point"
    );
}

#[test]
fn every_class_has_a_head_teacher_and_one_teacher_per_subject() {
    let r = full();
    let teachers: HashMap<&str, &domain::Teacher> = r.teachers.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut taught: HashMap<&str, Vec<Subject>> = HashMap::new();
    let mut load: HashMap<(&str, Subject), usize> = HashMap::new();
    for a in &r.teaching_assignments {
        taught.entry(a.class_id.as_str()).or_default().push(a.subject);
        let t = teachers[a.teacher_id.as_str()];
        assert!(t.subjects.contains(&a.subject), "{} teaches {} outside their subjects", t.id, a.subject);
        *load.entry((a.teacher_id.as_str(), a.subject)).or_default() += 1;
    }
    let class_school: HashMap<&str, &str> = r.classes.iter().map(|c| (c.id.as_str(), c.school_id.as_str())).collect();
    for a in &r.teaching_assignments {
        assert_eq!(teachers[a.teacher_id.as_str()].school_id, class_school[a.class_id.as_str()]);
    }
    let mut heads = HashMap::new();
    for c in &r.classes {
        let head = c.head_teacher_id.as_deref().unwrap_or_else(|| panic!("{} has no 班主任", c.id));
        assert_eq!(teachers[head].school_id, c.school_id);
        *heads.entry(head).or_insert(0) += 1;
        let mut subjects = taught.remove(c.id.as_str()).unwrap_or_default();
        subjects.sort();
        let mut expected = Stage::of_grade(c.grade).unwrap().subjects().to_vec();
        expected.sort();
        assert_eq!(subjects, expected, "{}", c.id);
    }
    // A 班主任 heads one class, apart from a rare 教学点 teacher with two small classes.
    assert!(heads.values().filter(|n| **n > 1).count() <= 5);
    // 语数英 teachers of a regular school take about two classes in their subject.
    let main_loads: Vec<usize> =
        load.iter().filter(|((_, s), _)| matches!(s, Subject::Chinese | Subject::Math)).map(|(_, n)| *n).collect();
    let two = main_loads.iter().filter(|n| **n == 2).count();
    assert!(two * 10 > main_loads.len() * 6, "{two} of {} 语文/数学 loads are two classes", main_loads.len());
    // Small schools have teachers covering several subjects.
    assert!(r.teachers.iter().filter(|t| t.subjects.len() >= 3).count() > 50);
}

#[test]
fn people_have_valid_unique_numbers_and_plausible_attributes() {
    let r = full();
    let mut id_numbers = HashSet::new();
    let mut phones = HashSet::new();
    for t in &r.teachers {
        let id = t.id_number.as_deref().unwrap();
        domain::people::validate_id_number(id).unwrap();
        assert!(id.starts_with("380102"));
        assert!(id_numbers.insert(id), "duplicate identity number");
        let year: i32 = id[6..10].parse().unwrap();
        assert!((1966..=2004).contains(&year), "teacher born {year}");
        let name_len = t.name.chars().count();
        assert!((2..=4).contains(&name_len), "{}", t.name);
        assert!(!t.subjects.is_empty());
    }
    let classes: HashMap<&str, u8> = r.classes.iter().map(|c| (c.id.as_str(), c.grade)).collect();
    let mut numbers = HashSet::new();
    for s in &r.students {
        let id = s.id_number.as_deref().unwrap();
        domain::people::validate_id_number(id).unwrap();
        assert!(id_numbers.insert(id), "duplicate identity number");
        assert_eq!(s.student_number, format!("G{id}"));
        assert!(numbers.insert(s.student_number.as_str()));
        let birth = s.birth_date.unwrap();
        assert_eq!(&id[6..14], birth.format("%Y%m%d").to_string());
        assert_eq!((id.as_bytes()[16] - b'0') % 2 == 1, s.gender == domain::Gender::Male);
        // Grade 1 of 2026 was born 2019-09-01..2020-08-31; each grade up is a year older.
        let grade = i32::from(classes[s.class_id.as_str()]);
        let cohort = if birth.month() >= 9 { birth.year() } else { birth.year() - 1 };
        assert_eq!(cohort, 2020 - grade, "{} in grade {grade} born {birth}", s.id);
    }
    for phone in r.teachers.iter().map(|t| &t.phone).chain(r.guardians.iter().map(|g| &g.phone)) {
        let phone = phone.as_deref().unwrap();
        let b = phone.as_bytes();
        assert!(b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit));
        assert!(phones.insert(phone), "duplicate phone {phone}");
    }

    let male = r.students.iter().filter(|s| s.gender == domain::Gender::Male).count();
    let share = male as f64 / r.students.len() as f64;
    assert!((0.5..0.54).contains(&share), "{share} of pupils are boys");

    let mut tiers: HashMap<domain::GrowthTier, usize> = HashMap::new();
    for t in &r.teachers {
        *tiers.entry(t.tier).or_default() += 1;
    }
    for (tier, percent) in [
        (domain::GrowthTier::Novice, 15.0),
        (domain::GrowthTier::RisingStar, 25.0),
        (domain::GrowthTier::Backbone, 40.0),
        (domain::GrowthTier::Excellent, 15.0),
        (domain::GrowthTier::Educator, 5.0),
    ] {
        let actual = 100.0 * tiers[&tier] as f64 / r.teachers.len() as f64;
        assert!((actual - percent).abs() < 3.5, "{tier}: {actual:.1}%");
    }
    let primary_schools: HashSet<&str> =
        r.schools.iter().filter(|s| s.kind == SchoolKind::Primary).map(|s| s.id.as_str()).collect();
    let primary: Vec<_> = r.teachers.iter().filter(|t| primary_schools.contains(t.school_id.as_str())).collect();
    let women = primary.iter().filter(|t| t.gender == domain::Gender::Female).count();
    assert!(women * 100 > primary.len() * 60, "{women} of {} primary teachers are women", primary.len());
}

#[test]
fn guardians_link_one_or_two_per_pupil_and_some_siblings_share() {
    let r = full();
    let mut per_student: HashMap<&str, usize> = HashMap::new();
    for g in &r.guardians {
        assert!(!g.students.is_empty(), "{} has no child", g.id);
        for link in &g.students {
            *per_student.entry(link.student_id.as_str()).or_default() += 1;
        }
    }
    assert_eq!(per_student.len(), r.students.len(), "every pupil has a guardian");
    assert!(per_student.values().all(|n| (1..=2).contains(n)));
    let shared = r.guardians.iter().filter(|g| g.students.len() >= 2).count();
    assert!(shared > 1000, "only {shared} guardians have two children");
    let relations: HashSet<_> = r.guardians.iter().flat_map(|g| g.students.iter().map(|l| l.relation)).collect();
    assert_eq!(relations.len(), domain::Relation::ALL.len());
}

#[test]
fn same_seed_same_district_other_seed_other_district() {
    let again = demo::district(&DemoConfig { seed: FULL_SEED, scale: Scale::Full });
    assert!(again == *full(), "full district differs between two runs with one seed");
    assert_eq!(small(7), small(7));
    let (a, b) = (small(7), small(8));
    assert_ne!(a.students, b.students);
    assert_ne!(a.teachers, b.teachers);
}

#[test]
fn small_district_has_every_kind_of_school() {
    for seed in [1, 2, 3] {
        let r = small(seed);
        assert_eq!(r.validate(), Ok(()));
        assert!((5..=8).contains(&r.schools.len()));
        for kind in SchoolKind::ALL {
            assert!(r.schools.iter().any(|s| s.kind == *kind && !s.is_teaching_point()), "no {kind}");
        }
        let tp = r.schools.iter().find(|s| s.is_teaching_point()).expect("a teaching point");
        assert!(r.schools.iter().any(|s| Some(&s.id) == tp.central_school_id.as_ref()));
        assert!((1..=2).contains(&r.school_groups.len()));
        assert!((1500..=3000).contains(&r.students.len()), "{} pupils", r.students.len());
        assert!(r.classes.iter().all(|c| c.head_teacher_id.is_some()));
    }
}

#[test]
fn builtin_curriculum_is_valid_and_rich() {
    let c = demo::curriculum();
    assert_eq!(c.validate(), Ok(()));
    assert_eq!(c, demo::curriculum());
    assert_eq!(c.editions.len(), 1);
    assert_eq!(c.editions[0].name, "人教版");
    assert_eq!(c.editions[0].publisher, "人民教育出版社");
    assert!(c.knowledge_points.len() >= 100, "{} knowledge points", c.knowledge_points.len());

    let volume = |subject: Subject, grade: Option<u8>, name: &str| {
        c.volumes.iter().find(|v| v.subject == subject && v.grade == grade && v.volume == name)
    };
    for grade in 1..=9 {
        for half in ["上册", "下册"] {
            assert!(volume(Subject::Chinese, Some(grade), half).is_some(), "语文 {grade} {half}");
            assert!(volume(Subject::Math, Some(grade), half).is_some(), "数学 {grade} {half}");
        }
    }
    for name in ["必修第一册", "必修第二册", "选择性必修第一册", "选择性必修第二册", "选择性必修第三册"]
    {
        assert!(volume(Subject::Math, None, name).is_some(), "数学 {name}");
    }
    assert!(c.volumes.iter().filter(|v| v.subject == Subject::English).count() >= 14);
    assert!(c.volumes.iter().any(|v| v.subject == Subject::Physics));
    assert!(c.volumes.iter().any(|v| v.subject == Subject::Chemistry));

    // Every math volume has chapters with sections, and every section teaches a point.
    for v in c.volumes.iter().filter(|v| v.subject == Subject::Math) {
        let chapters = c.nodes.iter().filter(|n| n.volume_id == v.id && n.parent_id.is_none()).count();
        let sections = c.nodes.iter().filter(|n| n.volume_id == v.id && n.parent_id.is_some()).count();
        assert!(chapters >= 2 && sections >= chapters, "{}: {chapters} chapters, {sections} sections", v.id);
    }
    let title = |t: &str| c.nodes.iter().any(|n| n.title == t);
    assert!(title("第一章 有理数") && title("1.1 正数和负数") && title("第五章 相交线与平行线"));
    assert!(title("第一章 集合与常用逻辑用语"));

    // Cross-volume prerequisites: 有理数 → 整式的加减 → 一元一次方程; 一次函数 → 二次函数.
    let point = |name: &str| {
        c.knowledge_points
            .iter()
            .find(|k| k.subject == Subject::Math && k.name == name)
            .unwrap_or_else(|| panic!("no knowledge point {name}"))
    };
    let depends = |later: &str, earlier: &str| {
        let target = &point(earlier).id;
        let by_id: HashMap<&str, &domain::KnowledgePoint> =
            c.knowledge_points.iter().map(|k| (k.id.as_str(), k)).collect();
        let mut stack = vec![point(later).id.as_str()];
        let mut seen = HashSet::new();
        while let Some(id) = stack.pop() {
            if id == target {
                return true;
            }
            if seen.insert(id) {
                stack.extend(by_id[id].prerequisite_ids.iter().map(String::as_str));
            }
        }
        false
    };
    assert!(depends("从算式到方程", "整式"));
    assert!(depends("整式", "有理数的乘方"));
    assert!(depends("二次函数的图象和性质", "一次函数"));
    assert!(depends("函数的概念及其表示", "二次函数的图象和性质"));
    fn volume_of(id: &str) -> &str {
        &id[..id.rfind('-').unwrap()]
    }
    let cross = c
        .knowledge_points
        .iter()
        .filter(|k| k.prerequisite_ids.iter().any(|p| volume_of(p) != volume_of(&k.id)))
        .count();
    assert!(cross >= 20, "only {cross} points build on another volume");
}
