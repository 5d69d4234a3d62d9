//! `zhijiao token create` and `zhijiao token revoke`: API tokens for integrators and scripts,
//! issued by an operator on the server. `create` prints only the token, so a script can capture it.

use std::process::ExitCode;

use chrono::Utc;
use clap::{Args, Subcommand};
use domain::{
    access::{Role, RoleAssignment},
    identity::{Account, AuditAction, AuditEntry},
};
use store::{ApiToken, Store};
use web::auth::secret;

use crate::config::Database;

/// Who the audit log names as the actor of what this command does.
const ACTOR: &str = "zhijiao CLI";
/// Longest token name, as on the account page.
const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// 为账号创建接口令牌（只输出令牌本身） / create an API token for an account (prints only the token)
    Create(CreateArgs),
    /// 撤销账号的接口令牌 / revoke one of an account's API tokens
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// 账号的用户名或手机号 / the account's username or phone number
    #[arg(long, value_name = "USERNAME")]
    pub username: String,
    /// 令牌名称（用途，如“教务系统对接”） / the token's name (what it is for)
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// 令牌绑定的角色代码（默认账号的第一个角色），如 district_admin、school_admin、teacher /
    /// role code the token acts with (default: the account's first role), e.g. district_admin
    #[arg(long, value_name = "ROLE_CODE")]
    pub role: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// 账号的用户名或手机号 / the account's username or phone number
    #[arg(long, value_name = "USERNAME")]
    pub username: String,
    /// 令牌编号（tok-…，见“我的账号 → 接口令牌”） / the token's id (tok-…, listed on the account's token page)
    #[arg(long, value_name = "ID")]
    pub id: String,
}

/// A mistake in the operator's input: told on stderr, exit code 2, nothing written.
fn refuse(message: String) -> anyhow::Result<ExitCode> {
    eprintln!("{message}");
    Ok(ExitCode::from(2))
}

async fn find_account(store: &dyn Store, login: &str) -> anyhow::Result<Option<Account>> {
    Ok(store.account_by_login(login.trim()).await?.filter(|a| !a.disabled))
}

/// The assignment the token acts with: the one with `role`, or the account's first.
fn choose(assignments: Vec<RoleAssignment>, role: Option<Role>) -> Option<RoleAssignment> {
    assignments.into_iter().find(|a| role.is_none_or(|r| a.role == r))
}

fn audit(action: AuditAction, token_id: &str, school_id: Option<String>, detail: String) -> AuditEntry {
    AuditEntry {
        at: Utc::now(),
        actor_account_id: None,
        actor_name: ACTOR.to_owned(),
        action,
        target_kind: "token".to_owned(),
        target_id: token_id.to_owned(),
        school_id,
        ip: None,
        detail: Some(detail),
    }
}

/// A token just created: the secret (shown once) and what it is bound to.
#[derive(Debug)]
struct Issued {
    token: String,
    id: String,
    username: String,
    role: Role,
}

/// `zhijiao token create`.
pub async fn create(database: &Database, args: CreateArgs) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    let issued = match issue(&*store, &args).await? {
        Ok(issued) => issued,
        Err(refusal) => return refuse(refusal),
    };
    eprintln!(
        "已创建令牌 {id}（{user}，{zh}），只显示这一次 / created token {id} ({user}, {en}); it is shown only this once",
        id = issued.id,
        user = issued.username,
        zh = issued.role.label_zh(),
        en = issued.role.label_en(),
    );
    println!("{}", issued.token);
    Ok(ExitCode::SUCCESS)
}

