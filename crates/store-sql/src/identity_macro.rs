//! [`impl_portable_identity!`]: accounts, sessions, tokens and the audit log over one sqlx driver.

/// Implements `store::{AccountStore, AuditStore}` for `$store` (a type with `pool: sqlx::Pool<$db>`).
/// Called by [`crate::impl_portable_store!`]; backends don't call it themselves.
#[macro_export]
macro_rules! impl_portable_identity {
    ($store:ty, $db:ty) => {
        mod portable_identity {
            use $crate::reexports::{async_trait::async_trait, chrono, domain, sqlx, store};
            use $crate::{assemble, batch_rows, db_err, rows::*, sql};
            use chrono::{DateTime, Utc};
            use domain::{
                access::{ActorFacts, Place, ResourceKind, RoleAssignment},
                identity::{Account, AuditEntry, PersonKind, PersonRef},
            };
            use sqlx::QueryBuilder;
            use store::{ApiToken, AuditFilter, Progress, Result, Session};

            type Db = $db;

            fn select(columns: &str, rest: &str) -> String {
                format!("SELECT {columns} {rest}")
            }

            async fn ids(pool: &sqlx::Pool<Db>, query: &str, id: &str) -> Result<Vec<String>> {
                let rows: Vec<IdRow> = sqlx::query_as::<Db, IdRow>(query).bind(id).fetch_all(pool).await.map_err(db_err)?;
                Ok(rows.into_iter().map(|r| r.id).collect())
            }

            /// The place of a school, with optional class and student.
            async fn school_place(pool: &sqlx::Pool<Db>, school_id: &str) -> Result<Option<Place>> {
                let Some(region) = ids(pool, sql::SCHOOL_REGION, school_id).await?.pop() else { return Ok(None) };
                Ok(Some(Place {
                    regions: ids(pool, sql::REGION_PATH, &region).await?,
                    groups: ids(pool, sql::GROUPS_CONTAINING, school_id).await?,
                    school_id: Some(school_id.to_owned()),
                    ..Place::default()
                }))
            }

            async fn person_place(pool: &sqlx::Pool<Db>, query: &str, id: &str) -> Result<Option<(Place, Option<String>)>> {
                let row: Option<SchoolClassRow> =
                    sqlx::query_as::<Db, SchoolClassRow>(query).bind(id).fetch_optional(pool).await.map_err(db_err)?;
                let Some(row) = row else { return Ok(None) };
                Ok(school_place(pool, &row.school_id).await?.map(|p| (p, row.class_id)))
            }

            #[async_trait]
            impl store::AccountStore for $store {
                async fn add_accounts(
                    &self,
                    accounts: &[Account],
                    assignments: &[RoleAssignment],
                    progress: &dyn Progress,
                ) -> Result<u64> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut n = 0u64;
                    for chunk in accounts.chunks(batch_rows(10)) {
                        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(format!("INSERT INTO accounts ({}) ", sql::ACCOUNT_COLUMNS));
                        qb.push_values(chunk, |mut b, a| {
                            b.push_bind(&a.id).push_bind(&a.username).push_bind(&a.display_name).push_bind(a.phone.as_deref());
                            b.push_bind(a.person.as_ref().map(|p| p.kind.code())).push_bind(a.person.as_ref().map(|p| p.id.as_str()));
                            b.push_bind(a.password_hash.as_deref()).push_bind(a.must_change_password).push_bind(a.disabled);
                            b.push_bind(a.created_at);
                        });
                        qb.push(" ON CONFLICT DO NOTHING");
                        n += qb.build().execute(&mut *tx).await.map_err(db_err)?.rows_affected();
                        progress.advance(chunk.len() as u64);
                    }
                    for chunk in assignments.chunks(batch_rows(6)) {
                        let mut qb: QueryBuilder<'_, Db> =
                            QueryBuilder::new(format!("INSERT INTO role_assignments ({}) ", sql::ASSIGNMENT_COLUMNS));
                        qb.push_values(chunk, |mut b, a| {
                            b.push_bind(&a.id).push_bind(&a.account_id).push_bind(a.role.code()).push_bind(&a.scope_id);
                            b.push_bind(assemble::join_codes(&a.subjects)).push_bind(assemble::join_codes(&a.grants));
                        });
                        qb.push(" ON CONFLICT DO NOTHING");
                        n += qb.build().execute(&mut *tx).await.map_err(db_err)?.rows_affected();
                        progress.advance(chunk.len() as u64);
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(n)
                }

                async fn account(&self, id: &str) -> Result<Option<Account>> {
                    let q = select(sql::ACCOUNT_COLUMNS, "FROM accounts WHERE id = $1");
                    let row: Option<AccountRow> = sqlx::query_as::<Db, AccountRow>(&q).bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
                    row.map(assemble::account).transpose()
                }

                async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
                    let q = select(sql::ACCOUNT_COLUMNS, "FROM accounts WHERE username = $1");
                    let row: Option<AccountRow> =
                        sqlx::query_as::<Db, AccountRow>(&q).bind(login).fetch_optional(&self.pool).await.map_err(db_err)?;
                    if let Some(row) = row {
                        return assemble::account(row).map(Some);
                    }
                    // A phone number shared by two accounts (a teacher who is also a parent) names
                    // neither: such people sign in with their username.
                    let q = select(sql::ACCOUNT_COLUMNS, "FROM accounts WHERE phone = $1 LIMIT 2");
                    let mut rows: Vec<AccountRow> =
                        sqlx::query_as::<Db, AccountRow>(&q).bind(login).fetch_all(&self.pool).await.map_err(db_err)?;
                    if rows.len() == 1 { rows.pop().map(assemble::account).transpose() } else { Ok(None) }
                }

                async fn search_accounts(&self, query: &str, limit: u32) -> Result<Vec<Account>> {
                    let q = select(
                        sql::ACCOUNT_COLUMNS,
                        "FROM accounts WHERE username LIKE $1 OR display_name LIKE $1 ORDER BY username LIMIT $2",
                    );
                    // LIKE wildcards typed by the user are matched literally.
                    let escaped = query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    let q = q.replace("LIKE $1", "LIKE $1 ESCAPE '\\'");
                    let rows: Vec<AccountRow> = sqlx::query_as::<Db, AccountRow>(&q)
                        .bind(format!("%{escaped}%"))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter().map(assemble::account).collect()
                }

                async fn set_password(&self, account_id: &str, hash: &str, must_change: bool) -> Result<()> {
                    sqlx::query::<Db>("UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                        .bind(hash)
                        .bind(must_change)
                        .bind(account_id)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(())
                }

                async fn set_disabled(&self, account_id: &str, disabled: bool) -> Result<()> {
                    sqlx::query::<Db>("UPDATE accounts SET disabled = $1 WHERE id = $2")
                        .bind(disabled)
                        .bind(account_id)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(())
                }

                async fn role_assignments(&self, account_id: &str) -> Result<Vec<RoleAssignment>> {
                    let q = select(sql::ASSIGNMENT_COLUMNS, "FROM role_assignments WHERE account_id = $1 ORDER BY id");
                    let rows: Vec<RoleAssignmentRow> =
                        sqlx::query_as::<Db, RoleAssignmentRow>(&q).bind(account_id).fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter().map(assemble::role_assignment).collect()
                }

                async fn assignments_in_scopes(&self, scope_ids: &[String], limit: u32) -> Result<Vec<(RoleAssignment, String)>> {
                    if scope_ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(
                        "SELECT r.id, r.account_id, r.role, r.scope_id, r.subjects, r.grants, a.display_name
                         FROM role_assignments r JOIN accounts a ON a.id = r.account_id WHERE r.scope_id IN (",
                    );
                    let mut list = qb.separated(", ");
                    for id in scope_ids.iter().take(batch_rows(1)) {
                        list.push_bind(id.as_str());
                    }
                    qb.push(") ORDER BY r.role, a.display_name, r.id LIMIT ");
                    qb.push_bind(i64::from(limit));
                    let rows: Vec<NamedAssignmentRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter().map(|r| Ok((assemble::role_assignment(r.assignment)?, r.display_name))).collect()
                }

                async fn role_assignment(&self, id: &str) -> Result<Option<RoleAssignment>> {
                    let q = select(sql::ASSIGNMENT_COLUMNS, "FROM role_assignments WHERE id = $1");
                    let row: Option<RoleAssignmentRow> =
                        sqlx::query_as::<Db, RoleAssignmentRow>(&q).bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
                    row.map(assemble::role_assignment).transpose()
                }

                async fn remove_role_assignment(&self, id: &str) -> Result<()> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    sqlx::query::<Db>("DELETE FROM api_tokens WHERE assignment_id = $1").bind(id).execute(&mut *tx).await.map_err(db_err)?;
                    sqlx::query::<Db>("DELETE FROM role_assignments WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(db_err)?;
                    tx.commit().await.map_err(db_err)
                }

                async fn actor_facts(&self, person: &PersonRef) -> Result<ActorFacts> {
                    let p = &self.pool;
                    Ok(match person.kind {
                        PersonKind::Teacher => {
                            let taught: Vec<ClassSubjectRow> =
                                sqlx::query_as::<Db, ClassSubjectRow>(sql::TAUGHT).bind(&person.id).fetch_all(p).await.map_err(db_err)?;
                            ActorFacts {
                                taught: taught
                                    .into_iter()
                                    .map(|r| Ok((r.class_id, assemble::subject(&r.subject)?)))
                                    .collect::<Result<_>>()?,
                                head_of: ids(p, sql::HEADED, &person.id).await?,
                                children: Vec::new(),
                            }
                        }
                        PersonKind::Guardian => ActorFacts { children: ids(p, sql::CHILDREN, &person.id).await?, ..ActorFacts::default() },
                        PersonKind::Student => ActorFacts::default(),
                    })
                }

                async fn place(&self, kind: ResourceKind, id: &str) -> Result<Option<Place>> {
                    let p = &self.pool;
                    Ok(match kind {
                        ResourceKind::District | ResourceKind::Audit | ResourceKind::DistrictReview => {
                            if ids(p, sql::REGION_EXISTS, id).await?.is_empty() {
                                None
                            } else {
                                Some(Place { regions: ids(p, sql::REGION_PATH, id).await?, ..Place::default() })
                            }
                        }
                        ResourceKind::Group => match ids(p, sql::GROUP_LEAD, id).await?.pop() {
                            None => None,
                            Some(lead) => school_place(p, &lead).await?.map(|place| Place {
                                regions: place.regions,
                                groups: vec![id.to_owned()],
                                ..Place::default()
                            }),
                        },
                        ResourceKind::School | ResourceKind::SchoolReview => school_place(p, id).await?,
                        ResourceKind::Class => person_place(p, sql::CLASS_SCHOOL, id).await?.map(|(place, class)| Place { class_id: class, ..place }),
                        ResourceKind::Homework => person_place(p, sql::HOMEWORK_SCHOOL, id).await?.map(|(place, class)| Place { class_id: class, ..place }),
                        ResourceKind::Student | ResourceKind::StudentWork => person_place(p, sql::STUDENT_SCHOOL, id)
                            .await?
                            .map(|(place, class)| Place { class_id: class, student_id: Some(id.to_owned()), ..place }),
                        ResourceKind::Teacher => person_place(p, sql::TEACHER_SCHOOL, id)
                            .await?
                            .map(|(place, _)| Place { person_id: Some(id.to_owned()), ..place }),
                        ResourceKind::Curriculum | ResourceKind::RoleAssignment | ResourceKind::Library => Some(Place::default()),
                    })
                }

                async fn create_session(&self, s: &Session) -> Result<()> {
                    sqlx::query::<Db>(&format!("INSERT INTO sessions ({}) VALUES ($1, $2, $3, $4, $5, $6, $7)", sql::SESSION_COLUMNS))
                        .bind(&s.id_hash)
                        .bind(&s.account_id)
                        .bind(&s.csrf_token)
                        .bind(s.created_at)
                        .bind(s.expires_at)
                        .bind(s.ip.as_deref())
                        .bind(s.user_agent.as_deref())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(())
                }

                async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
                    let q = select(sql::SESSION_COLUMNS, "FROM sessions WHERE id_hash = $1 AND expires_at > $2");
                    let row: Option<SessionRow> = sqlx::query_as::<Db, SessionRow>(&q)
                        .bind(id_hash)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(row.map(assemble::session))
                }

                async fn delete_session(&self, id_hash: &str) -> Result<()> {
                    sqlx::query::<Db>("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await.map_err(db_err)?;
                    Ok(())
                }

                async fn delete_sessions_of(&self, account_id: &str) -> Result<u64> {
                    let r = sqlx::query::<Db>("DELETE FROM sessions WHERE account_id = $1")
                        .bind(account_id)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(r.rows_affected())
                }

                async fn create_token(&self, t: &ApiToken) -> Result<()> {
                    sqlx::query::<Db>(&format!("INSERT INTO api_tokens ({}) VALUES ($1, $2, $3, $4, $5, $6, $7)", sql::TOKEN_COLUMNS))
                        .bind(&t.id)
                        .bind(&t.account_id)
                        .bind(&t.assignment_id)
                        .bind(&t.name)
                        .bind(&t.token_hash)
                        .bind(t.created_at)
                        .bind(t.revoked_at)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(())
                }

                async fn tokens_of(&self, account_id: &str) -> Result<Vec<ApiToken>> {
                    let q = select(sql::TOKEN_COLUMNS, "FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC, id");
                    let rows: Vec<TokenRow> =
                        sqlx::query_as::<Db, TokenRow>(&q).bind(account_id).fetch_all(&self.pool).await.map_err(db_err)?;
                    Ok(rows.into_iter().map(assemble::token).collect())
                }

                async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
                    let q = select(sql::TOKEN_COLUMNS, "FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
                    let row: Option<TokenRow> =
                        sqlx::query_as::<Db, TokenRow>(&q).bind(token_hash).fetch_optional(&self.pool).await.map_err(db_err)?;
                    Ok(row.map(assemble::token))
                }

                async fn revoke_token(&self, account_id: &str, token_id: &str, at: DateTime<Utc>) -> Result<bool> {
                    let r = sqlx::query::<Db>(
                        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
                    )
                    .bind(at)
                    .bind(token_id)
                    .bind(account_id)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(r.rows_affected() == 1)
                }
            }

            #[async_trait]
            impl store::AuditStore for $store {
                async fn append_audit(&self, e: &AuditEntry) -> Result<()> {
                    sqlx::query::<Db>(&format!(
                        "INSERT INTO audit_log ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        sql::AUDIT_COLUMNS
                    ))
                    .bind(e.at)
                    .bind(e.actor_account_id.as_deref())
                    .bind(&e.actor_name)
                    .bind(e.action.code())
                    .bind(&e.target_kind)
                    .bind(&e.target_id)
                    .bind(e.school_id.as_deref())
                    .bind(e.ip.as_deref())
                    .bind(e.detail.as_deref())
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(())
                }

                async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
                    let mut qb: QueryBuilder<'_, Db> =
                        QueryBuilder::new(format!("SELECT {} FROM audit_log WHERE 1 = 1", sql::AUDIT_COLUMNS));
                    if let Some(actor) = &f.actor {
                        qb.push(" AND (actor_account_id = ").push_bind(actor.as_str());
                        qb.push(" OR actor_name = ").push_bind(actor.as_str()).push(")");
                    }
                    if let Some(action) = f.action {
                        qb.push(" AND action = ").push_bind(action.code());
                    }
                    if let Some(kind) = &f.target_kind {
                        qb.push(" AND target_kind = ").push_bind(kind.as_str());
                    }
                    if let Some(id) = &f.target_id {
                        qb.push(" AND target_id = ").push_bind(id.as_str());
                    }
                    if let Some(school) = &f.school_id {
                        qb.push(" AND school_id = ").push_bind(school.as_str());
                    }
                    if let Some(from) = f.from {
                        qb.push(" AND at >= ").push_bind(from);
                    }
                    if let Some(to) = f.to {
                        qb.push(" AND at < ").push_bind(to);
                    }
                    qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(f.limit.max(1)));
                    qb.push(" OFFSET ").push_bind(i64::from(f.offset));
                    let rows: Vec<AuditRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter().map(assemble::audit).collect()
                }
            }
        }
    };
}
