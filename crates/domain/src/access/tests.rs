//! The access matrix: every role × action × resource kind × situation, against an expectation
//! table written independently of the policy code, on randomly generated org trees.

use proptest::{prelude::*, strategy::ValueTree};

use super::*;

/// Situations of a target relative to the actor's home:
/// `S` the actor's own place (own district/group/school/class/record), `M` a classmate of the
/// actor's student, `C` another class of the same school, `O` another school of the same group,
/// `X` a school of the same district outside the group, `D` another district.
///
/// One line per role/action/kind that is allowed somewhere, or that is denied with a reason
/// other than `not_permitted`. Every combination not listed must be denied as `not_permitted`.
/// Format: `actor action kind allowed-situations denied-situations:reason`.
const EXPECTED: &str = "
district_admin view district S D:out_of_scope
district_admin view group S,X D:out_of_scope
district_admin view school S,O,X D:out_of_scope
district_admin view class S,C,O,X D:out_of_scope
district_admin view teacher S,O,X D:out_of_scope
district_admin view student S,M,C,O,X D:out_of_scope
district_admin view curriculum S -
district_admin view audit S D:out_of_scope
district_admin view role_assignment S,O,X D:out_of_scope
district_admin reveal teacher S,O,X D:out_of_scope
district_admin reveal student S,M,C,O,X D:out_of_scope
district_admin export district S D:out_of_scope
district_admin export school S,O,X D:out_of_scope
district_admin export class S,C,O,X D:out_of_scope
district_admin export teacher S,O,X D:out_of_scope
district_admin export student S,M,C,O,X D:out_of_scope
district_admin manage role_assignment S,O,X D:out_of_scope
researcher view district S D:out_of_scope
researcher view group S,X D:out_of_scope
researcher view school S,O,X D:out_of_scope
researcher view class S,C,O,X D:out_of_scope
researcher view teacher S,O,X D:out_of_scope
researcher view curriculum S -
group_lead view group S X,D:out_of_scope
group_lead view school S,O X,D:out_of_scope
group_lead view class S,C,O X,D:out_of_scope
group_lead view teacher S,O X,D:out_of_scope
group_lead view curriculum S -
school_admin view school S O,X,D:out_of_scope
school_admin view class S,C O,X,D:out_of_scope
school_admin view teacher S O,X,D:out_of_scope
school_admin view student S,M,C O,X,D:out_of_scope
school_admin view curriculum S -
school_admin reveal class S,C O,X,D:out_of_scope
school_admin reveal teacher S O,X,D:out_of_scope
school_admin reveal student S,M,C O,X,D:out_of_scope
school_admin export class S,C O,X,D:out_of_scope
school_admin export teacher S O,X,D:out_of_scope
school_admin export student S,M,C O,X,D:out_of_scope
school_admin manage role_assignment S O,X,D:out_of_scope
school_admin manage school S O,X,D:out_of_scope
teacher view school S O,X,D:out_of_scope
teacher view teacher S O,X,D:out_of_scope
teacher view class S C,O,X,D:out_of_scope
teacher view student S,M C,O,X,D:out_of_scope
teacher view curriculum S -
teacher reveal class - S,C,O,X,D:out_of_scope
teacher reveal student - S,M,C,O,X,D:out_of_scope
teacher export class - S,C,O,X,D:out_of_scope
teacher export student - S,M,C,O,X,D:out_of_scope
head_teacher view school S O,X,D:out_of_scope
head_teacher view teacher S O,X,D:out_of_scope
head_teacher view class S C,O,X,D:out_of_scope
head_teacher view student S,M C,O,X,D:out_of_scope
head_teacher view curriculum S -
head_teacher reveal class S C,O,X,D:out_of_scope
head_teacher reveal student S,M C,O,X,D:out_of_scope
head_teacher export class S C,O,X,D:out_of_scope
head_teacher export student S,M C,O,X,D:out_of_scope
student view student S M,C,O,X,D:out_of_scope
student view curriculum S -
guardian view student S M,C,O,X,D:out_of_scope
guardian view curriculum S -
district_admin view library S -
district_admin manage library S -
district_admin view school_review S,O,X D:out_of_scope
district_admin view district_review S D:out_of_scope
district_admin manage district_review S D:out_of_scope
researcher view library S -
researcher manage library S -
researcher manage district_review S D:out_of_scope
group_lead view library S -
school_admin view library S -
school_admin manage library S -
school_admin manage school_review S O,X,D:out_of_scope
teacher view library S -
teacher manage library S -
head_teacher view library S -
head_teacher manage library S -
third_party view district S D:out_of_scope
third_party view school S,O,X D:out_of_scope
third_party view group - S,X,D:not_granted
third_party view curriculum - S:not_granted
district_admin view homework S,C,O,X D:out_of_scope
researcher view homework S,C,O,X D:out_of_scope
group_lead view homework S,C,O X,D:out_of_scope
school_admin view homework S,C O,X,D:out_of_scope
teacher view homework S C,O,X,D:out_of_scope
teacher manage homework S C,O,X,D:out_of_scope
head_teacher view homework S C,O,X,D:out_of_scope
head_teacher manage homework S C,O,X,D:out_of_scope
district_admin view student_work S,M,C,O,X D:out_of_scope
school_admin view student_work S,M,C O,X,D:out_of_scope
teacher view student_work S,M C,O,X,D:out_of_scope
head_teacher view student_work S,M C,O,X,D:out_of_scope
student view student_work S M,C,O,X,D:out_of_scope
student manage student_work S M,C,O,X,D:out_of_scope
guardian view student_work S M,C,O,X,D:out_of_scope
";