/// Creates the token and its audit entry, or says why not (the operator's mistake).
async fn issue(store: &dyn Store, args: &CreateArgs) -> anyhow::Result<Result<Issued, String>> {
    let name = args.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Ok(Err(format!(
            "--name 须为 1–{MAX_NAME_CHARS} 个字符 / --name must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    let role = match args.role.as_deref().map(|r| Role::parse(r.trim())).transpose() {
        Ok(role) => role,
        Err(_) => {
            let known: Vec<_> = Role::ALL.iter().map(|r| r.code()).collect();
            return Ok(Err(format!(
                "未知角色代码 / unknown role code {:?}; one of: {}",
                args.role.as_deref().unwrap_or_default(),
                known.join(", ")
            )));
        }
    };
    let Some(account) = find_account(store, &args.username).await? else {
        return Ok(Err(format!("没有这个账号或已停用 / no such active account: {}", args.username)));
    };
    let Some(assignment) = choose(store.role_assignments(&account.id).await?, role) else {
        let wanted = role.map(|r| r.code()).unwrap_or("any");
        return Ok(Err(format!(
            "账号 {user} 没有此角色 / account {user} holds no {wanted} role",
            user = account.username
        )));
    };
    let token = format!("zjt_{}", secret::random_secret()?);
    let id = format!("tok-{}", &secret::random_secret()?[..16]);
    store
        .create_token(&ApiToken {
            id: id.clone(),
            account_id: account.id.clone(),
            assignment_id: assignment.id.clone(),
            name: name.to_owned(),
            token_hash: secret::digest(&token),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await?;
    let school = matches!(assignment.role, Role::SchoolAdmin | Role::Teacher).then(|| assignment.scope_id.clone());
    let detail = format!("{name} · {} · {}", account.username, assignment.role.code());
    store.append_audit(&audit(AuditAction::CreateToken, &id, school, detail)).await?;
    Ok(Ok(Issued { token, id, username: account.username, role: assignment.role }))
}

/// `zhijiao token revoke`.
pub async fn revoke(database: &Database, args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    match withdraw(&*store, &args).await? {
        Ok(()) => {
            println!("已撤销令牌 / revoked token {}", args.id.trim());
            Ok(ExitCode::SUCCESS)
        }
        Err(refusal) => refuse(refusal),
    }
}

/// Revokes the token and writes the audit entry, or says why not.
async fn withdraw(store: &dyn Store, args: &RevokeArgs) -> anyhow::Result<Result<(), String>> {
    let Some(account) = store.account_by_login(args.username.trim()).await? else {
        return Ok(Err(format!("没有这个账号 / no such account: {}", args.username)));
    };
    let id = args.id.trim();
    if !store.revoke_token(&account.id, id, Utc::now()).await? {
        return Ok(Err(format!(
            "账号 {user} 没有未撤销的令牌 {id} / account {user} has no unrevoked token {id}",
            user = account.username
        )));
    }
    store.append_audit(&audit(AuditAction::RevokeToken, id, None, account.username.clone())).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use domain::identity::{Account, PersonKind, PersonRef};
    use store::{AccountStore, AuditFilter, AuditStore, NoProgress};

    use super::*;

    fn assignment(id: &str, role: Role, scope: &str) -> RoleAssignment {
        RoleAssignment {
            id: id.into(),
            account_id: "acct-li".into(),
            role,
            scope_id: scope.into(),
            subjects: Vec::new(),
            grants: Vec::new(),
        }
    }

    async fn store_with_account(dir: &tempfile::TempDir) -> store_sqlite::SqliteStore {
        let store = store_sqlite::SqliteStore::open(&dir.path().join("z.db")).await.unwrap();
        let account = Account {
            id: "acct-li".into(),
            username: "li".into(),
            display_name: "李老师".into(),
            phone: Some("13800001111".into()),
            person: Some(PersonRef { kind: PersonKind::Teacher, id: "t-1".into() }),
            password_hash: None,
            must_change_password: true,
            disabled: false,
            created_at: Utc::now(),
        };
        let roles = [assignment("ra-1", Role::Teacher, "sch-1"), assignment("ra-2", Role::SchoolAdmin, "sch-1")];
        store.add_accounts(&[account], &roles, &NoProgress).await.unwrap();
        store
    }

    fn create_args(username: &str, role: Option<&str>) -> CreateArgs {
        CreateArgs { username: username.into(), name: "教务系统对接".into(), role: role.map(str::to_owned) }
    }

    #[tokio::test]
    async fn tokens_are_bound_to_the_chosen_role_audited_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_account(&dir).await;

        let first = issue(&store, &create_args("li", None)).await.unwrap().unwrap();
        let by_role = issue(&store, &create_args("13800001111", Some("school_admin"))).await.unwrap().unwrap();
        assert!(first.token.starts_with("zjt_") && first.token.len() == 68, "{}", first.token);
        assert_ne!(first.token, by_role.token);
        let stored = store.token_by_hash(&secret::digest(&first.token)).await.unwrap().unwrap();
        assert_eq!((stored.id.as_str(), stored.assignment_id.as_str()), (first.id.as_str(), "ra-1"));
        let stored = store.token_by_hash(&secret::digest(&by_role.token)).await.unwrap().unwrap();
        assert_eq!(stored.assignment_id, "ra-2");
        assert_eq!(stored.name, "教务系统对接");

        let filter = AuditFilter { action: Some(AuditAction::CreateToken), limit: 10, ..Default::default() };
        let entries = store.audit_entries(&filter).await.unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.actor_name == ACTOR && e.actor_account_id.is_none()));
        assert!(entries.iter().any(|e| e.target_id == by_role.id && e.school_id.as_deref() == Some("sch-1")));

        let revoke = RevokeArgs { username: "li".into(), id: first.id.clone() };
        withdraw(&store, &revoke).await.unwrap().unwrap();
        assert!(store.token_by_hash(&secret::digest(&first.token)).await.unwrap().is_none());
        assert!(store.token_by_hash(&secret::digest(&by_role.token)).await.unwrap().is_some());
        let filter = AuditFilter { action: Some(AuditAction::RevokeToken), limit: 10, ..Default::default() };
        assert_eq!(store.audit_entries(&filter).await.unwrap()[0].target_id, first.id);
        assert!(withdraw(&store, &revoke).await.unwrap().is_err(), "already revoked");
    }

    #[tokio::test]
    async fn bad_input_is_refused_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_account(&dir).await;
        for args in [
            create_args("nobody", None),
            create_args("li", Some("district_admin")),
            create_args("li", Some("headmaster")),
            CreateArgs { name: "  ".into(), ..create_args("li", None) },
        ] {
            let refusal = issue(&store, &args).await.unwrap().unwrap_err();
            assert!(refusal.contains(" / "), "bilingual: {refusal}");
        }
        store.set_disabled("acct-li", true).await.unwrap();
        assert!(issue(&store, &create_args("li", None)).await.unwrap().is_err(), "disabled account");
        assert!(store.tokens_of("acct-li").await.unwrap().is_empty());
        assert!(store.audit_entries(&AuditFilter { limit: 10, ..Default::default() }).await.unwrap().is_empty());
        let revoke = RevokeArgs { username: "li".into(), id: "tok-none".into() };
        assert!(withdraw(&store, &revoke).await.unwrap().is_err());
    }
}
