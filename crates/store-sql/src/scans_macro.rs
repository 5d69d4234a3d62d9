//! [`impl_portable_scans!`]: scan batches, pages and crops over one sqlx driver.

/// Implements `store::ScanStore` for `$store` (a type with `pool: sqlx::Pool<$db>`). Called by
/// [`crate::impl_portable_store!`].
#[macro_export]
macro_rules! impl_portable_scans {
    ($store:ty, $db:ty) => {
        mod portable_scans {
            use sqlx::types::Json;
            use store::{Result, ScanBatch, ScanBatchSummary, ScanCrop, ScanPage, ScanStatus};
            use $crate::db_err;
            use $crate::reexports::{async_trait::async_trait, sqlx, store};
            use $crate::scans_sql::{self as ssql, *};

            type Db = $db;

            #[async_trait]
            impl store::ScanStore for $store {
                async fn create_scan_batch(&self, batch: &ScanBatch) -> Result<()> {
                    sqlx::query::<Db>(INSERT_BATCH)
                        .bind(&batch.id)
                        .bind(&batch.homework_id)
                        .bind(&batch.created_by)
                        .bind(batch.created_at)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(())
                }

                async fn scan_batch(&self, id: &str) -> Result<Option<ScanBatch>> {
                    let row = sqlx::query_as::<Db, BatchRow>(BATCH_BY_ID)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(row.map(ssql::batch))
                }

                async fn scan_batches(&self, homework_id: &str) -> Result<Vec<ScanBatchSummary>> {
                    let rows = sqlx::query_as::<Db, BatchSummaryRow>(BATCHES_OF_HOMEWORK)
                        .bind(homework_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(rows.into_iter().map(ssql::batch_summary).collect())
                }

                async fn add_scan_pages(&self, batch_id: &str, pages: &[ScanPage]) -> Result<Vec<ScanPage>> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let Some((homework_id,)) = sqlx::query_as::<Db, (String,)>(HOLD_BATCH)
                        .bind(batch_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?
                    else {
                        return Err(store::StoreError::Invalid(vec![domain_missing(batch_id)]));
                    };
                    let (last,): (i64,) = sqlx::query_as::<Db, (i64,)>(LAST_SEQ)
                        .bind(batch_id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    let mut stored = Vec::with_capacity(pages.len());
                    for (i, p) in pages.iter().enumerate() {
                        let seq = last + 1 + i as i64;
                        sqlx::query::<Db>(INSERT_PAGE)
                            .bind(batch_id)
                            .bind(seq)
                            .bind(&homework_id)
                            .bind(&p.file_name)
                            .bind(&p.blob)
                            .bind(p.status.code())
                            .bind(&p.reason)
                            .bind(p.student_id.as_deref())
                            .bind(p.read.as_ref().map(Json))
                            .bind(p.updated_at)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                        stored.push(ScanPage {
                            batch_id: batch_id.to_owned(),
                            seq: u32::try_from(seq).map_err(store::StoreError::internal)?,
                            ..p.clone()
                        });
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(stored)
                }

                async fn scan_pages(&self, batch_id: &str) -> Result<Vec<ScanPage>> {
                    let rows = sqlx::query_as::<Db, PageRow>(&pages_of_batch())
                        .bind(batch_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter().map(ssql::page).collect()
                }

                async fn scan_page(&self, batch_id: &str, seq: u32) -> Result<Option<ScanPage>> {
                    let row = sqlx::query_as::<Db, PageRow>(&page_by_key())
                        .bind(batch_id)
                        .bind(i64::from(seq))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.map(ssql::page).transpose()
                }

                async fn scan_pages_in(
                    &self,
                    homework_id: &str,
                    status: ScanStatus,
                    limit: u32,
                ) -> Result<Vec<ScanPage>> {
                    let rows = sqlx::query_as::<Db, PageRow>(&pages_in_status())
                        .bind(homework_id)
                        .bind(status.code())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter().map(ssql::page).collect()
                }

                async fn student_scan_pages(&self, homework_id: &str, student_id: &str) -> Result<Vec<ScanPage>> {
                    let rows = sqlx::query_as::<Db, PageRow>(&pages_of_student())
                        .bind(homework_id)
                        .bind(student_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter().map(ssql::page).collect()
                }

                async fn update_scan_page(&self, page: &ScanPage, from: ScanStatus) -> Result<bool> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let done = sqlx::query::<Db>(UPDATE_PAGE)
                        .bind(page.status.code())
                        .bind(&page.reason)
                        .bind(page.student_id.as_deref())
                        .bind(page.read.as_ref().map(Json))
                        .bind(page.updated_at)
                        .bind(&page.batch_id)
                        .bind(i64::from(page.seq))
                        .bind(from.code())
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    sqlx::query::<Db>(CROPS_FOLLOW_PAGE)
                        .bind(page.student_id.as_deref())
                        .bind(&page.batch_id)
                        .bind(i64::from(page.seq))
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(true)
                }

                async fn put_scan_crops(&self, crops: &[ScanCrop]) -> Result<()> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    for c in crops {
                        sqlx::query::<Db>(UPSERT_CROP)
                            .bind(&c.homework_id)
                            .bind(&c.batch_id)
                            .bind(i64::from(c.seq))
                            .bind(c.kind.code())
                            .bind(&c.field)
                            .bind(&c.blob)
                            .bind(c.student_id.as_deref())
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(())
                }

                async fn scan_crops(&self, batch_id: &str, seq: u32) -> Result<Vec<ScanCrop>> {
                    let rows = sqlx::query_as::<Db, CropRow>(&crops_of_page())
                        .bind(batch_id)
                        .bind(i64::from(seq))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter().map(ssql::crop).collect()
                }

                async fn answer_crop(
                    &self,
                    homework_id: &str,
                    student_id: &str,
                    item_id: &str,
                ) -> Result<Option<ScanCrop>> {
                    let row = sqlx::query_as::<Db, CropRow>(&answer_crop())
                        .bind(homework_id)
                        .bind(student_id)
                        .bind(item_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.map(ssql::crop).transpose()
                }

                async fn scan_image_of(&self, homework_id: &str, blob: &str) -> Result<bool> {
                    let (n,): (i64,) = sqlx::query_as::<Db, (i64,)>(IMAGE_OF_HOMEWORK)
                        .bind(homework_id)
                        .bind(blob)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(n > 0)
                }
            }

            fn domain_missing(batch_id: &str) -> $crate::reexports::domain::DomainError {
                $crate::reexports::domain::DomainError::Invalid {
                    what: "scan batch",
                    id: batch_id.to_owned(),
                    reason: "no such batch".to_owned(),
                }
            }
        }
    };
}