/// Which situations make sense for each kind of target.
fn situations(kind: ResourceKind) -> &'static [char] {
    match kind {
        ResourceKind::District | ResourceKind::Audit => &['S', 'D'],
        ResourceKind::Group => &['S', 'X', 'D'],
        ResourceKind::School | ResourceKind::Teacher | ResourceKind::RoleAssignment => &['S', 'O', 'X', 'D'],
        ResourceKind::Class | ResourceKind::Homework => &['S', 'C', 'O', 'X', 'D'],
        ResourceKind::Student | ResourceKind::StudentWork => &['S', 'M', 'C', 'O', 'X', 'D'],
        ResourceKind::Curriculum | ResourceKind::Library => &['S'],
        ResourceKind::SchoolReview => &['S', 'O', 'X', 'D'],
        ResourceKind::DistrictReview => &['S', 'D'],
    }
}

const ACTORS: &[&str] = &[
    "district_admin",
    "researcher",
    "group_lead",
    "school_admin",
    "teacher",
    "head_teacher",
    "student",
    "guardian",
    "third_party",
];

/// The expected decision for one actor, action, kind and situation, read from [`EXPECTED`].
fn expected(actor: &str, action: Action, kind: ResourceKind, situation: char) -> Decision {
    for line in EXPECTED.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f[0] != actor || f[1] != action.code() || f[2] != kind.code() {
            continue;
        }
        if f[3].split(',').any(|s| s.starts_with(situation)) {
            return Decision::Allow;
        }
        if let Some((denied, reason)) = f[4].split_once(':')
            && denied.split(',').any(|s| s.starts_with(situation))
        {
            return Decision::Deny(match reason {
                "out_of_scope" => DenyReason::OutOfScope,
                "not_granted" => DenyReason::NotGranted,
                other => panic!("unknown reason {other} in the table"),
            });
        }
        panic!("table line `{line}` does not cover situation {situation}");
    }
    Decision::Deny(DenyReason::NotPermitted)
}

/// A generated tree: two districts; in the first, a group holding the actor's school `home` and
/// `peer`, and a school `outsider` outside the group; each school has classes with students.
#[derive(Debug, Clone)]
struct Tree {
    province: String,
    city: String,
    district: String,
    other_district: String,
    group: String,
    other_group: String,
    other_district_group: String,
    home: String,
    peer: String,
    outsider: String,
    far: String,
    home_class: String,
    other_class: String,
    /// Every class: (class id, school id).
    classes: Vec<(String, String)>,
    /// The actor's own student and a classmate.
    me: String,
    mate: String,
}

