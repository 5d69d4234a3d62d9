//! Group commit for students' writes. Every autosave and submission of every request goes into one
//! queue; a single task takes whatever has piled up (up to [`MAX_BATCH`]) and applies it in one
//! transaction, then answers each request. With a few hundred students typing at once this turns
//! hundreds of disk flushes a second into a few dozen, and nobody is told "saved" before the
//! batch holding their write is durable.

use std::sync::{Arc, OnceLock};

use store::{HomeworkWrite, Store, StoreError, WriteOutcome};
use tokio::sync::{mpsc, oneshot};

/// Most writes in one transaction: large enough to amortise the flush, small enough that a batch
/// commits in a few milliseconds.
pub const MAX_BATCH: usize = 256;
/// Writes waiting beyond this make senders wait (back-pressure instead of unbounded memory).
const QUEUE_DEPTH: usize = 8 * MAX_BATCH;

type Reply = oneshot::Sender<Result<WriteOutcome, StoreError>>;

/// The queue. Its task starts with the first write, inside whatever runtime serves requests.
pub struct WriteQueue {
    store: Arc<dyn Store>,
    sender: OnceLock<mpsc::Sender<(HomeworkWrite, Reply)>>,
}

impl WriteQueue {
    pub fn new(store: Arc<dyn Store>) -> WriteQueue {
        WriteQueue { store, sender: OnceLock::new() }
    }

    /// Applies one write with whatever else is waiting, once it is durable.
    pub async fn apply(&self, write: HomeworkWrite) -> Result<WriteOutcome, StoreError> {
        let sender = self.sender.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
            tokio::spawn(run(self.store.clone(), receiver));
            sender
        });
        let (reply, answer) = oneshot::channel();
        sender.send((write, reply)).await.map_err(|_| StoreError::Unavailable("the write queue has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Unavailable("the write queue dropped a write".into()))?
    }
}

async fn run(store: Arc<dyn Store>, mut receiver: mpsc::Receiver<(HomeworkWrite, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (writes, replies): (Vec<_>, Vec<_>) = std::mem::take(&mut batch).into_iter().unzip();
        match store.apply_homework_writes(&writes).await {
            Ok(outcomes) if outcomes.len() == writes.len() => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Ok(_) => {
                for reply in replies {
                    let _ = reply
                        .send(Err(StoreError::Unavailable("the store answered a batch with the wrong count".into())));
                }
            }
            // One bad write (a vanished item, say) fails its whole batch: apply them one by one
            // so only that one fails.
            Err(_) if writes.len() > 1 => {
                for (write, reply) in writes.into_iter().zip(replies) {
                    let result = store.apply_homework_writes(std::slice::from_ref(&write)).await;
                    let _ = reply.send(result.map(|mut o| o.pop().unwrap_or(WriteOutcome::NotAssigned)));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "homework write failed");
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Unavailable(err.to_string())));
                }
            }
        }
    }
}
