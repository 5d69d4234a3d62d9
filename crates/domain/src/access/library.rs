//! Who sees which resource or item in the library. [`super::decide`] lets staff into the library;
//! this decides per record, from its review state, publication scope, school and author:
//!
//! - authors always see their own work, in any state;
//! - a published record is seen by all staff when published district-wide, and by the staff of its
//!   school (and district-wide staff) when published for the school;
//! - a record waiting for review is seen by the reviewers of that step: the school administrator
//!   for `submitted`, the district's 教研员 and administrators for `school_approved` (and for
//!   `submitted` when the author belongs to no school, so there is no school step);
//! - nobody else sees drafts, rejected or withdrawn records: never another school's drafts.

use super::{Actor, Role};
use crate::resources::{ReviewState, Scope};

/// The parts of an actor that library visibility depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibraryViewer {
    pub account_id: String,
    /// Sees everything published in the district (district administrators, 教研员).
    pub district_wide: bool,
    /// Schools whose school-scoped publications this viewer sees.
    pub schools: Vec<String>,
    /// Schools whose submissions this viewer reviews.
    pub reviews_schools: Vec<String>,
    /// Reviews for district-wide publication.
    pub reviews_district: bool,
}

impl LibraryViewer {
    /// Derives the viewer from the actor's role assignments.
    pub fn of(actor: &Actor) -> LibraryViewer {
        let mut viewer = LibraryViewer { account_id: actor.account_id.clone(), ..LibraryViewer::default() };
        for a in &actor.assignments {
            match a.role {
                Role::DistrictAdmin | Role::Researcher => {
                    viewer.district_wide = true;
                    viewer.reviews_district = true;
                }
                Role::SchoolAdmin => {
                    viewer.schools.push(a.scope_id.clone());
                    viewer.reviews_schools.push(a.scope_id.clone());
                }
                Role::Teacher => viewer.schools.push(a.scope_id.clone()),
                Role::GroupLead | Role::Student | Role::Guardian | Role::ThirdParty => {}
            }
        }
        viewer
    }
}

/// What visibility needs to know about one resource or item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shelved<'a> {
    /// The state of the version under work (the newest).
    pub state: ReviewState,
    /// Whether some version is published (a revision under review leaves the old one visible).
    pub has_published: bool,
    pub scope: Scope,
    pub school_id: Option<&'a str>,
    pub author_id: Option<&'a str>,
}

/// Whether the viewer may see the record at all (its published version, or its working version
/// when they are its author or reviewer: see [`sees_working_version`]).
pub fn visible(viewer: &LibraryViewer, record: &Shelved<'_>) -> bool {
    sees_working_version(viewer, record) || sees_published(viewer, record)
}

/// Whether the viewer sees the published version.
pub fn sees_published(viewer: &LibraryViewer, record: &Shelved<'_>) -> bool {
    record.has_published
        && match record.scope {
            Scope::District => true,
            Scope::School => {
                viewer.district_wide || record.school_id.is_some_and(|s| viewer.schools.iter().any(|v| v == s))
            }
        }
}

/// Whether the viewer sees the version under work: its author, or the reviewer of its step.
pub fn sees_working_version(viewer: &LibraryViewer, record: &Shelved<'_>) -> bool {
    if record.author_id == Some(viewer.account_id.as_str()) {
        return true;
    }
    match (record.state, record.school_id) {
        (ReviewState::Submitted, Some(school)) => viewer.reviews_schools.iter().any(|s| s == school),
        (ReviewState::Submitted, None) | (ReviewState::SchoolApproved, _) => viewer.reviews_district,
        (ReviewState::Published, _) => sees_published(viewer, record),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::RoleAssignment;

    fn actor(account: &str, roles: &[(Role, &str)]) -> Actor {
        Actor {
            account_id: account.to_owned(),
            assignments: roles
                .iter()
                .enumerate()
                .map(|(i, (role, scope))| RoleAssignment {
                    id: format!("{account}-{i}"),
                    account_id: account.to_owned(),
                    role: *role,
                    scope_id: (*scope).to_owned(),
                    subjects: vec![],
                    grants: vec![],
                })
                .collect(),
            ..Actor::default()
        }
    }

    fn record(state: ReviewState, has_published: bool, scope: Scope) -> Shelved<'static> {
        Shelved { state, has_published, scope, school_id: Some("s1"), author_id: Some("author") }
    }

    #[test]
    fn a_teacher_sees_own_drafts_and_never_another_schools() {
        let own_school = LibraryViewer::of(&actor("t1", &[(Role::Teacher, "s1")]));
        let other_school = LibraryViewer::of(&actor("t2", &[(Role::Teacher, "s2")]));
        let author = LibraryViewer::of(&actor("author", &[(Role::Teacher, "s1")]));
        for state in [ReviewState::Draft, ReviewState::Submitted, ReviewState::Rejected, ReviewState::Withdrawn] {
            let draft = record(state, false, Scope::School);
            assert!(visible(&author, &draft), "{state:?}");
            assert!(!visible(&own_school, &draft), "{state:?}");
            assert!(!visible(&other_school, &draft), "{state:?}");
        }
    }

    #[test]
    fn publication_scope_decides_who_sees_the_published_version() {
        let same = LibraryViewer::of(&actor("t1", &[(Role::Teacher, "s1")]));
        let other = LibraryViewer::of(&actor("t2", &[(Role::Teacher, "s2")]));
        let district = LibraryViewer::of(&actor("r", &[(Role::Researcher, "d")]));
        let school_pub = record(ReviewState::Published, true, Scope::School);
        assert!(visible(&same, &school_pub) && visible(&district, &school_pub) && !visible(&other, &school_pub));
        let district_pub = record(ReviewState::Published, true, Scope::District);
        assert!(visible(&same, &district_pub) && visible(&other, &district_pub));
        // A revision under review leaves the published version visible, but not the revision.
        let revising = record(ReviewState::Draft, true, Scope::District);
        assert!(visible(&other, &revising) && !sees_working_version(&other, &revising));
    }

    #[test]
    fn each_review_step_is_seen_by_its_reviewer_only() {
        let principal = LibraryViewer::of(&actor("p", &[(Role::SchoolAdmin, "s1")]));
        let other_principal = LibraryViewer::of(&actor("p2", &[(Role::SchoolAdmin, "s2")]));
        let researcher = LibraryViewer::of(&actor("r", &[(Role::Researcher, "d")]));
        let submitted = record(ReviewState::Submitted, false, Scope::District);
        assert!(sees_working_version(&principal, &submitted));
        assert!(!sees_working_version(&other_principal, &submitted));
        assert!(!sees_working_version(&researcher, &submitted));
        let approved = record(ReviewState::SchoolApproved, false, Scope::District);
        assert!(sees_working_version(&researcher, &approved));
        assert!(!sees_working_version(&other_principal, &approved));
        let no_school = Shelved { school_id: None, ..submitted };
        assert!(sees_working_version(&researcher, &no_school));
    }
}