fn tree() -> impl Strategy<Value = Tree> {
    // Random ids (so nothing depends on particular names) and random extra classes per school.
    ("[a-z]{1,6}", 0usize..4, 0usize..4, 0usize..4).prop_map(|(salt, extra_home, extra_peer, extra_out)| {
        let id = |p: &str| format!("{p}-{salt}");
        let mut classes = Vec::new();
        let school_classes = |school: &str, extra: usize, classes: &mut Vec<(String, String)>| {
            for i in 0..=extra {
                classes.push((format!("{school}-c{i}"), school.to_owned()));
            }
        };
        let home = id("home");
        let home_class = format!("{home}-c0");
        let other_class = format!("{home}-other");
        classes.push((other_class.clone(), home.clone()));
        school_classes(&home, extra_home, &mut classes);
        school_classes(&id("peer"), extra_peer, &mut classes);
        school_classes(&id("out"), extra_out, &mut classes);
        school_classes(&id("far"), 0, &mut classes);
        Tree {
            province: id("p"),
            city: id("city"),
            district: id("d1"),
            other_district: id("d2"),
            group: id("g"),
            other_group: id("g2"),
            other_district_group: id("g3"),
            peer: id("peer"),
            outsider: id("out"),
            far: id("far"),
            me: format!("{home_class}-s0"),
            mate: format!("{home_class}-s1"),
            home,
            home_class,
            other_class,
            classes,
        }
    })
}

impl Tree {
    fn regions(&self, school: &str) -> Vec<String> {
        let district = if school == self.far { &self.other_district } else { &self.district };
        vec![self.province.clone(), self.city.clone(), district.clone()]
    }

    fn groups(&self, school: &str) -> Vec<String> {
        if school == self.home || school == self.peer {
            vec![self.group.clone()]
        } else if school == self.outsider {
            vec![self.other_group.clone()]
        } else {
            vec![self.other_district_group.clone()]
        }
    }

    fn school_place(&self, school: &str) -> Place {
        Place {
            regions: self.regions(school),
            groups: self.groups(school),
            school_id: Some(school.to_owned()),
            ..Place::default()
        }
    }

    fn class_of(&self, school: &str) -> String {
        self.classes.iter().find(|(_, s)| s == school).map(|(c, _)| c.clone()).expect("every school has a class")
    }

    /// The target of `kind` in `situation`.
    fn target(&self, kind: ResourceKind, situation: char) -> Target {
        let school = match situation {
            'S' | 'M' | 'C' => self.home.clone(),
            'O' => self.peer.clone(),
            'X' => self.outsider.clone(),
            'D' => self.far.clone(),
            _ => unreachable!(),
        };
        let mut place = self.school_place(&school);
        match kind {
            ResourceKind::District | ResourceKind::Audit | ResourceKind::DistrictReview => {
                place = Place { regions: self.regions(&school), ..Place::default() };
            }
            ResourceKind::Group => {
                place = Place { regions: self.regions(&school), groups: self.groups(&school), ..Place::default() }
            }
            ResourceKind::Curriculum | ResourceKind::Library => place = Place::default(),
            ResourceKind::School | ResourceKind::RoleAssignment | ResourceKind::SchoolReview => {}
            ResourceKind::Teacher => place.person_id = Some(format!("{school}-t")),
            ResourceKind::Class | ResourceKind::Student | ResourceKind::Homework | ResourceKind::StudentWork => {
                let class = match situation {
                    'S' | 'M' => self.home_class.clone(),
                    'C' => self.other_class.clone(),
                    _ => self.class_of(&school),
                };
                place.student_id = Some(match situation {
                    'S' => self.me.clone(),
                    'M' => self.mate.clone(),
                    _ => format!("{class}-s0"),
                });
                if matches!(kind, ResourceKind::Class | ResourceKind::Homework) {
                    place.student_id = None;
                }
                place.class_id = Some(class);
            }
        }
        Target::new(kind, place)
    }

