//! The inference runtime: a pool of worker threads fed by crossbeam-channel jobs. Each job turns
//! whole input values into whole output values; results are cached by a key over the node's kind,
//! parameters, extra salt (file stamps) and its inputs' keys, so an unchanged upstream is never
//! run twice. Control thread and worker threads only; the audio thread never sees this module.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::clip::{ClipValue, Measure};
use crate::node::{InferenceNode, JobContext, JobControl, NodeError};
use crate::schedule::{InferencePlan, JobInput};
use crate::transport::Transport;

type Outputs = Result<Vec<ClipValue>, NodeError>;

struct Job {
    key: u64,
    node: Arc<dyn InferenceNode>,
    inputs: Vec<Option<ClipValue>>,
    context: JobContext,
    reply: Sender<(u64, Outputs)>,
}

/// Where one job of an evaluation stands.
#[derive(Debug, Clone, PartialEq)]
pub enum JobStatus {
    /// Its inputs are not ready yet.
    Waiting,
    /// On a worker; progress 0..=1.
    Running {
        progress: f32,
    },
    /// Computed in this evaluation.
    Ready,
    /// Taken from the cache.
    Cached,
    Failed(NodeError),
    /// An input failed, so this job did not run.
    Skipped {
        because: String,
    },
}

impl JobStatus {
    pub fn is_done(&self) -> bool {
        !matches!(self, JobStatus::Waiting | JobStatus::Running { .. })
    }
}

/// Worker threads and the result cache.
pub struct InferencePool {
    jobs: Option<Sender<Job>>,
    results_tx: Sender<(u64, Outputs)>,
    results: Receiver<(u64, Outputs)>,
    workers: Vec<JoinHandle<()>>,
    cache: HashMap<u64, Outputs>,
}

impl InferencePool {
    /// Starts `threads` workers (at least one).
    pub fn new(threads: usize) -> Self {
        let (tx, rx) = unbounded::<Job>();
        let workers = (0..threads.max(1))
            .map(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("yano-inference-{i}"))
                    .spawn(move || {
                        for job in rx {
                            // Models take seconds; the audio thread must not wait behind them
                            // (the idle class while live audio plays: see crate::priority).
                            crate::priority::background_thread();
                            let Job {
                                key,
                                node,
                                inputs,
                                context,
                                reply,
                            } = job;
                            let result =
                                catch_unwind(AssertUnwindSafe(|| node.run(&inputs, &context)))
                                    .unwrap_or_else(|_| Err(NodeError::new("the node panicked")));
                            let _ = reply.send((key, result));
                        }
                    })
                    .expect("the OS can start a worker thread")
            })
            .collect();
        let (results_tx, results) = unbounded();
        InferencePool {
            jobs: Some(tx),
            results_tx,
            results,
            workers,
            cache: HashMap::new(),
        }
    }

    /// Entries in the result cache.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Starts evaluating a plan; call [`InferencePool::pump`] until it is done.
    pub fn start(&mut self, plan: Arc<InferencePlan>, transport: Transport) -> Evaluation {
        let n = plan.jobs.len();
        let mut ev = Evaluation {
            plan,
            transport,
            status: vec![JobStatus::Waiting; n],
            keys: vec![None; n],
            values: vec![None; n],
            controls: (0..n).map(|_| JobControl::default()).collect(),
            fed: vec![false; n],
        };
        self.dispatch(&mut ev);
        ev
    }

    fn dispatch(&mut self, ev: &mut Evaluation) {
        for j in 0..ev.plan.jobs.len() {
            if ev.status[j] != JobStatus::Waiting {
                continue;
            }
            let job = &ev.plan.jobs[j];
            let mut inputs = Vec::with_capacity(job.inputs.len());
            let mut h = DefaultHasher::new();
            job.param_key.hash(&mut h);
            let mut blocked = None;
            let mut waiting = false;
            for input in &job.inputs {
                match input {
                    None => {
                        0u64.hash(&mut h);
                        inputs.push(None);
                    }
                    Some(JobInput::Job { job: up, output }) => match &ev.status[*up] {
                        JobStatus::Ready | JobStatus::Cached => {
                            ev.keys[*up].hash(&mut h);
                            output.hash(&mut h);
                            inputs.push(
                                ev.values[*up]
                                    .as_ref()
                                    .and_then(|v| v.get(*output))
                                    .cloned(),
                            );
                        }
                        JobStatus::Failed(_) | JobStatus::Skipped { .. } => {
                            blocked = Some(ev.plan.jobs[*up].id.clone())
                        }
                        _ => waiting = true,
                    },
                    Some(JobInput::Capture(buffer)) => {
                        let clip = buffer.snapshot();
                        hash_audio(&clip.channels, &mut h);
                        inputs.push(Some(ClipValue::Audio(Arc::new(clip))));
                    }
                }
            }
            if let Some(because) = blocked {
                ev.status[j] = JobStatus::Skipped { because };
                continue;
            }
            if waiting {
                continue;
            }
            match job.node.cache_salt() {
                Ok(salt) => salt.hash(&mut h),
                Err(e) => {
                    ev.status[j] = JobStatus::Failed(e);
                    continue;
                }
            }
            let key = h.finish();
            ev.keys[j] = Some(key);
            if let Some(done) = self.cache.get(&key) {
                ev.finish(j, done.clone(), true);
                continue;
            }
            ev.status[j] = JobStatus::Running { progress: 0.0 };
            let sent = self.jobs.as_ref().map(|tx| {
                tx.send(Job {
                    key,
                    node: job.node.clone(),
                    inputs,
                    context: JobContext {
                        sample_rate: ev.transport.sample_rate,
                        transport: ev.transport,
                        control: ev.controls[j].clone(),
                    },
                    reply: self.results_tx.clone(),
                })
            });
            if !matches!(sent, Some(Ok(()))) {
                ev.status[j] =
                    JobStatus::Failed(NodeError::new("the inference workers have stopped"));
            }
        }
    }

    /// Takes finished results and starts jobs whose inputs are now ready. With `wait`, blocks
    /// until the whole evaluation is done. Returns whether it is done.
    pub fn pump(&mut self, ev: &mut Evaluation, wait: bool) -> bool {
        loop {
            while let Ok((key, result)) = self.results.try_recv() {
                self.absorb(ev, key, result);
            }
            self.dispatch(ev);
            if ev.is_done() {
                return true;
            }
            if !wait {
                return false;
            }
            if let Ok((key, result)) = self.results.recv_timeout(Duration::from_millis(50)) {
                self.absorb(ev, key, result);
            }
        }
    }

    fn absorb(&mut self, ev: &mut Evaluation, key: u64, result: Outputs) {
        self.cache.insert(key, result.clone());
        for j in 0..ev.plan.jobs.len() {
            if ev.keys[j] == Some(key) && matches!(ev.status[j], JobStatus::Running { .. }) {
                ev.finish(j, result.clone(), false);
            }
        }
    }
}

