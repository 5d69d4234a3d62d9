//! The access policy: one pure function decides whether an actor may do an action to a target,
//! from the actor's role assignments and the target's place in the org tree.
//!
//! Every HTML page and JSON route asks [`decide`] before it reads anything. The rules are written
//! as a table (role × resource kind × action → which scope must contain the target) so that a
//! reader can check them against the matrix in `docs/ACCESS.md`.

use serde::{Deserialize, Serialize};

use crate::{Subject, org::coded_enum};

coded_enum!(
    /// A role a person holds at one place in the org tree.
    Role, "role" {
        DistrictAdmin => "district_admin", "区教育局管理员", "District administrator";
        Researcher => "researcher", "教研员", "Teaching researcher";
        GroupLead => "group_lead", "集团负责人", "School-group lead";
        SchoolAdmin => "school_admin", "学校管理员（校长/教务）", "School administrator";
        Teacher => "teacher", "教师", "Teacher";
        Student => "student", "学生", "Student";
        Guardian => "guardian", "家长", "Guardian";
        ThirdParty => "third_party", "第三方机构", "Third-party institution";
    }
);

coded_enum!(
    /// What kind of thing a request touches.
    ResourceKind, "resource kind" {
        District => "district", "区域概览", "District overview";
        Group => "group", "学校集团", "School group";
        School => "school", "学校", "School";
        Class => "class", "班级", "Class";
        Teacher => "teacher", "教师档案", "Teacher record";
        Student => "student", "学生档案", "Student record";
        Curriculum => "curriculum", "课程教材", "Curriculum";
        Audit => "audit", "审计日志", "Audit log";
        RoleAssignment => "role_assignment", "角色授权", "Role assignment";
        Library => "library", "资源库与题库", "Resource library and item bank";
        SchoolReview => "school_review", "校级审核", "School-level review";
        DistrictReview => "district_review", "区级审核", "District-level review";
        Homework => "homework", "作业", "Homework";
        StudentWork => "student_work", "学生作业与成绩", "A student's homework and results";
    }
);

coded_enum!(
    /// What the actor wants to do.
    Action, "action" {
        View => "view", "查看", "View";
        Reveal => "reveal", "查看完整个人信息", "Reveal personal data";
        Export => "export", "导出", "Export";
        Manage => "manage", "管理", "Manage";
    }
);

/// One role held at one place. `scope_id` means: a region id (district admin, researcher,
/// third party), a group id (group lead), a school id (school admin, teacher), or the person's own
/// id (student: their student id; guardian: their guardian id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub id: String,
    pub account_id: String,
    pub role: Role,
    pub scope_id: String,
    /// For researchers: the subjects they work on (empty means all).
    pub subjects: Vec<Subject>,
    /// For third parties: the resource kinds they were granted (nothing else is allowed).
    pub grants: Vec<ResourceKind>,
}

/// Facts about the actor that come from the roster rather than from role assignments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorFacts {
    /// Classes the actor teaches, with the subject.
    pub taught: Vec<(String, Subject)>,
    /// Classes where the actor is 班主任.
    pub head_of: Vec<String>,
    /// Students the actor is guardian of.
    pub children: Vec<String>,
}

/// Who is asking: their role assignments and roster facts, loaded fresh for every request so a
/// removed role or disabled account loses access at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub account_id: String,
    pub assignments: Vec<RoleAssignment>,
    pub facts: ActorFacts,
}

/// Where a target sits in the org tree. Fields that don't apply are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// Region ids from the root (province) down to the target's district.
    pub regions: Vec<String>,
    /// Groups the target's school belongs to (as lead or member).
    pub groups: Vec<String>,
    pub school_id: Option<String>,
    pub class_id: Option<String>,
    /// The student the target is about (a student record).
    pub student_id: Option<String>,
    /// For a teacher record: the teacher; for an account's own things: the account.
    pub person_id: Option<String>,
}

/// What the request touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: ResourceKind,
    pub place: Place,
}

