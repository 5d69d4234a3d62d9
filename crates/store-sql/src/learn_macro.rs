//! [`impl_portable_learn!`]: graded responses, fitted models and mastery over one sqlx driver.

/// Implements `store::LearnStore` for `$store` (a type with `pool: sqlx::Pool<$db>`). Called by
/// [`crate::impl_portable_store!`].
#[macro_export]
macro_rules! impl_portable_learn {
    ($store:ty, $db:ty) => {
        mod portable_learn {
            use std::collections::HashMap;

            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, types::Json};
            use store::{GradedResponse, LearnFit, LearnFitSummary, Mastery, Result};
            use $crate::learn_sql::{self as lsql, *};
            use $crate::reexports::{async_trait::async_trait, chrono, sqlx, store};
            use $crate::{batch_rows, db_err};

            type Db = $db;
            type Tx<'c> = sqlx::Transaction<'c, Db>;

            /// Writes mastery rows; `refit_started` makes it a refit's write, which leaves rows
            /// updated after that instant alone.
            async fn write_mastery(
                tx: &mut Tx<'_>,
                rows: &[Mastery],
                refit_started: Option<DateTime<Utc>>,
            ) -> Result<()> {
                // PostgreSQL refuses to update one row twice in a statement: the last row of a
                // student and knowledge point wins.
                let mut last: HashMap<(&str, &str), usize> = HashMap::with_capacity(rows.len());
                for (i, m) in rows.iter().enumerate() {
                    last.insert((m.student_id.as_str(), m.knowledge_point.as_str()), i);
                }
                let rows: Vec<&Mastery> = rows
                    .iter()
                    .enumerate()
                    .filter(|(i, m)| last.get(&(m.student_id.as_str(), m.knowledge_point.as_str())) == Some(i))
                    .map(|(_, m)| m)
                    .collect();
                for chunk in rows.chunks(batch_rows(MASTERY_BINDS + 1)) {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(MASTERY_INSERT);
                    qb.push_values(chunk, |mut b, m| {
                        b.push_bind(m.student_id.as_str()).push_bind(m.knowledge_point.as_str());
                        b.push_bind(m.probability).push_bind(i64::from(m.responses)).push_bind(m.updated_at);
                    });
                    match refit_started {
                        Some(started) => {
                            qb.push(MASTERY_REFIT_TAIL).push_bind(started);
                        }
                        None => {
                            qb.push(MASTERY_UPSERT_TAIL);
                        }
                    }
                    qb.build().execute(&mut **tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            #[async_trait]
            impl store::LearnStore for $store {
                async fn graded_responses(
                    &self,
                    after_student: Option<&str>,
                    students: u32,
                ) -> Result<Vec<GradedResponse>> {
                    let rows: Vec<ResponseRow> = sqlx::query_as::<Db, ResponseRow>(&lsql::graded_responses())
                        .bind(after_student.unwrap_or(""))
                        .bind(i64::from(students))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    let mut ids: Vec<&str> = rows.iter().map(|r| r.item_id.as_str()).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let mut points: HashMap<String, Vec<String>> = HashMap::with_capacity(ids.len());
                    for chunk in ids.chunks(batch_rows(1)) {
                        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(ITEM_POINTS_HEAD);
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(*id);
                        }
                        qb.push(")");
                        let found: Vec<ItemPointsRow> =
                            qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                        points.extend(found.into_iter().map(|r| (r.id, r.content.0.knowledge_points)));
                    }
                    Ok(rows.into_iter().map(|r| lsql::response(r, &points)).collect())
                }

                async fn graded_response_count(&self) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar::<Db, i64>(&lsql::graded_response_count())
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(n.max(0) as u64)
                }

                async fn save_learn_fit(
                    &self,
                    fit: &LearnFit,
                    mastery: &[Mastery],
                    started: DateTime<Utc>,
                ) -> Result<()> {
                    let s = &fit.summary;
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    sqlx::query::<Db>(&insert_fit())
                        .bind(&s.id)
                        .bind(s.fitted_at)
                        .bind(signed(s.responses))
                        .bind(signed(s.students))
                        .bind(signed(s.knowledge_points))
                        .bind(signed(s.items))
                        .bind(s.seconds)
                        .bind(s.metrics.auc)
                        .bind(Json(&s.metrics))
                        .bind(Json(&fit.bkt))
                        .bind(fit.irt.as_ref().map(Json))
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    write_mastery(&mut tx, mastery, Some(started)).await?;
                    sqlx::query::<Db>(PRUNE_FITS).bind(FITS_KEPT).execute(&mut *tx).await.map_err(db_err)?;
                    tx.commit().await.map_err(db_err)
                }

                async fn latest_learn_fit(&self) -> Result<Option<LearnFit>> {
                    let row: Option<FitRow> =
                        sqlx::query_as::<Db, FitRow>(&latest_fit()).fetch_optional(&self.pool).await.map_err(db_err)?;
                    Ok(row.map(lsql::fit))
                }

                async fn learn_fits(&self, limit: u32) -> Result<Vec<LearnFitSummary>> {
                    let rows: Vec<FitSummaryRow> = sqlx::query_as::<Db, FitSummaryRow>(&fit_summaries())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(rows.into_iter().map(lsql::fit_summary).collect())
                }

                async fn mastery_of(&self, student_ids: &[String]) -> Result<Vec<Mastery>> {
                    let mut out = Vec::new();
                    for chunk in student_ids.chunks(batch_rows(1)) {
                        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(MASTERY_HEAD);
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(id.as_str());
                        }
                        qb.push(")").push(MASTERY_ORDER);
                        let rows: Vec<MasteryRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                        for row in rows {
                            out.push(lsql::mastery(row)?);
                        }
                    }
                    Ok(out)
                }

                async fn upsert_mastery(&self, rows: &[Mastery]) -> Result<()> {
                    if rows.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    write_mastery(&mut tx, rows, None).await?;
                    tx.commit().await.map_err(db_err)
                }
            }
        }
    };
}
