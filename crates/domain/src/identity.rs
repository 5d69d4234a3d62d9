//! Accounts (who can sign in), the person an account belongs to, and audit entries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::org::coded_enum;

coded_enum!(
    /// The kind of roster person an account belongs to.
    PersonKind, "person kind" {
        Teacher => "teacher", "教师", "Teacher";
        Student => "student", "学生", "Student";
        Guardian => "guardian", "家长", "Guardian";
    }
);

/// A roster person (teacher, student or guardian) by kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonRef {
    pub kind: PersonKind,
    pub id: String,
}

/// A sign-in account. Roster people get one each; bureau staff and third parties have accounts
/// without a roster person.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    /// Unique sign-in name.
    pub username: String,
    pub display_name: String,
    /// Sign-in by phone number works too, when set (unique).
    pub phone: Option<String>,
    pub person: Option<PersonRef>,
    /// Argon2id PHC string; `None` until a password is set, so the account cannot sign in.
    pub password_hash: Option<String>,
    /// Imported and demo accounts must choose their own password at first sign-in.
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash is a secret too: never in logs.
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("person", &self.person)
            .field("has_password", &self.password_hash.is_some())
            .field("must_change_password", &self.must_change_password)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

coded_enum!(
    /// What an audit entry records.
    AuditAction, "audit action" {
        ViewStudent => "view_student", "查看学生档案", "Viewed a student record";
        ViewClassRoster => "view_class_roster", "查看班级名单", "Viewed a class roster";
        Reveal => "reveal", "查看完整证件号/电话", "Revealed personal data";
        Export => "export", "导出个人数据", "Exported personal data";
        GrantRole => "grant_role", "授予角色", "Granted a role";
        RevokeRole => "revoke_role", "撤销角色", "Revoked a role";
        ResetPassword => "reset_password", "重置密码", "Reset a password";
        DisableAccount => "disable_account", "停用账号", "Disabled an account";
        EnableAccount => "enable_account", "启用账号", "Enabled an account";
        CreateToken => "create_token", "创建接口令牌", "Created an API token";
        RevokeToken => "revoke_token", "撤销接口令牌", "Revoked an API token";
        SignIn => "sign_in", "登录", "Signed in";
        SignInFailed => "sign_in_failed", "登录失败", "Failed sign-in";
        ViewStudentWork => "view_student_work", "查看学生作业", "Viewed a student's homework";
        Denied => "denied", "越权访问被拒绝", "Denied access to personal data";
    }
);

/// One line of the append-only audit log: who did what to which, when and from where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The acting account (`None` for a failed sign-in to an unknown name).
    pub actor_account_id: Option<String>,
    pub actor_name: String,
    pub action: AuditAction,
    /// The kind of target (`student`, `class`, `account`, `role_assignment`, `token`, …).
    pub target_kind: String,
    pub target_id: String,
    /// The school the target belongs to, for filtering.
    pub school_id: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// A stated purpose (exports, reveals) or other detail.
    pub detail: Option<String>,
}

/// The account id of a roster person.
pub fn account_id_of(person_id: &str) -> String {
    format!("acct-{person_id}")
}

/// One account per teacher, student and guardian of the roster (username = the person's id, no
/// password yet: an administrator issues first passwords), with the role each person holds by
/// being in the roster: teacher at their school, student of themselves, guardian of their children.
pub fn roster_accounts(
    roster: &crate::Roster,
    now: DateTime<Utc>,
) -> (Vec<Account>, Vec<crate::access::RoleAssignment>) {
    use crate::access::{Role, RoleAssignment};
    let mut accounts = Vec::new();
    let mut assignments = Vec::new();
    let mut add = |kind: PersonKind, id: &str, name: &str, phone: Option<&String>, role: Role, scope: &str| {
        let account_id = account_id_of(id);
        assignments.push(RoleAssignment {
            id: format!("ra-{id}-{}", role.code()),
            account_id: account_id.clone(),
            role,
            scope_id: scope.to_owned(),
            subjects: Vec::new(),
            grants: Vec::new(),
        });
        accounts.push(Account {
            id: account_id,
            username: id.to_owned(),
            display_name: name.to_owned(),
            phone: phone.cloned(),
            person: Some(PersonRef { kind, id: id.to_owned() }),
            password_hash: None,
            must_change_password: true,
            disabled: false,
            created_at: now,
        });
    };
    for t in &roster.teachers {
        add(PersonKind::Teacher, &t.id, &t.name, t.phone.as_ref(), Role::Teacher, &t.school_id);
    }
    for s in &roster.students {
        add(PersonKind::Student, &s.id, &s.name, None, Role::Student, &s.id);
    }
    for g in &roster.guardians {
        add(PersonKind::Guardian, &g.id, &g.name, g.phone.as_ref(), Role::Guardian, &g.id);
    }
    (accounts, assignments)
}