impl Target {
    pub fn new(kind: ResourceKind, place: Place) -> Target {
        Target { kind, place }
    }
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DenyReason {
    /// The actor holds no role at all (an account without assignments).
    NoRole,
    /// No role of the actor may do this action to this kind of resource.
    NotPermitted,
    /// A role may do it, but the target is outside every such role's scope.
    OutOfScope,
    /// A third party was not granted this kind of resource.
    NotGranted,
}

impl DenyReason {
    /// A stable snake_case code for clients and the audit log.
    pub fn code(self) -> &'static str {
        match self {
            DenyReason::NoRole => "no_role",
            DenyReason::NotPermitted => "not_permitted",
            DenyReason::OutOfScope => "out_of_scope",
            DenyReason::NotGranted => "not_granted",
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allow,
    Deny(DenyReason),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Which part of the tree must contain the target for a role to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The target lies in the assignment's region (or below it).
    Region,
    /// The target's school is in the assignment's group.
    Group,
    /// The target is in the assignment's school.
    School,
    /// The target's class is one the actor teaches or heads.
    OwnClasses,
    /// The target's class is one the actor heads (班主任).
    HeadedClasses,
    /// The target is the actor's own student record.
    OwnRecord,
    /// The target is one of the actor's children.
    OwnChildren,
    /// Always (for things every signed-in person may see).
    Anywhere,
}

/// The policy table: for a role, an action and a resource kind, where the target must be.
/// `None` means the role may never do it.
fn reach(role: Role, action: Action, kind: ResourceKind) -> Option<Reach> {
    use Action::*;
    use Reach::*;
    use ResourceKind as K;
    match (role, action, kind) {
        // Curriculum is shared knowledge: any role may read it (a third party only when granted).
        (_, View, K::Curriculum) => Some(Anywhere),

        // The library is the staff's shared workroom: every member of staff may browse it and
        // contribute to it. Which resources and items they then see is decided per record by
        // `library::visible` (published scope, own drafts, review queues).
        (
            Role::DistrictAdmin | Role::Researcher | Role::GroupLead | Role::SchoolAdmin | Role::Teacher,
            View,
            K::Library,
        ) => Some(Anywhere),
        (Role::DistrictAdmin | Role::Researcher | Role::SchoolAdmin | Role::Teacher, Manage, K::Library) => {
            Some(Anywhere)
        }
        // 凡进必审: the school reviews first, then the district's 教研员 for district-wide use.
        (Role::SchoolAdmin, Manage, K::SchoolReview) => Some(School),
        (Role::DistrictAdmin | Role::Researcher, Manage, K::DistrictReview) => Some(Region),

        // Homework: the teacher of the class sets and marks it; the school and district look at
        // it. A student works on their own, a guardian follows their child's.
        (Role::Teacher, View, K::Homework | K::StudentWork) => Some(OwnClasses),
        (Role::Teacher, Manage, K::Homework) => Some(OwnClasses),
        (Role::SchoolAdmin, View, K::Homework | K::StudentWork) => Some(School),
        (Role::Researcher, View, K::Homework) => Some(Region),
        (Role::GroupLead, View, K::Homework) => Some(Group),
        (Role::Student, View | Manage, K::StudentWork) => Some(OwnRecord),
        (Role::Guardian, View, K::StudentWork) => Some(OwnChildren),

        (Role::DistrictAdmin, View, _) => Some(Region),
        (Role::DistrictAdmin, Export, K::District | K::School | K::Class | K::Teacher | K::Student) => Some(Region),
        (Role::DistrictAdmin, Reveal, K::Student | K::Teacher) => Some(Region),
        (Role::DistrictAdmin, Manage, K::RoleAssignment) => Some(Region),
        (Role::DistrictAdmin, _, _) => None,

        // 教研员: teaching research across a region, without students' personal records.
        (Role::Researcher, View, K::District | K::Group | K::School | K::Class | K::Teacher) => Some(Region),
        (Role::Researcher, _, _) => None,

        (Role::GroupLead, View, K::Group | K::School | K::Class | K::Teacher) => Some(Group),
        (Role::GroupLead, _, _) => None,

        (Role::SchoolAdmin, View, K::School | K::Class | K::Teacher | K::Student) => Some(School),
        (Role::SchoolAdmin, Reveal | Export, K::Class | K::Student | K::Teacher) => Some(School),
        (Role::SchoolAdmin, Manage, K::RoleAssignment) => Some(School),
        // The school's 教务 solves, edits and imports the school's timetable.
        (Role::SchoolAdmin, Manage, K::School) => Some(School),
        (Role::SchoolAdmin, _, _) => None,

        (Role::Teacher, View, K::School | K::Teacher) => Some(School),
        (Role::Teacher, View, K::Class | K::Student) => Some(OwnClasses),
        (Role::Teacher, Reveal | Export, K::Class | K::Student) => Some(HeadedClasses),
        (Role::Teacher, _, _) => None,

        (Role::Student, View, K::Student) => Some(OwnRecord),
        (Role::Student, _, _) => None,

        (Role::Guardian, View, K::Student) => Some(OwnChildren),
        (Role::Guardian, _, _) => None,

        // Third parties never touch personal records, whatever they were granted.
        (Role::ThirdParty, View, K::District | K::Group | K::School) => Some(Region),
        (Role::ThirdParty, _, _) => None,
    }
}

/// Decides whether `actor` may do `action` to `target`. Allowed if any of the actor's assignments
/// allows it; otherwise the most specific reason is returned (out of scope beats not permitted:
/// the actor has the right role, just not here).
pub fn decide(actor: &Actor, action: Action, target: &Target) -> Decision {
    if actor.assignments.is_empty() {
        return Decision::Deny(DenyReason::NoRole);
    }
    let mut reason = DenyReason::NotPermitted;
    for a in &actor.assignments {
        let Some(reach) = reach(a.role, action, target.kind) else { continue };
        if a.role == Role::ThirdParty && !a.grants.contains(&target.kind) {
            reason = reason.max_specific(DenyReason::NotGranted);
            continue;
        }
        if within(reach, a, &actor.facts, &target.place) {
            return Decision::Allow;
        }
        reason = reason.max_specific(DenyReason::OutOfScope);
    }
    Decision::Deny(reason)
}

impl DenyReason {
    /// Keeps the more telling of two reasons.
    fn max_specific(self, other: DenyReason) -> DenyReason {
        let rank = |r: DenyReason| match r {
            DenyReason::NoRole => 0,
            DenyReason::NotPermitted => 1,
            DenyReason::NotGranted => 2,
            DenyReason::OutOfScope => 3,
        };
        if rank(other) > rank(self) { other } else { self }
    }
}

fn within(reach: Reach, a: &RoleAssignment, facts: &ActorFacts, place: &Place) -> bool {
    let class_in = |mut classes: Box<dyn Iterator<Item = &String> + '_>| {
        place.class_id.as_ref().is_some_and(|c| classes.any(|x| x == c))
    };
    match reach {
        Reach::Anywhere => true,
        Reach::Region => place.regions.contains(&a.scope_id),
        Reach::Group => place.groups.contains(&a.scope_id),
        Reach::School => place.school_id.as_ref() == Some(&a.scope_id),
        Reach::OwnClasses => {
            place.school_id.as_ref() == Some(&a.scope_id)
                && class_in(Box::new(facts.taught.iter().map(|(c, _)| c).chain(facts.head_of.iter())))
        }
        Reach::HeadedClasses => {
            place.school_id.as_ref() == Some(&a.scope_id) && class_in(Box::new(facts.head_of.iter()))
        }
        Reach::OwnRecord => place.student_id.as_ref() == Some(&a.scope_id),
        Reach::OwnChildren => place.student_id.as_ref().is_some_and(|s| facts.children.contains(s)),
    }
}

/// The roles an assignment of `role` may hand out or take away wherever the policy lets it manage
/// role assignments: a district administrator any role in the region, a school administrator only
/// the school's own staff roles (never a district-wide one); nobody else any.
pub fn roles_grantable_by(role: Role) -> &'static [Role] {
    match role {
        Role::DistrictAdmin => Role::ALL,
        Role::SchoolAdmin => &[Role::Teacher, Role::SchoolAdmin],
        Role::Researcher | Role::GroupLead | Role::Teacher | Role::Student | Role::Guardian | Role::ThirdParty => &[],
    }
}

