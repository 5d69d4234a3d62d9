//! `zhijiao learn refit`: the platform's background refit run once from the command line, with a
//! progress bar: all marked answers → BKT (and 2PL IRT) → every student's mastery, stored.

use std::{process::ExitCode, time::Duration};

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Database;

pub async fn run(database: &Database) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    let learning = web::mastery::Learning::new(store.clone(), web::mastery::Schedule::default());
    let bar = ProgressBar::new(100);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40.cyan/blue}] {pos}% ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("重新拟合 / refitting");
    learning.start_refit();
    let status = loop {
        let status = learning.status();
        bar.set_position(u64::from(status.percent));
        bar.set_message(format!("重新拟合 / refitting: {:?}", status.stage));
        if !status.running {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    bar.finish_and_clear();
    if let Some(error) = status.error {
        bail!("拟合失败 / refit failed: {error}");
    }
    let Some(fit) = store.learn_fits(1).await?.pop() else { bail!("拟合未保存 / the fit was not stored") };
    let figure = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.3}"));
    println!(
        "已重新拟合 / refitted: {} responses, {} students, {} knowledge points, {} items · AUC {} (IRT {}) on {} \
         holdout answers · {:.2} s",
        fit.responses,
        fit.students,
        fit.knowledge_points,
        fit.items,
        figure(fit.metrics.auc),
        figure(fit.metrics.irt_auc),
        fit.metrics.holdout_responses,
        fit.seconds
    );
    Ok(ExitCode::SUCCESS)
}
