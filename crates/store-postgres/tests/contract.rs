//! The storage contract suite on PostgreSQL. Runs when `ZHIJIAO_TEST_DATABASE_URL` names a server
//! (CI sets it); each case gets a database of its own, created here and dropped by `.ci/run`.

#![allow(clippy::expect_used, reason = "test helpers: a failed expectation is a failed test")]

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use sqlx::Connection;
use store_postgres::PgStore;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A new empty database on the test server, or `None` when no server is configured.
async fn fresh_pg() -> Option<PgStore> {
    let Ok(admin_url) = std::env::var("ZHIJIAO_TEST_DATABASE_URL") else {
        eprintln!("skipped: ZHIJIAO_TEST_DATABASE_URL is not set, so the PostgreSQL contract suite did not run");
        return None;
    };
    let name = format!("zhijiao_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to the test server");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let mut url = url::Url::parse(&admin_url).expect("test URL");
    url.set_path(&name);
    Some(PgStore::connect(url.as_str()).await.expect("connect"))
}

async fn fresh() -> Option<Arc<dyn store::Store>> {
    Some(Arc::new(fresh_pg().await?))
}

store::contract_suite!(fresh());

#[tokio::test]
async fn activity_records_cannot_be_changed_or_deleted() {
    let Some(store) = fresh_pg().await else { return };
    sqlx::query("INSERT INTO activity_records (actor_kind, actor_id, verb, object_kind, object_id, occurred_at) VALUES ('a','b','c','d','e', now())")
        .execute(store.pool())
        .await
        .expect("insert");
    for statement in
        ["UPDATE activity_records SET verb = 'x'", "DELETE FROM activity_records", "TRUNCATE activity_records"]
    {
        let err = sqlx::query(statement).execute(store.pool()).await.expect_err("refused");
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
}

#[tokio::test]
async fn unreachable_server_is_a_clear_error_without_password() {
    let err = PgStore::connect("postgres://zj:s3cret@127.0.0.1:1/zhijiao").await.expect_err("refused");
    let message = err.to_string();
    assert!(message.contains("cannot connect to PostgreSQL at postgres://zj:***@127.0.0.1:1/zhijiao"), "{message}");
    assert!(!message.contains("s3cret"));
}

#[tokio::test]
async fn audit_entries_cannot_be_changed_or_deleted() {
    let Some(store) = fresh_pg().await else { return };
    sqlx::query("INSERT INTO audit_log (at, actor_name, action, target_kind, target_id) VALUES (now(),'a','reveal','student','s')")
        .execute(store.pool())
        .await
        .expect("insert");
    for statement in ["UPDATE audit_log SET actor_name = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let err = sqlx::query(statement).execute(store.pool()).await.expect_err("refused");
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
}
