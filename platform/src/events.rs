//! Job progress as events: every change of a job's state or progress is sent to whoever listens
//! (the WebSocket subscribers of that job and of its owner).

use serde::Serialize;
use tokio::sync::broadcast;

/// One change of one job.
#[derive(Debug, Clone, Serialize)]
pub struct JobEvent {
    pub id: String,
    #[serde(skip)]
    pub owner: String,
    pub kind: String,
    pub state: String,
    pub progress: f64,
    pub stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl JobEvent {
    pub fn finished(&self) -> bool {
        matches!(self.state.as_str(), "done" | "failed" | "cancelled")
    }
}

/// The fan-out of events; cheap to clone. A slow listener misses events (it is told how many)
/// rather than slowing the workers.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<JobEvent>,
}

impl Default for Events {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(4096);
        Events { sender }
    }
}

impl Events {
    pub fn send(&self, event: JobEvent) {
        // No listener is not an error.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.sender.subscribe()
    }
}
