//! One module per subcommand; each is a thin shell over the engines and the store.

pub mod bench;
pub mod curriculum;
pub mod demo;
pub mod learn;
pub mod library;
pub mod omr;
pub mod refit;
pub mod resources;
pub mod roster;
pub mod serve;
pub mod timetable;
pub mod token;

/// Runs `work` unless Ctrl-C comes first. Dropping an unfinished store call rolls its transaction
/// back, so an interrupted import leaves the database exactly as it was.
pub async fn interruptible<T>(work: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => {
            anyhow::bail!("已中断，未写入任何数据 / interrupted: nothing was written")
        }
    }
}
