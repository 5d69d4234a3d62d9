//! Gathering what a class report needs (the homework, every submission, the items, the students'
//! names) for `domain::homework::analysis`.

use std::sync::Arc;

use domain::homework::{Homework, analysis::ClassReport};

use super::HomeworkError;
use crate::App;

/// The homework and its class report.
pub(crate) async fn class_report(app: &App, id: &str) -> Result<(Arc<Homework>, ClassReport), HomeworkError> {
    let homework = app.homeworks.homework(&*app.store, id).await?.ok_or(HomeworkError::NotFound)?;
    let submissions = app.store.submissions(id).await?;
    let mut ids: Vec<String> = homework.items.iter().map(|i| i.item_id.clone()).collect();
    for s in &submissions {
        for i in s.items.iter().flatten() {
            if !ids.contains(&i.item_id) {
                ids.push(i.item_id.clone());
            }
        }
    }
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let items: Vec<&domain::items::Item> = ids.iter().filter_map(|id| bank.get(id).map(|i| &**i)).collect();
    let students = student_names(app, &homework.class_id).await?;
    let report = domain::homework::analysis::class_report(&homework, &submissions, &items, &students);
    Ok((homework, report))
}

/// The class's students as `(id, name)`, in student-number order.
pub(crate) async fn student_names(app: &App, class_id: &str) -> Result<Vec<(String, String)>, HomeworkError> {
    let class = app.store.class_detail(class_id).await?;
    Ok(class.map(|c| c.students.into_iter().map(|(s, _)| (s.id, s.name)).collect()).unwrap_or_default())
}
