//! `zhijiao bench homework`: the homework loop under an evening's load. `prepare` writes homework
//! and student tokens into the store and a plan file; `run` drives a running server through the
//! JSON API as hundreds of students at once and reports latency, errors and throughput.

use std::process::ExitCode;

use clap::Subcommand;

use super::{homework_load, homework_prepare};
use crate::config::Database;

#[derive(Debug, Subcommand)]
pub enum HomeworkCommand {
    /// 准备：为整班布置作业、为学生创建令牌，写出计划文件 / assign homework to whole classes, issue
    /// student tokens and write the plan
    Prepare(homework_prepare::PrepareArgs),
    /// 运行：按计划模拟学生作答（列表、打开、自动保存、提交） / drive a running server as the plan's
    /// students (list, open, autosave, submit)
    Run(homework_load::RunArgs),
}

pub async fn run(database: &Database, command: HomeworkCommand) -> anyhow::Result<ExitCode> {
    match command {
        HomeworkCommand::Prepare(args) => homework_prepare::prepare(database, args).await,
        HomeworkCommand::Run(args) => homework_load::run(args).await,
    }
}
