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

/// Pages added while another connection is writing (the batch's reader recording a page) wait for
/// it instead of failing with "database is locked". SQLite waits out a busy database only for a
/// transaction that has not read yet: one that reads first and then writes fails at once.
#[tokio::test]
async fn scan_pages_added_during_another_write_wait_for_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("z.db")).await.expect("open");
    let batch = store::contract::paper_scan_batch(&store, "hw-scan-busy", "sb-busy").await;
    let queued = store::contract::queued_scan_page;
    store::ScanStore::add_scan_pages(&store, &batch.id, &[queued("a.jpg")]).await.expect("the first page");
    let mut reader = store.pool().begin().await.expect("begin");
    sqlx::query("UPDATE scan_pages SET status = 'failed' WHERE batch_id = $1 AND seq = 1")
        .bind(&batch.id)
        .execute(&mut *reader)
        .await
        .expect("the reader writes");
    let second = [queued("b.jpg")];
    let upload = store::ScanStore::add_scan_pages(&store, &batch.id, &second);
    tokio::pin!(upload);
    // The upload cannot finish while the reader holds the write lock; it may only fail early.
    let early = tokio::time::timeout(std::time::Duration::from_millis(300), &mut upload).await;
    assert!(early.is_err(), "the upload did not wait for the other writer: {early:?}");
    reader.commit().await.expect("the reader commits");
    let stored = upload.await.expect("the upload is taken once the other writer is done");
    assert_eq!(stored.iter().map(|p| p.seq).collect::<Vec<_>>(), vec![2]);
}
