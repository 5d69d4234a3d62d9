//! [`impl_portable_timetable!`]: school timetables over one sqlx driver.

/// Implements `store::TimetableStore` for `$store` (a type with `pool: sqlx::Pool<$db>`). Called by
/// [`crate::impl_portable_store!`].
#[macro_export]
macro_rules! impl_portable_timetable {
    ($store:ty, $db:ty) => {
        mod portable_timetable {
            use chrono::{DateTime, Utc};
            use store::{PlacementsWrite, Result, StoredTimetable, StoredTimetableSettings, TimetableSource};
            use $crate::db_err;
            use $crate::reexports::{async_trait::async_trait, chrono, sqlx, store};
            use $crate::timetable_sql::{self as tsql, *};

            type Db = $db;

            #[async_trait]
            impl store::TimetableStore for $store {
                #[allow(clippy::too_many_arguments, reason = "the key, the value, who and when: each plain")]
                async fn save_timetable_input(
                    &self,
                    school_id: &str,
                    term: &str,
                    source: TimetableSource,
                    input: &str,
                    keep_placements: bool,
                    by: &str,
                    at: DateTime<Utc>,
                ) -> Result<i64> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    sqlx::query::<Db>(UPSERT_INPUT)
                        .bind(school_id)
                        .bind(term)
                        .bind(source.code())
                        .bind(input)
                        .bind(at)
                        .bind(keep_placements)
                        .bind(by)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    let (version,): (i64,) = sqlx::query_as::<Db, (i64,)>(VERSION_OF)
                        .bind(school_id)
                        .bind(term)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(version)
                }

                async fn save_timetable_placements(
                    &self,
                    writes: &[PlacementsWrite<'_>],
                    by: &str,
                    at: DateTime<Utc>,
                ) -> Result<Option<Vec<i64>>> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut versions = Vec::with_capacity(writes.len());
                    for w in writes {
                        let done = sqlx::query::<Db>(UPDATE_PLACEMENTS)
                            .bind(w.placements)
                            .bind(w.figures.hard_ok)
                            .bind(w.figures.hard_violations)
                            .bind(w.figures.soft_penalty)
                            .bind(w.figures.seconds)
                            .bind(w.figures.iterations)
                            .bind(at)
                            .bind(by)
                            .bind(w.school_id)
                            .bind(w.term)
                            .bind(w.expected_version)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                        if done.rows_affected() != 1 {
                            // Dropping the transaction rolls back the writes before this one.
                            return Ok(None);
                        }
                        versions.push(w.expected_version + 1);
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(Some(versions))
                }

                async fn timetable(&self, school_id: &str, term: &str) -> Result<Option<StoredTimetable>> {
                    let row = sqlx::query_as::<Db, TimetableRow>(&tsql::by_key())
                        .bind(school_id)
                        .bind(term)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.map(tsql::timetable).transpose()
                }

                async fn timetables_of_term(&self, term: &str) -> Result<Vec<StoredTimetable>> {
                    let rows = sqlx::query_as::<Db, TimetableRow>(&tsql::of_term())
                        .bind(term)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter().map(tsql::timetable).collect()
                }

                async fn timetable_settings(&self, school_id: &str) -> Result<Option<StoredTimetableSettings>> {
                    let row = sqlx::query_as::<Db, SettingsRow>(SETTINGS_OF)
                        .bind(school_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(row.map(tsql::settings))
                }

                async fn save_timetable_settings(
                    &self,
                    school_id: &str,
                    expected_version: i64,
                    settings: &str,
                    by: &str,
                    at: DateTime<Utc>,
                ) -> Result<Option<i64>> {
                    let done = if expected_version == 0 {
                        sqlx::query::<Db>(INSERT_SETTINGS)
                            .bind(school_id)
                            .bind(settings)
                            .bind(at)
                            .bind(by)
                            .execute(&self.pool)
                            .await
                    } else {
                        sqlx::query::<Db>(UPDATE_SETTINGS)
                            .bind(settings)
                            .bind(at)
                            .bind(by)
                            .bind(school_id)
                            .bind(expected_version)
                            .execute(&self.pool)
                            .await
                    }
                    .map_err(db_err)?;
                    Ok((done.rows_affected() == 1).then_some(expected_version + 1))
                }
            }
        }
    };
}