    fn actor(&self, who: &str) -> Actor {
        let assign = |role: Role, scope: &str| RoleAssignment {
            id: format!("ra-{who}"),
            account_id: format!("acct-{who}"),
            role,
            scope_id: scope.to_owned(),
            subjects: Vec::new(),
            grants: Vec::new(),
        };
        let mut facts = ActorFacts::default();
        let assignment = match who {
            "district_admin" => assign(Role::DistrictAdmin, &self.district),
            "researcher" => {
                RoleAssignment { subjects: vec![Subject::Math], ..assign(Role::Researcher, &self.district) }
            }
            "group_lead" => assign(Role::GroupLead, &self.group),
            "school_admin" => assign(Role::SchoolAdmin, &self.home),
            "teacher" => {
                facts.taught = vec![(self.home_class.clone(), Subject::Math)];
                assign(Role::Teacher, &self.home)
            }
            "head_teacher" => {
                facts.taught = vec![(self.home_class.clone(), Subject::Chinese)];
                facts.head_of = vec![self.home_class.clone()];
                assign(Role::Teacher, &self.home)
            }
            "student" => assign(Role::Student, &self.me),
            "guardian" => {
                facts.children = vec![self.me.clone()];
                assign(Role::Guardian, &format!("guardian-of-{}", self.me))
            }
            "third_party" => RoleAssignment {
                grants: vec![ResourceKind::District, ResourceKind::School],
                ..assign(Role::ThirdParty, &self.district)
            },
            other => panic!("unknown actor {other}"),
        };
        Actor { account_id: format!("acct-{who}"), assignments: vec![assignment], facts }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_role_action_kind_and_situation_gets_the_expected_decision(tree in tree()) {
        for who in ACTORS {
            let actor = tree.actor(who);
            for action in Action::ALL {
                for kind in ResourceKind::ALL {
                    for &situation in situations(*kind) {
                        let target = tree.target(*kind, situation);
                        let got = decide(&actor, *action, &target);
                        let want = expected(who, *action, *kind, situation);
                        prop_assert_eq!(got, want, "{} {} {} in situation {}", who, action.code(), kind.code(), situation);
                    }
                }
            }
        }
    }

    #[test]
    fn roles_add_up_and_never_take_away(tree in tree()) {
        // A teacher who is also the school's 教务 may do what either role may.
        let mut both = tree.actor("teacher");
        both.assignments.extend(tree.actor("school_admin").assignments);
        for action in Action::ALL {
            for kind in ResourceKind::ALL {
                for &situation in situations(*kind) {
                    let target = tree.target(*kind, situation);
                    let either = decide(&tree.actor("teacher"), *action, &target).is_allowed()
                        || decide(&tree.actor("school_admin"), *action, &target).is_allowed();
                    prop_assert_eq!(decide(&both, *action, &target).is_allowed(), either);
                }
            }
        }
    }
}

#[test]
fn an_account_without_roles_is_refused_everything() {
    let actor = Actor { account_id: "acct".into(), ..Actor::default() };
    let target = Target::new(ResourceKind::Curriculum, Place::default());
    assert_eq!(decide(&actor, Action::View, &target), Decision::Deny(DenyReason::NoRole));
}

#[test]
fn reads_of_students_are_audited_unless_by_the_student_or_guardian() {
    let tree = tree().new_tree(&mut proptest::test_runner::TestRunner::deterministic()).expect("tree").current();
    let own = tree.target(ResourceKind::Student, 'S');
    assert!(!read_is_audited(&tree.actor("student"), &own));
    assert!(!read_is_audited(&tree.actor("guardian"), &own));
    assert!(read_is_audited(&tree.actor("head_teacher"), &own));
    assert!(read_is_audited(&tree.actor("district_admin"), &own));
    assert!(read_is_audited(&tree.actor("teacher"), &tree.target(ResourceKind::Class, 'S')));
    assert!(!read_is_audited(&tree.actor("teacher"), &tree.target(ResourceKind::School, 'S')));
}

#[test]
fn roles_are_granted_only_within_scope_and_never_wider() {
    let tree = tree().new_tree(&mut proptest::test_runner::TestRunner::deterministic()).expect("tree").current();
    let home = tree.school_place(&tree.home);
    let peer = tree.school_place(&tree.peer);
    let principal = tree.actor("school_admin");
    assert!(may_grant(&principal, Role::Teacher, &home));
    assert!(may_grant(&principal, Role::SchoolAdmin, &home));
    assert!(!may_grant(&principal, Role::DistrictAdmin, &home), "never a district-wide role");
    assert!(!may_grant(&principal, Role::Teacher, &peer), "not at another school");
    let admin = tree.actor("district_admin");
    assert!(may_grant(&admin, Role::DistrictAdmin, &peer));
    let far = tree.school_place(&tree.far);
    assert!(!may_grant(&admin, Role::Teacher, &far), "not in another district");
    assert!(!may_grant(&tree.actor("head_teacher"), Role::Teacher, &home));
    // A school admin at home who is a teacher elsewhere gains nothing elsewhere.
    let mut mixed = tree.actor("school_admin");
    mixed
        .assignments
        .push(RoleAssignment { scope_id: tree.peer.clone(), ..tree.actor("teacher").assignments[0].clone() });
    assert!(!may_grant(&mixed, Role::Teacher, &peer));
}
