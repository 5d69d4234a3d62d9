//! Who is asking: the signed-in account from a session cookie or an API token, turned into the
//! policy's [`Actor`]. The answer is remembered for a few seconds per credential
//! ([`AccessCache`]), because the store would otherwise be asked the same five questions on every
//! autosave of an evening's homework; every change this server makes to accounts, roles, sessions
//! or tokens empties that memory, so a removed role or a disabled account loses access at once.

pub mod secret;
pub mod throttle;

use std::time::Duration;

use axum::http::{HeaderMap, header};
use chrono::Utc;
use domain::{
    access::{Actor, ActorFacts, Place, ResourceKind},
    identity::Account,
};
use store::{Session, Store, StoreError};

use crate::cache::TtlMap;

/// How long a credential's principal is remembered. Changes made through this server take effect
/// at once (they empty the cache); this bounds how long a change made by another process (the CLI
/// revoking a token, another server of a province sharing the database) goes unseen.
const PRINCIPAL_TTL: Duration = Duration::from_secs(5);
/// How long a record's place in the org tree is remembered. Places change only with the roster,
/// which is imported by the CLI, so a student who changed class is seen there within this.
const PLACE_TTL: Duration = Duration::from_secs(30);
/// Entries kept per map before it is emptied: every student of a district signed in at once fits.
const CACHE_BOUND: usize = 200_000;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "zj_session";
/// The cookie that protects the sign-in form itself against cross-site submission.
pub const LOGIN_CSRF_COOKIE: &str = "zj_login_csrf";
/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session; forms must carry its CSRF token.
    Session(Session),
    /// An API token, limited to the one role assignment it is bound to.
    Token { token_id: String },
}

/// A signed-in account and what the policy knows about it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    pub actor: Actor,
    pub via: Via,
}

impl Principal {
    /// An audit entry for something this principal does now, from `ip`; callers add the school
    /// and a detail (a stated purpose, say) where there is one.
    pub fn audit(
        &self,
        ip: Option<String>,
        action: domain::identity::AuditAction,
        target_kind: &str,
        target_id: &str,
    ) -> domain::identity::AuditEntry {
        domain::identity::AuditEntry {
            at: Utc::now(),
            actor_account_id: Some(self.account.id.clone()),
            actor_name: self.account.display_name.clone(),
            action,
            target_kind: target_kind.to_owned(),
            target_id: target_id.to_owned(),
            school_id: None,
            ip,
            detail: None,
        }
    }

    /// The CSRF token forms must carry (empty for token clients, which send no cookies).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session(s) => &s.csrf_token,
            Via::Token { .. } => "",
        }
    }
}

/// Reads one cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// What the guard remembers between requests: principals per credential and places per record.
#[derive(Debug)]
pub struct AccessCache {
    /// Keyed by the credential's digest, `t:` for tokens and `s:` for sessions; `None` remembers
    /// that a credential is unknown (a new one cannot be guessed before it is issued).
    principals: TtlMap<String, Option<Principal>>,
    places: TtlMap<(ResourceKind, String), Place>,
}

impl Default for AccessCache {
    fn default() -> AccessCache {
        AccessCache { principals: TtlMap::new(PRINCIPAL_TTL, CACHE_BOUND), places: TtlMap::new(PLACE_TTL, CACHE_BOUND) }
    }
}

impl AccessCache {
    /// Forgets every principal: call after any change to accounts, role assignments, sessions or
    /// tokens, before answering the request that made it.
    pub fn accounts_changed(&self) {
        self.principals.clear();
    }

    /// Forgets one session (signed out, or replaced at sign-in) without touching the others: a
    /// district signing in for the evening should not empty everyone's entry.
    pub fn session_ended(&self, id_digest: &str) {
        self.principals.remove(&format!("s:{id_digest}"));
    }

    /// The principal behind a request, or `None` when it carries no valid session or token.
    pub async fn principal(&self, store: &dyn Store, headers: &HeaderMap) -> Result<Option<Principal>, StoreError> {
        let Some(credential) = Credential::of(headers) else { return Ok(None) };
        let key = credential.key();
        let ticket = match self.principals.get(&key) {
            Ok(found) => return Ok(found.filter(still_valid)),
            Err(ticket) => ticket,
        };
        let found = load(store, &credential).await?;
        self.principals.insert(ticket, key, found.clone());
        Ok(found)
    }

    /// Where the record of `kind` with `id` sits in the org tree, or `None` when there is none.
    pub async fn place(&self, store: &dyn Store, kind: ResourceKind, id: &str) -> Result<Option<Place>, StoreError> {
        let key = (kind, id.to_owned());
        let ticket = match self.places.get(&key) {
            Ok(place) => return Ok(Some(place)),
            Err(ticket) => ticket,
        };
        // A missing record is not remembered: it may be created a moment later.
        let place = store.place(kind, id).await?;
        if let Some(place) = &place {
            self.places.insert(ticket, key, place.clone());
        }
        Ok(place)
    }
}

/// A remembered session may have expired since it was read.
fn still_valid(principal: &Principal) -> bool {
    match &principal.via {
        Via::Session(session) => session.expires_at > Utc::now(),
        Via::Token { .. } => true,
    }
}

/// How a request says who it is: an API token, or else a session cookie, each by its digest (the
/// store holds only digests).
enum Credential {
    Token(String),
    Session(String),
}

impl Credential {
    fn of(headers: &HeaderMap) -> Option<Credential> {
        match (bearer(headers), cookie(headers, SESSION_COOKIE)) {
            (Some(token), _) => Some(Credential::Token(secret::digest(token))),
            (None, Some(session)) => Some(Credential::Session(secret::digest(session))),
            (None, None) => None,
        }
    }

    /// The cache key: tokens and sessions never share one.
    fn key(&self) -> String {
        match self {
            Credential::Token(digest) => format!("t:{digest}"),
            Credential::Session(digest) => format!("s:{digest}"),
        }
    }
}

/// The principal behind `credential`, read from the store, or `None` when it is not valid.
async fn load(store: &dyn Store, credential: &Credential) -> Result<Option<Principal>, StoreError> {
    match credential {
        Credential::Token(digest) => {
            let Some(t) = store.token_by_hash(digest).await? else { return Ok(None) };
            let Some(account) = active_account(store, &t.account_id).await? else { return Ok(None) };
            // A token acts with its one assignment only, even if the account holds more.
            let assignments: Vec<_> =
                store.role_assignments(&account.id).await?.into_iter().filter(|a| a.id == t.assignment_id).collect();
            let actor = actor(store, &account, assignments).await?;
            Ok(Some(Principal { account, actor, via: Via::Token { token_id: t.id } }))
        }
        Credential::Session(digest) => {
            let Some(session) = store.session(digest, Utc::now()).await? else { return Ok(None) };
            let Some(account) = active_account(store, &session.account_id).await? else { return Ok(None) };
            let assignments = store.role_assignments(&account.id).await?;
            let actor = actor(store, &account, assignments).await?;
            Ok(Some(Principal { account, actor, via: Via::Session(session) }))
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

async fn active_account(store: &dyn Store, id: &str) -> Result<Option<Account>, StoreError> {
    Ok(store.account(id).await?.filter(|a| !a.disabled))
}

async fn actor(
    store: &dyn Store,
    account: &Account,
    assignments: Vec<domain::access::RoleAssignment>,
) -> Result<Actor, StoreError> {
    let facts = match &account.person {
        Some(person) => store.actor_facts(person).await?,
        None => ActorFacts::default(),
    };
    Ok(Actor { account_id: account.id.clone(), assignments, facts })
}
