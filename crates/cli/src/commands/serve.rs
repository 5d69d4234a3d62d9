//! `zhijiao serve`: open the store (creating the demo district on request) and serve the web.

use std::process::ExitCode;

use clap::Args;

use crate::{
    DemoScale,
    config::{Database, Settings},
};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 数据库为空时生成演示区域 / generate the demo district when the database is empty
    #[arg(long)]
    pub demo: bool,
    /// 演示区域规模 / demo district size
    #[arg(long, value_enum, default_value = "full")]
    pub demo_scale: DemoScale,
    /// 监听地址 / address to listen on
    #[arg(long)]
    pub bind: Option<String>,
    /// 端口 / port
    #[arg(long)]
    pub port: Option<u16>,
}

pub async fn run(settings: &Settings, database: &Database, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    tracing::info!(backend = store.backend(), database = ?database, "store opened");
    let mut fresh_demo = false;
    if args.demo && store.is_empty().await? {
        fresh_demo = true;
        println!("首次启动：正在生成演示区域… / first start: generating the demo district…");
        let stats = super::demo::load(&store, demo::DemoConfig { seed: 2026, scale: args.demo_scale.into() }).await?;
        println!(
            "演示区域已就绪 / demo district ready: {} schools, {} teachers, {} students ({:.1} s)",
            stats.schools,
            stats.teachers,
            stats.students,
            stats.generate_seconds + stats.write_seconds
        );
    }
    let bind = args.bind.unwrap_or_else(|| settings.server.bind.clone());
    let port = args.port.unwrap_or(settings.server.port);
    let listener = tokio::net::TcpListener::bind((bind.as_str(), port))
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}:{port}: {e}"))?;
    let addr = listener.local_addr()?;
    let shown = if addr.ip().is_unspecified() { format!("127.0.0.1:{}", addr.port()) } else { addr.to_string() };
    println!("智教已启动 / Zhijiao is running: http://{shown}/  (Ctrl-C 停止 / to stop)");
    let config = demo::DemoConfig { seed: 2026, scale: args.demo_scale.into() };
    let demo_accounts = if args.demo { super::demo::demo_logins(config) } else { Vec::new() };
    if !demo_accounts.is_empty() {
        println!(
            "演示账号（初始密码 {}，首次登录须修改）/ demo accounts (initial password, change at first sign-in):",
            web::DEMO_PASSWORD
        );
        for a in &demo_accounts {
            println!("  {:<12} {} / {} · {}", a.username, a.role.label_zh(), a.role.label_en(), a.scope);
        }
    }
    let index = super::library::open_index(settings, &*store).await?;
    if fresh_demo {
        // The demo wrote a starter bank: make it findable (with anything imported before).
        super::library::rebuild(&*store, &index).await?;
    }
    let blobs = blobs::Blobs::open(&settings.data_dir, settings.library.limits())
        .map_err(|e| anyhow::anyhow!("cannot open the file store in {}: {e}", settings.data_dir.display()))?;
    let library = std::sync::Arc::new(web::library::Library::new(index, blobs));
    // The near-duplicate index of the bank is built in the background: pages work meanwhile and
    // flag duplicates once it is ready.
    {
        let (store, library) = (store.clone(), library.clone());
        tokio::spawn(async move {
            match web::library::build_neardup(&*store).await {
                Ok(index) => {
                    if let Ok(mut slot) = library.neardup.write() {
                        *slot = Some(index);
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot build the near-duplicate index"),
            }
            let swept = library.blobs.sweep_stale(std::time::Duration::from_secs(7 * 24 * 3600)).await;
            if swept > 0 {
                tracing::info!(swept, "abandoned uploads removed");
            }
        });
    }
    let workload = domain::workload::WorkloadPolicy::new(settings.workload)
        .map_err(|e| anyhow::anyhow!("[workload] in the settings: {e}"))?;
    let state = web::AppState { store, demo: args.demo, demo_accounts, library, workload };
    let app = web::router_with_learning(state, settings.learn.schedule());
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}
