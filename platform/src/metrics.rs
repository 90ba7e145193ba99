//! The platform's Prometheus metrics, exposed at /metrics in the text format.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// Every metric the platform keeps; cheap to clone (the prometheus types are shared handles).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub generation_seconds: HistogramVec,
    pub generations: IntCounterVec,
    pub job_seconds: HistogramVec,
    pub queue_depth: IntGaugeVec,
    pub cache_hits: IntCounterVec,
    pub cache_misses: IntCounterVec,
    pub workers_alive: IntGauge,
    pub markers_held: Histogram,
    pub requests: IntCounterVec,
    pub duplicate_results: prometheus::IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new().expect("the metrics' names and labels are valid")
    }
}

impl Metrics {
    fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let seconds = vec![
            0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0,
        ];
        let generation_seconds = HistogramVec::new(
            HistogramOpts::new(
                "yano_generation_seconds",
                "Time to generate a track, by style",
            )
            .buckets(seconds.clone()),
            &["style"],
        )?;
        let generations = IntCounterVec::new(
            Opts::new(
                "yano_generations_total",
                "Generations, by style and success",
            ),
            &["style", "success"],
        )?;
        let job_seconds = HistogramVec::new(
            HistogramOpts::new("yano_job_seconds", "Time a job ran, by kind and priority")
                .buckets(seconds),
            &["kind", "priority"],
        )?;
        let queue_depth = IntGaugeVec::new(
            Opts::new("yano_queue_depth", "Jobs waiting, by kind and priority"),
            &["kind", "priority"],
        )?;
        let cache_hits = IntCounterVec::new(
            Opts::new(
                "yano_cache_hits_total",
                "Jobs answered from the result cache, by kind",
            ),
            &["kind"],
        )?;
        let cache_misses = IntCounterVec::new(
            Opts::new(
                "yano_cache_misses_total",
                "Jobs the cache could not answer, by kind",
            ),
            &["kind"],
        )?;
        let workers_alive = IntGauge::new("yano_workers_alive", "Workers that are running")?;
        let markers_held = Histogram::with_opts(
            HistogramOpts::new(
                "yano_amapiano_markers_held_ratio",
                "Share of the amapiano markers (tempo, log drum, shaker, swing) that hold in a generated track",
            )
            .buckets(vec![0.0, 0.25, 0.5, 0.75, 1.0]),
        )?;
        let requests = IntCounterVec::new(
            Opts::new("yano_http_requests_total", "HTTP requests, by status class"),
            &["class"],
        )?;
        registry.register(Box::new(generation_seconds.clone()))?;
        registry.register(Box::new(generations.clone()))?;
        registry.register(Box::new(job_seconds.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        registry.register(Box::new(cache_hits.clone()))?;
        registry.register(Box::new(cache_misses.clone()))?;
        registry.register(Box::new(workers_alive.clone()))?;
        registry.register(Box::new(markers_held.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        let duplicate_results = prometheus::IntCounter::new(
            "yano_duplicate_results_total",
            "Results for jobs that had already ended (a job run twice after its worker was thought dead), dropped",
        )?;
        registry.register(Box::new(duplicate_results.clone()))?;
        Ok(Metrics {
            registry,
            generation_seconds,
            generations,
            job_seconds,
            queue_depth,
            cache_hits,
            cache_misses,
            workers_alive,
            markers_held,
            requests,
            duplicate_results,
        })
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