/// Whether `actor` may grant or revoke `role` at `place`: the policy must allow managing role
/// assignments there, and one assignment that allows it on its own must be able to hand out this
/// role. Checking each assignment alone keeps a school administrator who is also a teacher
/// elsewhere from borrowing one role's reach for the other's powers.
pub fn may_grant(actor: &Actor, role: Role, place: &Place) -> bool {
    let target = Target::new(ResourceKind::RoleAssignment, place.clone());
    if !decide(actor, Action::Manage, &target).is_allowed() {
        return false;
    }
    actor.assignments.iter().any(|a| {
        roles_grantable_by(a.role).contains(&role) && {
            let alone = Actor {
                account_id: actor.account_id.clone(),
                assignments: vec![a.clone()],
                facts: actor.facts.clone(),
            };
            decide(&alone, Action::Manage, &target).is_allowed()
        }
    })
}

/// Whether reading this target by this actor must be written to the audit log: any read of a
/// student's record, work or a class roster by someone other than the student or their guardian.
pub fn read_is_audited(actor: &Actor, target: &Target) -> bool {
    match target.kind {
        ResourceKind::Student | ResourceKind::StudentWork => {
            let own = actor.assignments.iter().any(|a| {
                (a.role == Role::Student && target.place.student_id.as_ref() == Some(&a.scope_id))
                    || (a.role == Role::Guardian
                        && target.place.student_id.as_ref().is_some_and(|s| actor.facts.children.contains(s)))
            });
            !own
        }
        ResourceKind::Class => true,
        _ => false,
    }
}

pub mod library;

#[cfg(test)]
mod tests;
