//! The storage contract suite on SQLite, plus what only SQLite's file handling can show.

#![allow(clippy::expect_used, reason = "test helpers: a failed expectation is a failed test")]

use std::sync::Arc;

use store_sqlite::SqliteStore;

/// A fresh database file in a directory that lives as long as the test process.
async fn fresh() -> Option<Arc<dyn store::Store>> {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    Some(Arc::new(SqliteStore::open(&dir.join("zhijiao.db")).await.expect("open")))
}

store::contract_suite!(fresh());

#[tokio::test]
async fn activity_records_cannot_be_changed_or_deleted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("z.db")).await.expect("open");
    sqlx::query("INSERT INTO activity_records (actor_kind, actor_id, verb, object_kind, object_id, occurred_at) VALUES ('a','b','c','d','e','2026-01-01T00:00:00Z')")
        .execute(store.pool())
        .await
        .expect("insert");
    let update = sqlx::query("UPDATE activity_records SET verb = 'x'").execute(store.pool()).await;
    assert!(update.expect_err("update refused").to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM activity_records").execute(store.pool()).await;
    assert!(delete.expect_err("delete refused").to_string().contains("append-only"));
}

#[tokio::test]
async fn unwritable_directory_is_a_clear_error() {
    let err =
        SqliteStore::open(std::path::Path::new("/proc/zhijiao-cannot-write-here/z.db")).await.expect_err("refused");
    let message = err.to_string();
    assert!(message.contains("cannot open SQLite database /proc/zhijiao-cannot-write-here/z.db"), "{message}");
}

#[tokio::test]
async fn audit_entries_cannot_be_changed_or_deleted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("z.db")).await.expect("open");
    sqlx::query("INSERT INTO audit_log (at, actor_name, action, target_kind, target_id) VALUES ('2026-01-01T00:00:00Z','a','reveal','student','s')")
        .execute(store.pool())
        .await
        .expect("insert");
    for statement in ["UPDATE audit_log SET actor_name = 'x'", "DELETE FROM audit_log"] {
        let err = sqlx::query(statement).execute(store.pool()).await.expect_err("refused");
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
}
