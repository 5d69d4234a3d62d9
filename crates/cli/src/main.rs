//! `zhijiao`: the one binary a district installs. Serves the platform, migrates the database,
//! generates a demo district, imports and exports rosters and the curriculum.

mod commands;
mod config;
mod progress;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand, ValueEnum};

/// 智教 Zhijiao — 区域智慧教育平台 / regional smart-education platform.
#[derive(Debug, Parser)]
#[command(name = "zhijiao", version, about, long_about = None)]
struct Cli {
    /// 配置文件（默认 ./zhijiao.toml，若存在） / configuration file (default ./zhijiao.toml if present)
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// 数据目录（SQLite 数据库与上传文件） / data directory (SQLite database, uploaded files)
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// 数据库地址：postgres://… 或 sqlite:路径 / database URL: postgres://… or sqlite:PATH
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 启动平台（网页与接口） / start the platform (web pages and API)
    Serve(commands::serve::ServeArgs),
    /// 创建或升级数据库结构 / create or upgrade the database schema
    Migrate,
    /// 生成演示区域（学校、师生、家长、课程） / generate a demo district (schools, people, curriculum)
    Demo(commands::demo::DemoArgs),
    /// 导入数据 / import data
    #[command(subcommand)]
    Import(ImportCommand),
    /// 导出数据 / export data
    #[command(subcommand)]
    Export(ExportCommand),
    /// 学习模型：知识追踪与项目反应理论 / learning models: knowledge tracing and item response theory
    #[command(subcommand)]
    Learn(commands::learn::LearnCommand),
    /// 排课：求解与核对 FET 课表文件 / timetabling: solve and check FET timetable files
    #[command(subcommand)]
    Timetable(commands::timetable::TimetableCommand),
    /// 答题卡：打印、识别与测评 / answer sheets: print, read and measure
    #[command(subcommand)]
    Omr(commands::omr::OmrCommand),
    /// 接口令牌：创建与撤销 / API tokens: create and revoke
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// 从数据库重建搜索索引 / rebuild the search index from the database
    Reindex,
    /// 搜索资源与试题 / search resources and items
    Search(commands::library::SearchArgs),
    /// 基准测试 / benchmarks
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// 导入 OneRoster 1.2 CSV 花名册（文件夹或 zip） / import a OneRoster 1.2 CSV roster (folder or zip)
    Oneroster {
        /// 文件夹或 .zip / folder or .zip
        path: PathBuf,
    },
    /// 导入人教版教材结构（pep-textbook-structure 文件夹） / import the PEP textbook structure folder
    Curriculum {
        /// 含 pep_*.json/csv 的文件夹 / folder holding the pep_*.json/csv files
        path: PathBuf,
    },
    /// 导入试题（JSON Lines、QTI 3.0、公开题库） / import items (JSON Lines, QTI 3.0, public banks)
    Items(commands::library::ImportItemsArgs),
    /// 按清单 CSV 导入资源文件 / import resource files described by a CSV manifest
    Resources(commands::resources::ImportResourcesArgs),
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// 导出 OneRoster 1.2 CSV 花名册（文件夹或 .zip） / export the roster as OneRoster 1.2 CSV (folder or .zip)
    Oneroster {
        /// 目标文件夹或 .zip / target folder or .zip
        path: PathBuf,
        /// 导出用途（含学生个人信息，必填，记入审计日志） / purpose of the export (it holds minors'
        /// personal data: required, written to the audit log)
        #[arg(long)]
        purpose: String,
    },
    /// 导出试题（QTI 3.0 .zip 或 .jsonl） / export items (QTI 3.0 .zip or .jsonl)
    Items(commands::library::ExportItemsArgs),
}

/// Demo district size.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DemoScale {
    /// 真实区域规模：140 所学校、约 13.7 万学生 / real district: 140 schools, ~137,000 students
    Full,
    /// 小规模（测试用） / a few schools, for tests
    Small,
}

impl From<DemoScale> for demo::Scale {
    fn from(value: DemoScale) -> Self {
        match value {
            DemoScale::Full => demo::Scale::Full,
            DemoScale::Small => demo::Scale::Small,
        }
    }
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZHIJIAO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误 / error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = config::Settings::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    if let Some(url) = cli.database_url {
        settings.database_url = Some(url);
    }
    let database = settings.database()?;
    match cli.command {
        Command::Serve(args) => commands::serve::run(&settings, &database, args).await,
        Command::Migrate => {
            let store = database.open().await?;
            println!("数据库已是最新结构 / database schema is up to date ({}: {database:?})", store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => commands::demo::run(&database, args).await,
        Command::Import(ImportCommand::Oneroster { path }) => commands::roster::import(&database, &path).await,
        Command::Import(ImportCommand::Curriculum { path }) => commands::curriculum::import(&database, &path).await,
        Command::Export(ExportCommand::Oneroster { path, purpose }) => {
            commands::roster::export(&database, &path, &purpose).await
        }
        Command::Learn(commands::learn::LearnCommand::Fit(args)) => commands::learn::fit(args),
        Command::Learn(commands::learn::LearnCommand::Predict(args)) => commands::learn::predict(args),
        Command::Learn(commands::learn::LearnCommand::Refit) => commands::refit::run(&database).await,
        Command::Timetable(commands::timetable::TimetableCommand::Solve(args)) => commands::timetable::solve(args),
        Command::Timetable(commands::timetable::TimetableCommand::Check(args)) => commands::timetable::check(args),
        Command::Timetable(commands::timetable::TimetableCommand::Constraints) => commands::timetable::constraints(),
        Command::Omr(command) => commands::omr::run(command),
        Command::Token(commands::token::TokenCommand::Create(args)) => commands::token::create(&database, args).await,
        Command::Token(commands::token::TokenCommand::Revoke(args)) => commands::token::revoke(&database, args).await,
        Command::Import(ImportCommand::Resources(args)) => {
            commands::resources::import(&settings, &database, args).await
        }
        Command::Import(ImportCommand::Items(args)) => {
            commands::library::import_items(&settings, &database, args).await
        }
        Command::Export(ExportCommand::Items(args)) => commands::library::export_items(&database, args).await,
        Command::Reindex => commands::library::reindex(&settings, &database).await,
        Command::Search(args) => commands::library::search(&settings, &database, args).await,
        Command::Bench(command) => commands::bench::run(&database, command).await,
    }
}
