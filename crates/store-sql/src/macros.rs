//! [`impl_portable_store!`]: the store traits implemented once over a backend's sqlx driver.

/// Implements `store::{RosterStore, CurriculumStore, ActivityStore}` for `$store`, a type with a
/// field `pool: sqlx::Pool<$db>`. The backend implements `store::Store` itself.
#[macro_export]
macro_rules! impl_portable_store {
    ($store:ty, $db:ty) => {
        $crate::impl_portable_identity!($store, $db);
        $crate::impl_portable_library!($store, $db);
        $crate::impl_portable_homework!($store, $db);
        $crate::impl_portable_learn!($store, $db);
        $crate::impl_portable_scans!($store, $db);
        $crate::impl_portable_timetable!($store, $db);

        mod portable_impl {
            use domain::{ActivityRecord, Curriculum, Roster};
            use sqlx::{QueryBuilder, query_builder::Separated};
            use store::{
                ClassDetail, DistrictOverview, GroupSummary, ImportSummary, Progress, Result, SchoolDetail, StoreError,
                SubjectTeacher, TaughtClass, TeacherDetail, Totals, VolumeDetail, VolumeSummary,
            };
            use $crate::reexports::{async_trait::async_trait, domain, sqlx, store};
            use $crate::{assemble, batch_rows, db_err, rows::*, sql};

            type Db = $db;
            type Tx<'c> = sqlx::Transaction<'c, Db>;

            /// Writes `rows` in batches with one multi-row INSERT … ON CONFLICT per batch.
            async fn upsert<'a, T: 'a>(
                tx: &mut Tx<'_>,
                (head, tail): &(String, String),
                columns: usize,
                rows: &'a [T],
                progress: &dyn Progress,
                mut bind: impl for<'s> FnMut(Separated<'s, 'a, Db, &'static str>, &'a T),
            ) -> Result<u64> {
                for chunk in rows.chunks(batch_rows(columns)) {
                    let mut qb: QueryBuilder<'a, Db> = QueryBuilder::new(head.as_str());
                    qb.push_values(chunk, |b, row| bind(b, row));
                    qb.push(tail.as_str());
                    qb.build().execute(&mut **tx).await.map_err(db_err)?;
                    progress.advance(chunk.len() as u64);
                }
                Ok(rows.len() as u64)
            }

            /// Deletes the child rows of the given parents, so they can be written afresh.
            async fn delete_children(tx: &mut Tx<'_>, table: &str, column: &str, parents: &[&str]) -> Result<()> {
                for chunk in parents.chunks(batch_rows(1)) {
                    let mut qb: QueryBuilder<'_, Db> =
                        QueryBuilder::new(format!("DELETE FROM {table} WHERE {column} IN ("));
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&mut **tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            async fn fetch<T>(pool: &sqlx::Pool<Db>, query: &str) -> Result<Vec<T>>
            where
                T: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
            {
                sqlx::query_as::<Db, T>(query).fetch_all(pool).await.map_err(db_err)
            }

            async fn fetch_by<T>(pool: &sqlx::Pool<Db>, query: &str, id: &str) -> Result<Vec<T>>
            where
                T: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
            {
                sqlx::query_as::<Db, T>(query).bind(id).fetch_all(pool).await.map_err(db_err)
            }

            async fn fetch_one_by<T>(pool: &sqlx::Pool<Db>, query: &str, id: &str) -> Result<Option<T>>
            where
                T: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
            {
                sqlx::query_as::<Db, T>(query).bind(id).fetch_optional(pool).await.map_err(db_err)
            }

            async fn name_of(pool: &sqlx::Pool<Db>, query: &str, id: &str) -> Result<Option<String>> {
                Ok(fetch_one_by::<IdName>(pool, query, id).await?.map(|r| r.name))
            }

            #[async_trait]
            impl store::RosterStore for $store {
                async fn import_roster(&self, roster: &Roster, progress: &dyn Progress) -> Result<ImportSummary> {
                    roster.validate().map_err(StoreError::Invalid)?;
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut n = 0;

                    let regions = assemble::regions_root_first(roster.regions.clone());
                    let q = sql::upsert("regions", &["id", "parent_id", "code", "name", "level"], &["id"]);
                    n += upsert(&mut tx, &q, 5, &regions, progress, |mut b, r| {
                        b.push_bind(&r.id).push_bind(r.parent_id.as_deref()).push_bind(&r.code).push_bind(&r.name);
                        b.push_bind(r.level.code());
                    })
                    .await?;

                    let schools = assemble::schools_central_first(&roster.schools);
                    let cols = ["id", "region_id", "code", "name", "kind", "locality", "central_school_id"];
                    let q = sql::upsert("schools", &cols, &["id"]);
                    n += upsert(&mut tx, &q, cols.len(), &schools, progress, |mut b, s| {
                        b.push_bind(&s.id).push_bind(&s.region_id).push_bind(&s.code).push_bind(&s.name);
                        b.push_bind(s.kind.code())
                            .push_bind(s.locality.code())
                            .push_bind(s.central_school_id.as_deref());
                    })
                    .await?;

                    let q = sql::upsert("school_groups", &["id", "name", "kind", "lead_school_id"], &["id"]);
                    n += upsert(&mut tx, &q, 4, &roster.school_groups, progress, |mut b, g| {
                        b.push_bind(&g.id).push_bind(&g.name).push_bind(g.kind.code()).push_bind(&g.lead_school_id);
                    })
                    .await?;
                    let groups: Vec<&str> = roster.school_groups.iter().map(|g| g.id.as_str()).collect();
                    delete_children(&mut tx, "school_group_members", "group_id", &groups).await?;
                    let members: Vec<(&str, &str, i64)> = roster
                        .school_groups
                        .iter()
                        .flat_map(|g| {
                            g.member_school_ids.iter().enumerate().map(|(i, m)| (g.id.as_str(), m.as_str(), i as i64))
                        })
                        .collect();
                    let q = sql::upsert(
                        "school_group_members",
                        &["group_id", "school_id", "ordinal"],
                        &["group_id", "school_id"],
                    );
                    n += upsert(&mut tx, &q, 3, &members, progress, |mut b, (g, s, i)| {
                        b.push_bind(*g).push_bind(*s).push_bind(*i);
                    })
                    .await?;

                    let q = sql::upsert("school_years", &["id", "name", "start_date", "end_date"], &["id"]);
                    n += upsert(&mut tx, &q, 4, &roster.school_years, progress, |mut b, y| {
                        b.push_bind(&y.id).push_bind(&y.name).push_bind(y.start_date).push_bind(y.end_date);
                    })
                    .await?;

                    let cols = ["id", "school_id", "name", "gender", "id_number", "phone", "tier", "subjects"];
                    let q = sql::upsert("teachers", &cols, &["id"]);
                    n += upsert(&mut tx, &q, cols.len(), &roster.teachers, progress, |mut b, t| {
                        b.push_bind(&t.id).push_bind(&t.school_id).push_bind(&t.name).push_bind(t.gender.code());
                        b.push_bind(t.id_number.as_deref()).push_bind(t.phone.as_deref()).push_bind(t.tier.code());
                        b.push_bind(assemble::join_subjects(&t.subjects));
                    })
                    .await?;

                    let cols = ["id", "school_id", "school_year_id", "grade", "name", "head_teacher_id"];
                    let q = sql::upsert("classes", &cols, &["id"]);
                    n += upsert(&mut tx, &q, cols.len(), &roster.classes, progress, |mut b, c| {
                        b.push_bind(&c.id).push_bind(&c.school_id).push_bind(&c.school_year_id);
                        b.push_bind(i64::from(c.grade)).push_bind(&c.name).push_bind(c.head_teacher_id.as_deref());
                    })
                    .await?;

                    let cols =
                        ["id", "school_id", "class_id", "name", "gender", "student_number", "id_number", "birth_date"];
                    let q = sql::upsert("students", &cols, &["id"]);
                    n += upsert(&mut tx, &q, cols.len(), &roster.students, progress, |mut b, s| {
                        b.push_bind(&s.id).push_bind(&s.school_id).push_bind(&s.class_id).push_bind(&s.name);
                        b.push_bind(s.gender.code()).push_bind(&s.student_number).push_bind(s.id_number.as_deref());
                        b.push_bind(s.birth_date);
                    })
                    .await?;

                    let q = sql::upsert("guardians", &["id", "name", "phone"], &["id"]);
                    n += upsert(&mut tx, &q, 3, &roster.guardians, progress, |mut b, g| {
                        b.push_bind(&g.id).push_bind(&g.name).push_bind(g.phone.as_deref());
                    })
                    .await?;
                    let guardians: Vec<&str> = roster.guardians.iter().map(|g| g.id.as_str()).collect();
                    delete_children(&mut tx, "guardian_students", "guardian_id", &guardians).await?;
                    let links: Vec<(&str, &str, &'static str, i64)> = roster
                        .guardians
                        .iter()
                        .flat_map(|g| {
                            g.students
                                .iter()
                                .enumerate()
                                .map(|(i, l)| (g.id.as_str(), l.student_id.as_str(), l.relation.code(), i as i64))
                        })
                        .collect();
                    let cols = ["guardian_id", "student_id", "relation", "ordinal"];
                    let q = sql::upsert("guardian_students", &cols, &["guardian_id", "student_id"]);
                    n += upsert(&mut tx, &q, cols.len(), &links, progress, |mut b, (g, s, r, i)| {
                        b.push_bind(*g).push_bind(*s).push_bind(*r).push_bind(*i);
                    })
                    .await?;

                    // Assignments belong to their class: an imported class gets exactly the imported set.
                    let classes: Vec<&str> = roster.classes.iter().map(|c| c.id.as_str()).collect();
                    delete_children(&mut tx, "teaching_assignments", "class_id", &classes).await?;
                    let cols = ["teacher_id", "class_id", "subject"];
                    let q = sql::upsert("teaching_assignments", &cols, &cols);
                    n += upsert(&mut tx, &q, 3, &roster.teaching_assignments, progress, |mut b, a| {
                        b.push_bind(&a.teacher_id).push_bind(&a.class_id).push_bind(a.subject.code());
                    })
                    .await?;

                    tx.commit().await.map_err(db_err)?;
                    Ok(ImportSummary { rows_written: n })
                }

                async fn load_roster(&self) -> Result<Roster> {
                    let p = &self.pool;
                    let groups = assemble::groups(fetch(p, sql::GROUPS).await?, fetch(p, sql::GROUP_MEMBERS).await?)?;
                    let school_groups = groups
                        .into_iter()
                        .map(|g| domain::SchoolGroup {
                            id: g.id,
                            name: g.name,
                            kind: g.kind,
                            lead_school_id: g.lead_school_id,
                            member_school_ids: Vec::new(),
                        })
                        .collect::<Vec<_>>();
                    // Members in stored order (the summary orders them by name for display).
                    let members: Vec<GroupMemberRow> = fetch(p, sql::GROUP_MEMBERS).await?;
                    let mut school_groups = school_groups;
                    for g in &mut school_groups {
                        g.member_school_ids =
                            members.iter().filter(|m| m.group_id == g.id).map(|m| m.school_id.clone()).collect();
                    }
                    Ok(Roster {
                        regions: fetch(p, sql::REGIONS)
                            .await?
                            .into_iter()
                            .map(assemble::region)
                            .collect::<Result<_>>()?,
                        schools: fetch(p, sql::SCHOOLS)
                            .await?
                            .into_iter()
                            .map(assemble::school)
                            .collect::<Result<_>>()?,
                        school_groups,
                        school_years: fetch(p, sql::SCHOOL_YEARS)
                            .await?
                            .into_iter()
                            .map(assemble::school_year)
                            .collect(),
                        classes: fetch(p, sql::CLASSES)
                            .await?
                            .into_iter()
                            .map(assemble::class)
                            .collect::<Result<_>>()?,
                        teachers: fetch(p, sql::TEACHERS)
                            .await?
                            .into_iter()
                            .map(assemble::teacher)
                            .collect::<Result<_>>()?,
                        students: fetch(p, sql::STUDENTS)
                            .await?
                            .into_iter()
                            .map(assemble::student)
                            .collect::<Result<_>>()?,
                        guardians: assemble::guardians(
                            fetch(p, sql::GUARDIANS).await?,
                            fetch(p, sql::GUARDIAN_LINKS).await?,
                        )?,
                        teaching_assignments: fetch::<AssignmentRow>(p, sql::ASSIGNMENTS)
                            .await?
                            .into_iter()
                            .map(|a| {
                                Ok(domain::TeachingAssignment {
                                    subject: assemble::subject(&a.subject)?,
                                    teacher_id: a.teacher_id,
                                    class_id: a.class_id,
                                })
                            })
                            .collect::<Result<_>>()?,
                    })
                }

                async fn district_overview(&self) -> Result<DistrictOverview> {
                    let p = &self.pool;
                    let regions =
                        fetch(p, sql::REGIONS).await?.into_iter().map(assemble::region).collect::<Result<_>>()?;
                    let t: TotalsRow =
                        sqlx::query_as::<Db, TotalsRow>(sql::TOTALS).fetch_one(p).await.map_err(db_err)?;
                    let mut schools = fetch(p, &sql::school_summaries())
                        .await?
                        .into_iter()
                        .map(assemble::school_summary)
                        .collect::<Result<Vec<_>>>()?;
                    assemble::sort_school_summaries(&mut schools);
                    let grades = fetch::<GradeCountRow>(p, sql::GRADE_COUNTS)
                        .await?
                        .into_iter()
                        .map(|g| {
                            Ok(store::GradeCount {
                                grade: u8::try_from(g.grade).map_err(StoreError::internal)?,
                                classes: g.classes as u64,
                                students: g.students as u64,
                            })
                        })
                        .collect::<Result<_>>()?;
                    Ok(DistrictOverview {
                        grades,
                        regions: assemble::regions_root_first(regions),
                        totals: Totals {
                            schools: t.schools as u64,
                            teaching_points: t.teaching_points as u64,
                            classes: t.classes as u64,
                            teachers: t.teachers as u64,
                            students: t.students as u64,
                            guardians: t.guardians as u64,
                        },
                        schools,
                    })
                }

                async fn school_detail(&self, school_id: &str) -> Result<Option<SchoolDetail>> {
                    let p = &self.pool;
                    let Some(row) = fetch_one_by(p, &sql::school_summary_by_id(), school_id).await? else {
                        return Ok(None);
                    };
                    let teaching_points = fetch_by::<IdName>(p, sql::TEACHING_POINTS_OF, school_id)
                        .await?
                        .into_iter()
                        .map(|r| (r.id, r.name))
                        .collect();
                    let groups = assemble::groups(
                        fetch_by(p, sql::GROUPS_OF_SCHOOL, school_id).await?,
                        fetch_by(p, sql::MEMBERS_OF_GROUPS_OF_SCHOOL, school_id).await?,
                    )?;
                    Ok(Some(SchoolDetail {
                        summary: assemble::school_summary(row)?,
                        teaching_points,
                        groups,
                        classes: fetch_by(p, sql::CLASSES_OF_SCHOOL, school_id)
                            .await?
                            .into_iter()
                            .map(assemble::class_summary)
                            .collect::<Result<_>>()?,
                        teachers: fetch_by(p, sql::TEACHERS_OF_SCHOOL, school_id)
                            .await?
                            .into_iter()
                            .map(assemble::teacher_summary)
                            .collect::<Result<_>>()?,
                    }))
                }

                async fn class_detail(&self, class_id: &str) -> Result<Option<ClassDetail>> {
                    let p = &self.pool;
                    let Some(class) = fetch_one_by(p, sql::CLASS_BY_ID, class_id).await? else {
                        return Ok(None);
                    };
                    let class = assemble::class(class)?;
                    let guardians = assemble::guardians(
                        fetch_by(p, sql::GUARDIANS_OF_CLASS, class_id).await?,
                        fetch_by(p, sql::GUARDIAN_LINKS_OF_CLASS, class_id).await?,
                    )?;
                    let students = fetch_by(p, sql::STUDENTS_OF_CLASS, class_id)
                        .await?
                        .into_iter()
                        .map(|s| {
                            let s = assemble::student(s)?;
                            let mine = guardians
                                .iter()
                                .filter(|g| g.students.iter().any(|l| l.student_id == s.id))
                                .cloned()
                                .collect();
                            Ok((s, mine))
                        })
                        .collect::<Result<_>>()?;
                    let mut teachers = fetch_by::<SubjectTeacherRow>(p, sql::SUBJECT_TEACHERS_OF_CLASS, class_id)
                        .await?
                        .into_iter()
                        .map(|r| {
                            Ok(SubjectTeacher {
                                subject: assemble::subject(&r.subject)?,
                                teacher_id: r.teacher_id,
                                teacher_name: r.teacher_name,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    teachers.sort_by(|a, b| (a.subject, &a.teacher_name).cmp(&(b.subject, &b.teacher_name)));
                    let head_teacher_name = match &class.head_teacher_id {
                        Some(t) => name_of(p, sql::TEACHER_NAME, t).await?,
                        None => None,
                    };
                    Ok(Some(ClassDetail {
                        school_name: name_of(p, sql::SCHOOL_NAME, &class.school_id).await?.unwrap_or_default(),
                        school_year_name: name_of(p, sql::SCHOOL_YEAR_NAME, &class.school_year_id)
                            .await?
                            .unwrap_or_default(),
                        head_teacher_name,
                        class,
                        students,
                        teachers,
                    }))
                }

                async fn teacher_detail(&self, teacher_id: &str) -> Result<Option<TeacherDetail>> {
                    let p = &self.pool;
                    let Some(teacher) = fetch_one_by(p, sql::TEACHER_BY_ID, teacher_id).await? else {
                        return Ok(None);
                    };
                    let teacher = assemble::teacher(teacher)?;
                    let taught = fetch_by::<TaughtClassRow>(p, sql::CLASSES_TAUGHT, teacher_id)
                        .await?
                        .into_iter()
                        .map(|r| {
                            Ok(TaughtClass {
                                grade: u8::try_from(r.grade).map_err(StoreError::internal)?,
                                subject: assemble::subject(&r.subject)?,
                                class_id: r.class_id,
                                class_name: r.class_name,
                                students: r.students as u64,
                            })
                        })
                        .collect::<Result<_>>()?;
                    let head_of = fetch_by::<IdName>(p, sql::HEAD_OF, teacher_id)
                        .await?
                        .into_iter()
                        .map(|r| (r.id, r.name))
                        .collect();
                    Ok(Some(TeacherDetail {
                        school_name: name_of(p, sql::SCHOOL_NAME, &teacher.school_id).await?.unwrap_or_default(),
                        teacher,
                        taught,
                        head_of,
                    }))
                }

                async fn school_groups(&self) -> Result<Vec<GroupSummary>> {
                    assemble::groups(
                        fetch(&self.pool, sql::GROUPS).await?,
                        fetch(&self.pool, sql::GROUP_MEMBERS).await?,
                    )
                }
            }

            #[async_trait]
            impl store::CurriculumStore for $store {
                async fn import_curriculum(&self, c: &Curriculum, progress: &dyn Progress) -> Result<ImportSummary> {
                    c.validate().map_err(StoreError::Invalid)?;
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut n = 0;
                    let q = sql::upsert("textbook_editions", &["id", "name", "publisher"], &["id"]);
                    n += upsert(&mut tx, &q, 3, &c.editions, progress, |mut b, e| {
                        b.push_bind(&e.id).push_bind(&e.name).push_bind(&e.publisher);
                    })
                    .await?;
                    let cols = ["id", "edition_id", "stage", "subject", "grade", "volume", "book_id"];
                    let q = sql::upsert("textbook_volumes", &cols, &["id"]);
                    n += upsert(&mut tx, &q, cols.len(), &c.volumes, progress, |mut b, v| {
                        b.push_bind(&v.id)
                            .push_bind(&v.edition_id)
                            .push_bind(v.stage.code())
                            .push_bind(v.subject.code());
                        b.push_bind(v.grade.map(i64::from)).push_bind(&v.volume).push_bind(v.book_id.as_deref());
                    })
                    .await?;
                    // Parents before children, so the self-reference holds at every row.
                    let mut nodes: Vec<&domain::CurriculumNode> = c.nodes.iter().collect();
                    let parents: std::collections::HashMap<&str, Option<&str>> =
                        c.nodes.iter().map(|n| (n.id.as_str(), n.parent_id.as_deref())).collect();
                    let depth = |id: &str| {
                        let mut d = 0;
                        let mut at = parents.get(id).copied().flatten();
                        while let Some(p) = at {
                            d += 1;
                            if d > parents.len() {
                                break;
                            }
                            at = parents.get(p).copied().flatten();
                        }
                        d
                    };
                    nodes.sort_by_cached_key(|n| depth(&n.id));
                    let cols = ["id", "volume_id", "parent_id", "kind", "ordinal", "title"];
                    let q = sql::upsert("curriculum_nodes", &cols, &["id"]);
                    n += upsert(&mut tx, &q, cols.len(), &nodes, progress, |mut b, x| {
                        b.push_bind(&x.id).push_bind(&x.volume_id).push_bind(x.parent_id.as_deref());
                        b.push_bind(x.kind.code()).push_bind(i64::from(x.ordinal)).push_bind(&x.title);
                    })
                    .await?;
                    let cols = ["id", "stage", "subject", "name", "node_id"];
                    let q = sql::upsert("knowledge_points", &cols, &["id"]);
                    n += upsert(&mut tx, &q, cols.len(), &c.knowledge_points, progress, |mut b, k| {
                        b.push_bind(&k.id).push_bind(k.stage.code()).push_bind(k.subject.code()).push_bind(&k.name);
                        b.push_bind(k.node_id.as_deref());
                    })
                    .await?;
                    let points: Vec<&str> = c.knowledge_points.iter().map(|k| k.id.as_str()).collect();
                    delete_children(&mut tx, "knowledge_point_prerequisites", "point_id", &points).await?;
                    let edges: Vec<(&str, &str, i64)> = c
                        .knowledge_points
                        .iter()
                        .flat_map(|k| {
                            k.prerequisite_ids.iter().enumerate().map(|(i, p)| (k.id.as_str(), p.as_str(), i as i64))
                        })
                        .collect();
                    let cols = ["point_id", "prerequisite_id", "ordinal"];
                    let q = sql::upsert("knowledge_point_prerequisites", &cols, &["point_id", "prerequisite_id"]);
                    n += upsert(&mut tx, &q, 3, &edges, progress, |mut b, (k, p, i)| {
                        b.push_bind(*k).push_bind(*p).push_bind(*i);
                    })
                    .await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(ImportSummary { rows_written: n })
                }

                async fn load_curriculum(&self) -> Result<Curriculum> {
                    let p = &self.pool;
                    Ok(Curriculum {
                        editions: fetch(p, sql::EDITIONS).await?.into_iter().map(assemble::edition).collect(),
                        volumes: fetch(p, sql::VOLUMES)
                            .await?
                            .into_iter()
                            .map(assemble::volume)
                            .collect::<Result<_>>()?,
                        nodes: fetch(p, sql::NODES).await?.into_iter().map(assemble::node).collect::<Result<_>>()?,
                        knowledge_points: assemble::points(
                            fetch(p, sql::POINTS).await?,
                            fetch(p, sql::PREREQUISITES).await?,
                        )?,
                    })
                }

                async fn volumes(&self) -> Result<Vec<VolumeSummary>> {
                    let mut v = fetch(&self.pool, &sql::volume_summaries())
                        .await?
                        .into_iter()
                        .map(assemble::volume_summary)
                        .collect::<Result<Vec<_>>>()?;
                    assemble::sort_volumes(&mut v);
                    Ok(v)
                }

                async fn volume_detail(&self, volume_id: &str) -> Result<Option<VolumeDetail>> {
                    let p = &self.pool;
                    let Some(row) = fetch_one_by(p, &sql::volume_summary_by_id(), volume_id).await? else {
                        return Ok(None);
                    };
                    let nodes = fetch_by(p, sql::NODES_OF_VOLUME, volume_id)
                        .await?
                        .into_iter()
                        .map(assemble::node)
                        .collect::<Result<_>>()?;
                    Ok(Some(VolumeDetail {
                        summary: assemble::volume_summary(row)?,
                        nodes: assemble::reading_order(nodes),
                        knowledge_points: assemble::points(
                            fetch_by(p, sql::POINTS_OF_VOLUME, volume_id).await?,
                            fetch_by(p, sql::PREREQUISITES_OF_VOLUME, volume_id).await?,
                        )?,
                    }))
                }
            }

            #[async_trait]
            impl store::ActivityStore for $store {
                async fn append_activity(&self, records: &[ActivityRecord]) -> Result<()> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let cols = [
                        "actor_kind",
                        "actor_id",
                        "verb",
                        "object_kind",
                        "object_id",
                        "school_id",
                        "class_id",
                        "result",
                        "occurred_at",
                    ];
                    let head = format!("INSERT INTO activity_records ({}) ", cols.join(", "));
                    upsert(&mut tx, &(head, String::new()), cols.len(), records, &store::NoProgress, |mut b, r| {
                        b.push_bind(&r.actor.kind).push_bind(&r.actor.id).push_bind(&r.verb);
                        b.push_bind(&r.object.kind).push_bind(&r.object.id);
                        b.push_bind(r.school_id.as_deref()).push_bind(r.class_id.as_deref());
                        b.push_bind(r.result.as_ref().map(sqlx::types::Json)).push_bind(r.timestamp);
                    })
                    .await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn activity_count(&self) -> Result<u64> {
                    let c: Count =
                        sqlx::query_as::<Db, Count>(sql::ACTIVITY_COUNT).fetch_one(&self.pool).await.map_err(db_err)?;
                    Ok(c.n as u64)
                }

                async fn recent_activity(&self, limit: u32) -> Result<Vec<ActivityRecord>> {
                    let rows: Vec<ActivityRow> = sqlx::query_as::<Db, ActivityRow>(sql::RECENT_ACTIVITY)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(rows.into_iter().map(assemble::activity).collect())
                }

                async fn activity_about(
                    &self,
                    object_kind: &str,
                    object_id: &str,
                    limit: u32,
                ) -> Result<Vec<ActivityRecord>> {
                    let rows: Vec<ActivityRow> = sqlx::query_as::<Db, ActivityRow>(sql::ACTIVITY_ABOUT)
                        .bind(object_kind)
                        .bind(object_id)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(rows.into_iter().map(assemble::activity).collect())
                }
            }

            /// True when no school is stored.
            pub(super) async fn no_schools(pool: &sqlx::Pool<Db>) -> Result<bool> {
                let c: Count = sqlx::query_as::<Db, Count>(sql::ANY_SCHOOL).fetch_one(pool).await.map_err(db_err)?;
                Ok(c.n == 0)
            }
        }
    };
}
