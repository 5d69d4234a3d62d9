//! [`impl_portable_homework!`]: homework, submissions, answers and marks over one sqlx driver.

/// Implements `store::HomeworkStore` for `$store` (a type with `pool: sqlx::Pool<$db>`). Called by
/// [`crate::impl_portable_store!`].
#[macro_export]
macro_rules! impl_portable_homework {
    ($store:ty, $db:ty) => {
        mod portable_homework {
            use std::collections::HashMap;

            use chrono::{DateTime, NaiveDate, Utc};
            use domain::{
                ActivityRecord, Subject,
                grading::{Outcome, Response},
                homework::{Answer, Homework, Submission, SubmissionState},
            };
            use sqlx::{QueryBuilder, types::Json};
            use store::{
                AnsweredItem, Assignee, ClassDayMinutes, ClassPace, HomeworkFilter, HomeworkSummary, HomeworkWrite,
                Result, StudentHomework, WriteOutcome,
            };
            use $crate::homework_sql::{self as hsql, *};
            use $crate::reexports::{async_trait::async_trait, chrono, domain, sqlx, store};
            use $crate::{batch_rows, db_err};

            type Db = $db;
            type Tx<'c> = sqlx::Transaction<'c, Db>;

            /// Appends activity records inside the caller's transaction, as `append_activity` does.
            async fn append_records(tx: &mut Tx<'_>, records: &[&ActivityRecord]) -> Result<()> {
                for chunk in records.chunks(batch_rows(9)) {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(
                        "INSERT INTO activity_records (actor_kind, actor_id, verb, object_kind, object_id, \
                         school_id, class_id, result, occurred_at) ",
                    );
                    qb.push_values(chunk, |mut b, r| {
                        b.push_bind(&r.actor.kind).push_bind(&r.actor.id).push_bind(&r.verb);
                        b.push_bind(&r.object.kind).push_bind(&r.object.id);
                        b.push_bind(r.school_id.as_deref()).push_bind(r.class_id.as_deref());
                        b.push_bind(r.result.as_ref().map(Json)).push_bind(r.timestamp);
                    });
                    qb.build().execute(&mut **tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            /// One answer row to write: `answer` with `seconds` in place of its own.
            struct AnswerWrite<'w> {
                homework_id: &'w str,
                student_id: &'w str,
                answer: &'w Answer,
                seconds: u32,
            }

            /// Upserts answer rows, one statement per chunk; `tail` says what a conflict replaces.
            /// With `marks` false the answers' marks are not written. The rows must not repeat a
            /// key: PostgreSQL refuses to update a row twice in one statement.
            async fn upsert_answers(tx: &mut Tx<'_>, rows: &[AnswerWrite<'_>], marks: bool, tail: &str) -> Result<()> {
                for chunk in rows.chunks(batch_rows(ANSWER_BINDS)) {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(ANSWER_INSERT);
                    qb.push_values(chunk, |mut b, row| {
                        let a = row.answer;
                        let mark = if marks { a.mark.as_ref() } else { None };
                        b.push_bind(row.homework_id).push_bind(row.student_id).push_bind(a.item_id.as_str());
                        b.push_bind(Json(&a.response)).push_bind(i64::from(row.seconds)).push_bind(a.answered_at);
                        b.push_bind(mark.map(|m| m.score)).push_bind(mark.map(|m| m.max));
                        b.push_bind(mark.map(|m| outcome_code(m.outcome)));
                        b.push_bind(mark.and_then(|m| m.marked_by.as_deref()));
                        b.push_bind(mark.and_then(|m| m.comment.as_deref()));
                    });
                    qb.push(tail);
                    qb.build().execute(&mut **tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            /// Recomputes score, pending answers and seconds of these submissions.
            async fn recompute(tx: &mut Tx<'_>, submissions: &[(&str, &str)]) -> Result<()> {
                for chunk in submissions.chunks(batch_rows(2)) {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(RECOMPUTE_HEAD);
                    qb.push_values(chunk, |mut b, (homework_id, student_id)| {
                        b.push_bind(*homework_id).push_bind(*student_id);
                    });
                    qb.push(RECOMPUTE_TAIL);
                    qb.build().execute(&mut **tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            /// Answer rows of accepted autosaves and submissions, written together when the batch
            /// ends (or before a write that reads them), so a batch costs a few statements more than
            /// its guarded updates instead of three per write. Deferring is safe because nothing
            /// but a mark reads answers: a later autosave or submission of the same work is decided
            /// by the submission row, which each write updates at once.
            #[derive(Default)]
            struct Deferred<'w> {
                /// Autosaves, merged per item: the latest response, the seconds of all of them.
                saves: Vec<AnswerWrite<'w>>,
                save_index: HashMap<(&'w str, &'w str, &'w str), usize>,
                /// The final sheets of accepted submissions, one row per item.
                sheets: Vec<AnswerWrite<'w>>,
                submitted: Vec<(&'w str, &'w str)>,
            }

            impl<'w> Deferred<'w> {
                fn save(&mut self, homework_id: &'w str, student_id: &'w str, answer: &'w Answer) {
                    let key = (homework_id, student_id, answer.item_id.as_str());
                    match self.save_index.get(&key) {
                        Some(&i) => {
                            let row = &mut self.saves[i];
                            row.seconds = row.seconds.saturating_add(answer.seconds);
                            row.answer = answer;
                        }
                        None => {
                            self.save_index.insert(key, self.saves.len());
                            let seconds = answer.seconds;
                            self.saves.push(AnswerWrite { homework_id, student_id, answer, seconds });
                        }
                    }
                }

                fn submit(&mut self, homework_id: &'w str, student_id: &'w str, answers: &'w [Answer]) {
                    // The last answer to an item wins.
                    let last: HashMap<&str, usize> =
                        answers.iter().enumerate().map(|(i, a)| (a.item_id.as_str(), i)).collect();
                    for (i, answer) in answers.iter().enumerate() {
                        if last.get(answer.item_id.as_str()) == Some(&i) {
                            let seconds = answer.seconds;
                            self.sheets.push(AnswerWrite { homework_id, student_id, answer, seconds });
                        }
                    }
                    self.submitted.push((homework_id, student_id));
                }

                /// Writes everything put off: autosaves before sheets, since an accepted
                /// autosave always came before its work's submission.
                async fn flush(&mut self, tx: &mut Tx<'_>) -> Result<()> {
                    upsert_answers(tx, &self.saves, false, SAVE_ANSWER_TAIL).await?;
                    upsert_answers(tx, &self.sheets, true, GRADED_ANSWER_TAIL).await?;
                    recompute(tx, &self.submitted).await?;
                    *self = Deferred::default();
                    Ok(())
                }
            }

            async fn state_of(tx: &mut Tx<'_>, homework_id: &str, student_id: &str) -> Result<Option<StateRow>> {
                sqlx::query_as::<Db, StateRow>(SUBMISSION_STATE)
                    .bind(homework_id)
                    .bind(student_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db_err)
            }

            /// Why a guarded update matched nothing: no submission at all, or `refusal`.
            async fn refused(
                tx: &mut Tx<'_>,
                homework_id: &str,
                student_id: &str,
                refusal: WriteOutcome,
            ) -> Result<WriteOutcome> {
                Ok(match state_of(tx, homework_id, student_id).await? {
                    None => WriteOutcome::NotAssigned,
                    Some(_) => refusal,
                })
            }

            /// Applies one write (its answers possibly put off into `deferred`); the record comes
            /// back only when it is to be appended.
            async fn apply<'w>(
                tx: &mut Tx<'_>,
                deferred: &mut Deferred<'w>,
                write: &'w HomeworkWrite,
            ) -> Result<(WriteOutcome, Option<&'w ActivityRecord>)> {
                match write {
                    HomeworkWrite::Start { homework_id, student_id, at, activity } => {
                        let done = sqlx::query::<Db>(START)
                            .bind(*at)
                            .bind(homework_id)
                            .bind(student_id)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_err)?;
                        Ok(if done.rows_affected() == 0 {
                            (WriteOutcome::NotAssigned, None)
                        } else {
                            (WriteOutcome::Done, Some(activity))
                        })
                    }
                    // A lone autosave is a run of one: one statement decides every autosave.
                    HomeworkWrite::SaveAnswer { homework_id, student_id, answer, position, activity } => {
                        let save = Save { homework_id, student_id, answer, position: *position, activity };
                        let (mut outcomes, mut records) = (Vec::with_capacity(1), Vec::with_capacity(1));
                        apply_saves(tx, deferred, &[save], &mut outcomes, &mut records).await?;
                        Ok((outcomes.pop().unwrap_or(WriteOutcome::NotAssigned), records.pop()))
                    }
                    HomeworkWrite::Submit { homework_id, student_id, key, at, late, answers, activity } => {
                        let done = sqlx::query::<Db>(SUBMIT)
                            .bind(*at)
                            .bind(*late)
                            .bind(key)
                            .bind(homework_id)
                            .bind(student_id)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_err)?;
                        if done.rows_affected() == 0 {
                            let outcome = match state_of(tx, homework_id, student_id).await? {
                                None => WriteOutcome::NotAssigned,
                                // The retry of an accepted submission: acknowledged, not repeated.
                                Some(s) if s.submit_key.as_deref() == Some(key.as_str()) => WriteOutcome::Done,
                                Some(_) => WriteOutcome::AlreadySubmitted,
                            };
                            return Ok((outcome, None));
                        }
                        deferred.submit(homework_id, student_id, answers);
                        Ok((WriteOutcome::Done, Some(activity)))
                    }
                    HomeworkWrite::Mark { homework_id, student_id, item_id, mark, activity } => {
                        let done = sqlx::query::<Db>(TOUCH_SUBMITTED)
                            .bind(activity.timestamp)
                            .bind(homework_id)
                            .bind(student_id)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_err)?;
                        if done.rows_affected() == 0 {
                            let outcome = refused(tx, homework_id, student_id, WriteOutcome::NotSubmitted).await?;
                            return Ok((outcome, None));
                        }
                        // A mark reads the answers: whatever the batch put off goes first.
                        deferred.flush(tx).await?;
                        // Only inserted for an item never answered; an existing answer keeps its
                        // response, seconds and time.
                        let blank = Answer {
                            item_id: item_id.clone(),
                            response: Response::Text(String::new()),
                            seconds: 0,
                            answered_at: activity.timestamp,
                            mark: Some(mark.clone()),
                        };
                        let row = AnswerWrite { homework_id, student_id, answer: &blank, seconds: 0 };
                        upsert_answers(tx, &[row], true, MARK_TAIL).await?;
                        recompute(tx, &[(homework_id.as_str(), student_id.as_str())]).await?;
                        Ok((WriteOutcome::Done, Some(activity)))
                    }
                    HomeworkWrite::Comment { homework_id, student_id, comment } => {
                        let done = sqlx::query::<Db>(COMMENT)
                            .bind(comment.as_deref())
                            .bind(homework_id)
                            .bind(student_id)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_err)?;
                        Ok((
                            if done.rows_affected() == 0 { WriteOutcome::NotAssigned } else { WriteOutcome::Done },
                            None,
                        ))
                    }
                }
            }

            /// An autosave's parts, borrowed from its write.
            struct Save<'w> {
                homework_id: &'w str,
                student_id: &'w str,
                answer: &'w Answer,
                position: u32,
                activity: &'w ActivityRecord,
            }

            /// The autosaves at the head of `writes`, up to the first other write or the first
            /// submission seen twice: a statement updates a row at most once, and two autosaves of
            /// one submission must add their seconds one after the other.
            fn leading_saves(writes: &[HomeworkWrite]) -> Vec<Save<'_>> {
                let mut seen = std::collections::HashSet::new();
                let mut saves = Vec::new();
                for write in writes {
                    let HomeworkWrite::SaveAnswer { homework_id, student_id, answer, position, activity } = write
                    else {
                        break;
                    };
                    if !seen.insert((homework_id.as_str(), student_id.as_str())) {
                        break;
                    }
                    saves.push(Save { homework_id, student_id, answer, position: *position, activity });
                }
                saves
            }

            /// Applies a run from [`leading_saves`] with one guarded update per chunk, in the order
            /// of the writes; only a refused autosave costs a second look at its submission.
            async fn apply_saves<'w>(
                tx: &mut Tx<'_>,
                deferred: &mut Deferred<'w>,
                saves: &[Save<'w>],
                outcomes: &mut Vec<WriteOutcome>,
                records: &mut Vec<&'w ActivityRecord>,
            ) -> Result<()> {
                let mut matched = std::collections::HashSet::new();
                for chunk in saves.chunks(batch_rows(5)) {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(SAVE_PROGRESS_HEAD);
                    qb.push_values(chunk, |mut b, save| {
                        b.push_bind(save.homework_id).push_bind(save.student_id).push_bind(save.answer.answered_at);
                        b.push_bind(i64::from(save.position)).push_bind(i64::from(save.answer.seconds));
                    });
                    qb.push(SAVE_PROGRESS_TAIL);
                    let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(&mut **tx).await.map_err(db_err)?;
                    matched.extend(rows);
                }
                for save in saves {
                    let key = (save.homework_id.to_owned(), save.student_id.to_owned());
                    if matched.contains(&key) {
                        deferred.save(save.homework_id, save.student_id, save.answer);
                        outcomes.push(WriteOutcome::Done);
                        records.push(save.activity);
                    } else {
                        let refusal = WriteOutcome::AlreadySubmitted;
                        outcomes.push(refused(tx, save.homework_id, save.student_id, refusal).await?);
                    }
                }
                Ok(())
            }

            /// Appends `IN (…)` of bound values.
            fn push_in<'a>(qb: &mut QueryBuilder<'a, Db>, values: impl IntoIterator<Item = &'a str>) {
                qb.push(" (");
                let mut list = qb.separated(", ");
                for v in values {
                    list.push_bind(v);
                }
                qb.push(")");
            }

            #[async_trait]
            impl store::HomeworkStore for $store {
                async fn create_homework(
                    &self,
                    homework: &[(Homework, Vec<Assignee>)],
                    activity: &[ActivityRecord],
                ) -> Result<()> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let head = format!("INSERT INTO homework ({}) ", HOMEWORK_COLUMNS.join(", "));
                    for chunk in homework.chunks(batch_rows(HOMEWORK_COLUMNS.len())) {
                        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(head.as_str());
                        qb.push_values(chunk, |mut b, (h, _)| {
                            b.push_bind(&h.id).push_bind(&h.title).push_bind(h.kind.code());
                            b.push_bind(h.follow_up_of.as_deref()).push_bind(h.subject.code());
                            b.push_bind(&h.school_id).push_bind(&h.class_id).push_bind(&h.teacher_id);
                            b.push_bind(h.mode.code()).push_bind(h.open_at).push_bind(h.due_at);
                            b.push_bind(h.allow_late).push_bind(Json(&h.items)).push_bind(i64::from(h.minutes));
                            b.push_bind(h.workload_date()).push_bind(&h.instructions).push_bind(h.created_at);
                            b.push_bind(h.released_at);
                        });
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                    }
                    let assignees: Vec<(&Homework, &Assignee)> =
                        homework.iter().flat_map(|(h, list)| list.iter().map(move |a| (h, a))).collect();
                    let head = format!("INSERT INTO submissions ({}) ", SUBMISSION_COLUMNS.join(", "));
                    for chunk in assignees.chunks(batch_rows(SUBMISSION_COLUMNS.len())) {
                        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(head.as_str());
                        qb.push_values(chunk, |mut b, (h, a)| {
                            b.push_bind(&h.id).push_bind(&a.student_id).push_bind(&h.class_id);
                            b.push_bind(SubmissionState::Assigned.code()).push_bind(a.items.as_ref().map(Json));
                            b.push_bind(false).push_bind(0_i64).push_bind(0.0_f32);
                            b.push_bind(hsql::max_score(h, a.items.as_deref())).push_bind(0_i64).push_bind(0_i64);
                            b.push_bind(h.created_at);
                        });
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                    }
                    let records: Vec<&ActivityRecord> = activity.iter().collect();
                    append_records(&mut tx, &records).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn homework(&self, id: &str) -> Result<Option<Homework>> {
                    let row: Option<HomeworkRow> = sqlx::query_as::<Db, HomeworkRow>(&homework_by_id())
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.map(hsql::homework).transpose()
                }

                async fn homework_list(&self, filter: &HomeworkFilter) -> Result<Vec<HomeworkSummary>> {
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(homework_list_head());
                    if !filter.class_ids.is_empty() {
                        qb.push(" AND h.class_id IN");
                        push_in(&mut qb, filter.class_ids.iter().map(String::as_str));
                    }
                    if let Some(teacher) = &filter.teacher_id {
                        qb.push(" AND h.teacher_id = ").push_bind(teacher.as_str());
                    }
                    if let Some(school) = &filter.school_id {
                        qb.push(" AND h.school_id = ").push_bind(school.as_str());
                    }
                    if let Some(subject) = filter.subject {
                        qb.push(" AND h.subject = ").push_bind(subject.code());
                    }
                    if let Some(kind) = filter.kind {
                        qb.push(" AND h.kind = ").push_bind(kind.code());
                    }
                    if let Some(from) = filter.due_from {
                        qb.push(" AND h.due_at >= ").push_bind(from);
                    }
                    if let Some(to) = filter.due_to {
                        qb.push(" AND h.due_at < ").push_bind(to);
                    }
                    qb.push(" ORDER BY h.due_at DESC, h.id LIMIT ").push_bind(i64::from(filter.limit));
                    let rows: Vec<HomeworkListRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;

                    // Counts for just the listed homework, so a long history costs nothing here.
                    let ids: Vec<&str> = rows.iter().map(|r| r.homework.id.as_str()).collect();
                    let mut progress: HashMap<String, ProgressRow> = HashMap::with_capacity(ids.len());
                    for chunk in ids.chunks(batch_rows(1)) {
                        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(PROGRESS_HEAD);
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(*id);
                        }
                        qb.push(")").push(PROGRESS_TAIL);
                        let counted: Vec<ProgressRow> =
                            qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                        progress.extend(counted.into_iter().map(|p| (p.homework_id.clone(), p)));
                    }
                    rows.into_iter()
                        .map(|r| {
                            let counts = progress.get(&r.homework.id);
                            hsql::summary(r, counts)
                        })
                        .collect()
                }

                async fn submission(&self, homework_id: &str, student_id: &str) -> Result<Option<Submission>> {
                    let Some(row) = sqlx::query_as::<Db, SubmissionRow>(&submission_by_id())
                        .bind(homework_id)
                        .bind(student_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                    else {
                        return Ok(None);
                    };
                    let answers: Vec<AnswerRow> = sqlx::query_as::<Db, AnswerRow>(&answers_of_submission())
                        .bind(homework_id)
                        .bind(student_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    let answers = answers.into_iter().map(hsql::answer).collect::<Result<_>>()?;
                    hsql::submission(row, answers).map(Some)
                }

                async fn submissions(&self, homework_id: &str) -> Result<Vec<Submission>> {
                    let rows: Vec<SubmissionRow> = sqlx::query_as::<Db, SubmissionRow>(&submissions_of())
                        .bind(homework_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    let answers: Vec<AnswerRow> = sqlx::query_as::<Db, AnswerRow>(&answers_of_homework())
                        .bind(homework_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    hsql::submissions(rows, answers)
                }

                async fn student_homework(&self, student_id: &str, limit: u32) -> Result<Vec<StudentHomework>> {
                    let rows: Vec<StudentHomeworkRow> =
                        sqlx::query_as::<Db, StudentHomeworkRow>(&hsql::student_homework_query())
                            .bind(student_id)
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    rows.into_iter().map(hsql::student_homework).collect()
                }

                async fn apply_homework_writes(&self, writes: &[HomeworkWrite]) -> Result<Vec<WriteOutcome>> {
                    if writes.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut outcomes = Vec::with_capacity(writes.len());
                    let mut records = Vec::with_capacity(writes.len());
                    let mut deferred = Deferred::default();
                    let mut rest = writes;
                    while let Some(write) = rest.first() {
                        let saves = leading_saves(rest);
                        if saves.len() > 1 {
                            apply_saves(&mut tx, &mut deferred, &saves, &mut outcomes, &mut records).await?;
                            rest = &rest[saves.len()..];
                        } else {
                            let (outcome, record) = apply(&mut tx, &mut deferred, write).await?;
                            outcomes.push(outcome);
                            records.extend(record);
                            rest = &rest[1..];
                        }
                    }
                    deferred.flush(&mut tx).await?;
                    // One statement for the batch's records, in the order of the writes.
                    append_records(&mut tx, &records).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(outcomes)
                }

                async fn release_homework(
                    &self,
                    id: &str,
                    at: DateTime<Utc>,
                    activity: &ActivityRecord,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let done = sqlx::query::<Db>(RELEASE).bind(at).bind(id).execute(&mut *tx).await.map_err(db_err)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    append_records(&mut tx, &[activity]).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(true)
                }

                async fn class_minutes(
                    &self,
                    class_ids: &[String],
                    from: NaiveDate,
                    to: NaiveDate,
                ) -> Result<Vec<ClassDayMinutes>> {
                    if class_ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(CLASS_MINUTES_HEAD);
                    let mut list = qb.separated(", ");
                    for id in class_ids {
                        list.push_bind(id.as_str());
                    }
                    qb.push(") AND workload_date >= ").push_bind(from);
                    qb.push(" AND workload_date <= ").push_bind(to);
                    qb.push(CLASS_MINUTES_ORDER);
                    let rows: Vec<MinutesRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter().map(hsql::class_minutes).collect()
                }

                async fn answered_items(
                    &self,
                    student_ids: &[String],
                    outcomes: &[Outcome],
                    limit: u32,
                ) -> Result<Vec<AnsweredItem>> {
                    if student_ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(ANSWERED_HEAD);
                    let mut list = qb.separated(", ");
                    for id in student_ids {
                        list.push_bind(id.as_str());
                    }
                    qb.push(")");
                    if !outcomes.is_empty() {
                        qb.push(" AND a.outcome IN");
                        push_in(&mut qb, outcomes.iter().map(|o| outcome_code(*o)));
                    }
                    qb.push(ANSWERED_ORDER).push_bind(i64::from(limit));
                    let rows: Vec<AnsweredRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter().map(hsql::answered_item).collect()
                }

                async fn class_pace(&self, class_id: &str, subject: Subject) -> Result<ClassPace> {
                    let row: PaceRow = sqlx::query_as::<Db, PaceRow>(CLASS_PACE)
                        .bind(class_id)
                        .bind(subject.code())
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(hsql::class_pace(row))
                }
            }
        }
    };
}
