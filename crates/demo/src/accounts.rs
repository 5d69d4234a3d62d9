//! Demo accounts: one account per roster person (as any import gives), plus one easy-to-type
//! account for each role, placed so that their scopes nest: the principal's school leads the
//! group lead's group, the teacher heads a class in it, the student is in that class and the
//! parent is that student's guardian.

use chrono::{DateTime, Utc};
use domain::{
    Roster,
    access::{ResourceKind, Role, RoleAssignment},
    identity::{Account, account_id_of, roster_accounts},
};

/// A demo account to list on the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    /// Where the role applies, in words.
    pub scope: String,
}

/// Every account of the demo district and the ones to list.
#[derive(Debug, Clone, Default)]
pub struct DemoAccounts {
    pub accounts: Vec<Account>,
    pub assignments: Vec<RoleAssignment>,
    pub logins: Vec<DemoLogin>,
}

/// Builds the demo accounts for a roster made by [`crate::district`]. The listed accounts get no
/// password here: the caller hashes the demo password once and sets it on them.
pub fn accounts(roster: &Roster, now: DateTime<Utc>) -> DemoAccounts {
    let (mut accounts, mut assignments) = roster_accounts(roster, now);
    let mut logins = Vec::new();
    let Some(district) = roster.regions.iter().find(|r| r.level == domain::RegionLevel::District) else {
        return DemoAccounts { accounts, assignments, logins };
    };
    let mut staff =
        |username: &str, name: &str, role: Role, scope_id: &str, scope: &str, assignment: RoleAssignment| {
            accounts.push(Account {
                id: format!("acct-{username}"),
                username: username.to_owned(),
                display_name: name.to_owned(),
                phone: None,
                person: None,
                password_hash: None,
                must_change_password: true,
                disabled: false,
                created_at: now,
            });
            assignments.push(RoleAssignment {
                id: format!("ra-{username}"),
                account_id: format!("acct-{username}"),
                role,
                scope_id: scope_id.to_owned(),
                ..assignment
            });
            logins.push(DemoLogin { username: username.to_owned(), role, scope: scope.to_owned() });
        };
    let blank = RoleAssignment {
        id: String::new(),
        account_id: String::new(),
        role: Role::DistrictAdmin,
        scope_id: String::new(),
        subjects: Vec::new(),
        grants: Vec::new(),
    };
    staff("admin", "区教育局管理员", Role::DistrictAdmin, &district.id, &district.name, blank.clone());
    let researcher = RoleAssignment { subjects: vec![domain::Subject::Math], ..blank.clone() };
    staff("researcher", "数学教研员", Role::Researcher, &district.id, &district.name, researcher);
    let partner = RoleAssignment { grants: vec![ResourceKind::District, ResourceKind::School], ..blank.clone() };
    staff("partner", "合作机构", Role::ThirdParty, &district.id, &district.name, partner);

    let Some(group) = roster.school_groups.first() else { return DemoAccounts { accounts, assignments, logins } };
    staff("group-lead", "集团负责人", Role::GroupLead, &group.id, &group.name, blank.clone());
    let school = roster.schools.iter().find(|s| s.id == group.lead_school_id);
    if let Some(school) = school {
        staff("principal", "校长", Role::SchoolAdmin, &school.id, &school.name, blank);
    }
    // Roster people get their demo names by renaming their accounts.
    // A class that may get written homework (双减: none in grades 1–2), so the demo teacher can
    // assign homework without the workload guard stopping them.
    let headed = |c: &&domain::Class| Some(&c.school_id) == school.map(|s| &s.id) && c.head_teacher_id.is_some();
    let class =
        roster.classes.iter().filter(headed).find(|c| c.grade >= 3).or_else(|| roster.classes.iter().find(headed));
    let mut rename = |person_id: &str, username: &str, role: Role, scope: String| {
        if let Some(a) = accounts.iter_mut().find(|a| a.id == account_id_of(person_id)) {
            a.username = username.to_owned();
            logins.push(DemoLogin { username: username.to_owned(), role, scope });
        }
    };
    if let Some(class) = class {
        let scope = format!("{} {}", school.map(|s| s.name.as_str()).unwrap_or_default(), class.name);
        if let Some(head) = &class.head_teacher_id {
            rename(head, "teacher", Role::Teacher, scope.clone());
        }
        let mut classmates = roster.students.iter().filter(|s| s.class_id == class.id);
        let first = classmates.next();
        // A second student of the same class, so a demo can show two students' work side by side.
        if let Some(second) = classmates.next() {
            rename(&second.id, "student2", Role::Student, format!("{} · {scope}", second.name));
        }
        if let Some(student) = first {
            rename(&student.id, "student", Role::Student, format!("{} · {scope}", student.name));
            if let Some(g) = roster.guardians.iter().find(|g| g.students.iter().any(|l| l.student_id == student.id)) {
                rename(&g.id, "parent", Role::Guardian, format!("{} · {scope}", student.name));
            }
        }
    }
    DemoAccounts { accounts, assignments, logins }
}
