//! [`impl_portable_library!`]: the exercise bank, resource library and usage counts over one sqlx
//! driver.

/// Implements `store::{ItemStore, ResourceStore, UsageStore}` for `$store` (a type with
/// `pool: sqlx::Pool<$db>`). Called by [`crate::impl_portable_store!`].
#[macro_export]
macro_rules! impl_portable_library {
    ($store:ty, $db:ty) => {
        mod portable_library {
            use chrono::{DateTime, Utc};
            use domain::{ActivityRecord, resources::ReviewState};
            use sqlx::QueryBuilder;
            use store::{
                ImportSummary, ItemRecord, NewItem, NewResource, Progress, ResourceContent, ResourceRecord,
                ResourceSummary, Result, ReviewFilter, Usage, UsageVerb,
            };
            use $crate::library_sql::{self as lsql, *};
            use $crate::reexports::{async_trait::async_trait, chrono, domain, sqlx, store};
            use $crate::{batch_rows, db_err, rows::Count};

            type Db = $db;

            fn opt_code<T: Copy + Into<&'static str>>(value: Option<T>) -> Option<&'static str> {
                value.map(Into::into)
            }

            /// Appends the review filter's conditions (`AND …`) to a query.
            fn push_review_filter(qb: &mut QueryBuilder<'_, Db>, filter: &ReviewFilter, state_col: &str, table: &str) {
                if !filter.states.is_empty() {
                    qb.push(format!(" AND {state_col} IN ("));
                    let mut list = qb.separated(", ");
                    for state in &filter.states {
                        list.push_bind(state.code());
                    }
                    qb.push(")");
                }
                if !filter.school_ids.is_empty() {
                    qb.push(format!(" AND {table}.school_id IN ("));
                    let mut list = qb.separated(", ");
                    for id in &filter.school_ids {
                        list.push_bind(id.clone());
                    }
                    qb.push(")");
                }
                if let Some(scope) = filter.scope {
                    qb.push(format!(" AND {table}.scope = ")).push_bind(scope.code());
                }
                if let Some(author) = &filter.author_id {
                    qb.push(format!(" AND {table}.author_id = ")).push_bind(author.clone());
                }
            }

            #[async_trait]
            impl store::ItemStore for $store {
                async fn import_items(&self, items: &[NewItem], progress: &dyn Progress) -> Result<ImportSummary> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    for chunk in items.chunks(batch_rows(17)) {
                        let mut qb: QueryBuilder<'_, Db> =
                            QueryBuilder::new(format!("INSERT INTO items ({ITEM_COLUMNS}) "));
                        qb.push_values(chunk, |mut b, n| {
                            let i = &n.item;
                            b.push_bind(i.id.clone()).push_bind(i.source.clone()).push_bind(i.source_id.clone());
                            b.push_bind(i.item_type.code()).push_bind(opt_code(i.stage));
                            b.push_bind(i.grade.map(i64::from)).push_bind(opt_code(i.subject));
                            b.push_bind(i.difficulty.map(i64::from)).push_bind(i64::from(i.seconds));
                            b.push_bind(sqlx::types::Json(i.clone()))
                                .push_bind(n.state.code())
                                .push_bind(n.scope.code());
                            b.push_bind(n.school_id.clone()).push_bind(n.author_id.clone()).push_bind(None::<String>);
                            b.push_bind(n.at).push_bind(n.at);
                        });
                        qb.push(ITEM_UPSERT_TAIL);
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                        progress.advance(chunk.len() as u64);
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(ImportSummary { rows_written: items.len() as u64 })
                }

                async fn item(&self, id: &str) -> Result<Option<ItemRecord>> {
                    let row: Option<ItemRow> = sqlx::query_as::<Db, ItemRow>(&format!("{ITEM_SELECT} WHERE i.id = $1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.map(lsql::item).transpose()
                }

                async fn items_by_ids(&self, ids: &[String]) -> Result<Vec<ItemRecord>> {
                    let mut found = std::collections::HashMap::new();
                    for chunk in ids.chunks(batch_rows(1)) {
                        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(format!("{ITEM_SELECT} WHERE i.id IN ("));
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(id.clone());
                        }
                        qb.push(")");
                        let rows: Vec<ItemRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                        for row in rows {
                            let record = lsql::item(row)?;
                            found.insert(record.item.id.clone(), record);
                        }
                    }
                    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
                }

                async fn items_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<ItemRecord>> {
                    let rows: Vec<ItemRow> =
                        sqlx::query_as::<Db, ItemRow>(&format!("{ITEM_SELECT} WHERE i.id > $1 ORDER BY i.id LIMIT $2"))
                            .bind(after.unwrap_or(""))
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    rows.into_iter().map(lsql::item).collect()
                }

                async fn items_for_review(&self, filter: &ReviewFilter) -> Result<Vec<ItemRecord>> {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(format!("{ITEM_SELECT} WHERE 1 = 1"));
                    push_review_filter(&mut qb, filter, "i.state", "i");
                    let order = if filter.author_id.is_some() { "DESC" } else { "ASC" };
                    qb.push(format!(" ORDER BY i.updated_at {order}, i.id LIMIT ")).push_bind(i64::from(filter.limit));
                    let rows: Vec<ItemRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter().map(lsql::item).collect()
                }

                async fn set_item_state(
                    &self,
                    id: &str,
                    from: ReviewState,
                    to: ReviewState,
                    reason: Option<&str>,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let done = sqlx::query::<Db>(SET_ITEM_STATE)
                        .bind(to.code())
                        .bind(reason)
                        .bind(at)
                        .bind(id)
                        .bind(from.code())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(done.rows_affected() == 1)
                }

                async fn set_item_duplicates(&self, id: &str, duplicates: &[(String, f32)]) -> Result<()> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    sqlx::query::<Db>(DELETE_ITEM_DUPLICATES).bind(id).execute(&mut *tx).await.map_err(db_err)?;
                    for (similar, similarity) in duplicates {
                        sqlx::query::<Db>(INSERT_ITEM_DUPLICATE)
                            .bind(id)
                            .bind(similar)
                            .bind(*similarity)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    tx.commit().await.map_err(db_err)
                }

                async fn item_duplicates(&self, id: &str) -> Result<Vec<(String, f32)>> {
                    let rows: Vec<DuplicateRow> = sqlx::query_as::<Db, DuplicateRow>(ITEM_DUPLICATES)
                        .bind(id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(rows.into_iter().map(|r| (r.similar_id, r.similarity)).collect())
                }

                async fn item_count(&self) -> Result<u64> {
                    let c: Count =
                        sqlx::query_as::<Db, Count>(ITEM_COUNT).fetch_one(&self.pool).await.map_err(db_err)?;
                    Ok(c.n.max(0) as u64)
                }
            }

            async fn insert_version<'c>(
                tx: &mut sqlx::Transaction<'c, Db>,
                id: &str,
                number: u32,
                content: &ResourceContent,
                at: DateTime<Utc>,
            ) -> Result<()> {
                let mut qb: QueryBuilder<'_, Db> =
                    QueryBuilder::new(format!("INSERT INTO resource_versions ({VERSION_COLUMNS}) "));
                qb.push_values(std::iter::once(content), |mut b, c| {
                    b.push_bind(id.to_owned()).push_bind(i64::from(number)).push_bind(ReviewState::Draft.code());
                    b.push_bind(c.title.clone()).push_bind(c.description.clone()).push_bind(opt_code(c.stage));
                    b.push_bind(c.grade.map(i64::from)).push_bind(opt_code(c.subject)).push_bind(c.edition_id.clone());
                    b.push_bind(c.volume_id.clone()).push_bind(c.chapter_id.clone());
                    b.push_bind(list_to_text(&c.knowledge_points)).push_bind(list_to_text(&c.tags));
                    b.push_bind(c.licence.clone()).push_bind(c.source.clone()).push_bind(c.link_url.clone());
                    let f = c.file.as_ref();
                    b.push_bind(f.map(|f| f.sha256.clone())).push_bind(f.map(|f| f.size as i64));
                    b.push_bind(f.map(|f| f.media_type.clone())).push_bind(f.map(|f| f.file_name.clone()));
                    b.push_bind(f.and_then(|f| f.duration_seconds).map(i64::from)).push_bind(None::<String>);
                    b.push_bind(at);
                });
                qb.build().execute(&mut **tx).await.map_err(db_err)?;
                Ok(())
            }

            async fn usage_of(pool: &sqlx::Pool<Db>, kind: &str, id: &str) -> Result<Usage> {
                let rows: Vec<VerbCountRow> = sqlx::query_as::<Db, VerbCountRow>(USAGE_OF)
                    .bind(kind)
                    .bind(id)
                    .fetch_all(pool)
                    .await
                    .map_err(db_err)?;
                let favourites: Count = sqlx::query_as::<Db, Count>(FAVOURITE_COUNT)
                    .bind(kind)
                    .bind(id)
                    .fetch_one(pool)
                    .await
                    .map_err(db_err)?;
                Ok(lsql::usage(rows, favourites.n))
            }

            async fn assemble_resource(pool: &sqlx::Pool<Db>, row: ResourceRow) -> Result<ResourceRecord> {
                let (resource_type, scope) = resource_parts(&row)?;
                let versions: Vec<VersionRow> = sqlx::query_as::<Db, VersionRow>(VERSIONS_OF)
                    .bind(&row.id)
                    .fetch_all(pool)
                    .await
                    .map_err(db_err)?;
                Ok(ResourceRecord {
                    usage: usage_of(pool, "resource", &row.id).await?,
                    versions: versions.into_iter().map(lsql::version).collect::<Result<_>>()?,
                    published_version: row.published_version.and_then(|n| u32::try_from(n).ok()),
                    id: row.id,
                    resource_type,
                    scope,
                    author_id: row.author_id,
                    author_name: row.author_name,
                    school_id: row.school_id,
                    school_name: row.school_name,
                    created_at: row.created_at,
                })
            }

            #[async_trait]
            impl store::ResourceStore for $store {
                async fn create_resource(&self, r: &NewResource) -> Result<()> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    sqlx::query::<Db>(INSERT_RESOURCE)
                        .bind(&r.id)
                        .bind(r.resource_type.code())
                        .bind(r.scope.code())
                        .bind(&r.author_id)
                        .bind(r.school_id.as_deref())
                        .bind(r.at)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    insert_version(&mut tx, &r.id, 1, &r.content, r.at).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn add_resource_version(
                    &self,
                    id: &str,
                    content: &ResourceContent,
                    at: DateTime<Utc>,
                ) -> Result<u32> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let max: Count =
                        sqlx::query_as::<Db, Count>(MAX_VERSION).bind(id).fetch_one(&mut *tx).await.map_err(db_err)?;
                    let number = u32::try_from(max.n + 1).map_err(store::StoreError::internal)?;
                    insert_version(&mut tx, id, number, content, at).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(number)
                }

                async fn update_resource_draft(
                    &self,
                    id: &str,
                    number: u32,
                    content: &ResourceContent,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    // Replace the row in one transaction: delete only if still editable, then insert.
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let gone = sqlx::query::<Db>(DELETE_DRAFT_VERSION)
                        .bind(id)
                        .bind(i64::from(number))
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    if gone.rows_affected() != 1 {
                        return Ok(false);
                    }
                    insert_version(&mut tx, id, number, content, at).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(true)
                }

                async fn resource(&self, id: &str) -> Result<Option<ResourceRecord>> {
                    let row: Option<ResourceRow> =
                        sqlx::query_as::<Db, ResourceRow>(&format!("{RESOURCE_BY_ID} WHERE r.id = $1"))
                            .bind(id)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db_err)?;
                    match row {
                        Some(row) => Ok(Some(assemble_resource(&self.pool, row).await?)),
                        None => Ok(None),
                    }
                }

                async fn set_resource_state(
                    &self,
                    id: &str,
                    number: u32,
                    from: ReviewState,
                    to: ReviewState,
                    reason: Option<&str>,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let done = sqlx::query::<Db>(SET_VERSION_STATE)
                        .bind(to.code())
                        .bind(reason)
                        .bind(at)
                        .bind(id)
                        .bind(i64::from(number))
                        .bind(from.code())
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    if done.rows_affected() != 1 {
                        return Ok(false);
                    }
                    if to == ReviewState::Published {
                        sqlx::query::<Db>(PUBLISH_VERSION)
                            .bind(i64::from(number))
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    } else if from == ReviewState::Published {
                        sqlx::query::<Db>(UNPUBLISH_VERSION)
                            .bind(id)
                            .bind(i64::from(number))
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(true)
                }

                async fn resources_for_review(&self, filter: &ReviewFilter) -> Result<Vec<ResourceSummary>> {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(RESOURCE_SUMMARY);
                    push_review_filter(&mut qb, filter, "v.state", "r");
                    let order = if filter.author_id.is_some() { "DESC" } else { "ASC" };
                    qb.push(format!(" ORDER BY v.updated_at {order}, r.id LIMIT ")).push_bind(i64::from(filter.limit));
                    let rows: Vec<ResourceSummaryRow> =
                        qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter().map(resource_summary).collect()
                }

                async fn resources_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<ResourceRecord>> {
                    let rows: Vec<ResourceRow> = sqlx::query_as::<Db, ResourceRow>(&format!(
                        "{RESOURCE_BY_ID} WHERE r.id > $1 ORDER BY r.id LIMIT $2"
                    ))
                    .bind(after.unwrap_or(""))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    let mut out = Vec::with_capacity(rows.len());
                    for row in rows {
                        out.push(assemble_resource(&self.pool, row).await?);
                    }
                    Ok(out)
                }
            }

            #[async_trait]
            impl store::UsageStore for $store {
                async fn record_usage(
                    &self,
                    record: &ActivityRecord,
                    verb: UsageVerb,
                    counted: &[(&str, &str)],
                ) -> Result<()> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    sqlx::query::<Db>(
                        "INSERT INTO activity_records (actor_kind, actor_id, verb, object_kind, object_id, school_id, \
                         class_id, result, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&record.actor.kind)
                    .bind(&record.actor.id)
                    .bind(&record.verb)
                    .bind(&record.object.kind)
                    .bind(&record.object.id)
                    .bind(record.school_id.as_deref())
                    .bind(record.class_id.as_deref())
                    .bind(record.result.as_ref().map(sqlx::types::Json))
                    .bind(record.timestamp)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    for (kind, id) in counted {
                        sqlx::query::<Db>(USAGE_BUMP)
                            .bind(*kind)
                            .bind(*id)
                            .bind(verb.code())
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    tx.commit().await.map_err(db_err)
                }

                async fn usage(&self, kind: &str, id: &str) -> Result<Usage> {
                    usage_of(&self.pool, kind, id).await
                }

                async fn set_favourite(
                    &self,
                    account_id: &str,
                    kind: &str,
                    id: &str,
                    on: bool,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    let done = if on {
                        sqlx::query::<Db>(FAVOURITE_ADD)
                            .bind(account_id)
                            .bind(kind)
                            .bind(id)
                            .bind(at)
                            .execute(&self.pool)
                            .await
                    } else {
                        sqlx::query::<Db>(FAVOURITE_REMOVE)
                            .bind(account_id)
                            .bind(kind)
                            .bind(id)
                            .execute(&self.pool)
                            .await
                    };
                    Ok(done.map_err(db_err)?.rows_affected() == 1)
                }

                async fn is_favourite(&self, account_id: &str, kind: &str, id: &str) -> Result<bool> {
                    let c: Count = sqlx::query_as::<Db, Count>(FAVOURITE_ONE)
                        .bind(account_id)
                        .bind(kind)
                        .bind(id)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(c.n > 0)
                }

                async fn favourites(&self, account_id: &str, kind: &str, limit: u32) -> Result<Vec<String>> {
                    let rows: Vec<$crate::rows::IdRow> = sqlx::query_as::<Db, $crate::rows::IdRow>(FAVOURITES_OF)
                        .bind(account_id)
                        .bind(kind)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(rows.into_iter().map(|r| r.id).collect())
                }

                async fn top_usage(&self, kind: &str, verb: UsageVerb, limit: u32) -> Result<Vec<(String, u64)>> {
                    let rows: Vec<TopRow> = sqlx::query_as::<Db, TopRow>(TOP_USAGE)
                        .bind(kind)
                        .bind(verb.code())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(rows.into_iter().map(|r| (r.subject_id, r.count.max(0) as u64)).collect())
                }
            }
        }
    };
}