impl Drop for InferencePool {
    fn drop(&mut self) {
        self.jobs.take();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn hash_audio(channels: &[Vec<f32>], h: &mut DefaultHasher) {
    for c in channels {
        c.len().hash(h);
        for x in c {
            x.to_bits().hash(h);
        }
    }
}

/// One pass over an inference plan.
pub struct Evaluation {
    plan: Arc<InferencePlan>,
    transport: Transport,
    status: Vec<JobStatus>,
    keys: Vec<Option<u64>>,
    values: Vec<Option<Vec<ClipValue>>>,
    controls: Vec<JobControl>,
    fed: Vec<bool>,
}

impl Evaluation {
    fn finish(&mut self, j: usize, result: Outputs, cached: bool) {
        match result {
            Ok(values) => {
                let expected = self.plan.jobs[j].outputs.len();
                if values.len() != expected {
                    self.status[j] = JobStatus::Failed(NodeError::new(format!(
                        "returned {} values for {expected} outputs",
                        values.len()
                    )));
                    return;
                }
                for (v, ty) in values.iter().zip(&self.plan.jobs[j].outputs) {
                    if v.port_type() != *ty {
                        self.status[j] = JobStatus::Failed(NodeError::new(format!(
                            "returned a {} where its output is {ty}",
                            v.port_type()
                        )));
                        return;
                    }
                }
                self.values[j] = Some(values);
                self.status[j] = if cached {
                    JobStatus::Cached
                } else {
                    JobStatus::Ready
                };
                self.feed(j);
            }
            Err(e) => self.status[j] = JobStatus::Failed(e),
        }
    }

    /// Offers a finished job's outputs to the players that play them.
    fn feed(&mut self, j: usize) {
        if std::mem::replace(&mut self.fed[j], true) {
            return;
        }
        for f in self.plan.feeds.iter().filter(|f| f.job == j) {
            if let Some(v) = self.values[j].as_ref().and_then(|v| v.get(f.output)) {
                f.slot.offer(v.clone());
            }
        }
    }

    pub fn is_done(&self) -> bool {
        self.status.iter().all(JobStatus::is_done)
    }

    /// (node id, status) for every job, with live progress for running ones.
    pub fn statuses(&self) -> Vec<(String, JobStatus)> {
        self.plan
            .jobs
            .iter()
            .zip(&self.status)
            .zip(&self.controls)
            .map(|((job, status), control)| {
                let status = match status {
                    JobStatus::Running { .. } => JobStatus::Running {
                        progress: control.progress(),
                    },
                    s => s.clone(),
                };
                (job.id.clone(), status)
            })
            .collect()
    }

    /// The first failure, as (node id, error).
    pub fn failure(&self) -> Option<(String, NodeError)> {
        self.plan
            .jobs
            .iter()
            .zip(&self.status)
            .find_map(|(job, s)| match s {
                JobStatus::Failed(e) => Some((job.id.clone(), e.clone())),
                _ => None,
            })
    }

    /// The values a job produced, if it finished.
    pub fn outputs(&self, node_id: &str) -> Option<&[ClipValue]> {
        let j = self.plan.jobs.iter().position(|job| job.id == node_id)?;
        self.values[j].as_deref()
    }

    /// A named measure from an analysis output, for scripts and the editor.
    pub fn measure(&self, node_id: &str, name: &str) -> Option<&Measure> {
        self.outputs(node_id)?.iter().find_map(|v| match v {
            ClipValue::Analysis(a) => a.measures.get(name),
            _ => None,
        })
    }

    /// Asks every running job to stop.
    pub fn cancel(&self) {
        for c in &self.controls {
            c.cancel();
        }
    }
}
