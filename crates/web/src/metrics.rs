//! What the operations team's monitoring scrapes at `/metrics` (OpenMetrics text, which
//! Prometheus reads): how long each route takes, how old the read model is, how many entries
//! wait for the writer, the notification outbox, and the database pool.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// One route answered one way.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's template (`/tasks/{code}`), never the address asked for: the number of
    /// series stays that of the routes.
    route: String,
    status: u16,
}

type Latencies = Family<RequestLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s, doubling.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The server's metrics; the gauges are read when a scrape asks.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Latencies,
    read_model_age: Gauge<f64, AtomicU64>,
    /// Seconds the read replica is behind; -1 without one.
    replica_lag: Gauge<f64, AtomicU64>,
    read_model_refreshes: Counter,
    writer_queue: Gauge,
    outbox_waiting: Gauge,
    outbox_failed: Gauge,
    outbox_sent: Gauge,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

/// What a scrape reads from the rest of the server.
pub struct Reading {
    pub read_model_age_seconds: f64,
    pub writer_queue: usize,
    /// The outbox: waiting, sent, given up.
    pub outbox: (i64, i64, i64),
    /// The database pool: open connections, idle ones.
    pub pool: (u32, usize),
    /// How far the read replica is behind, when the server reads from one.
    pub replica_lag_seconds: Option<f64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tiendo");
        let requests: Latencies = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by method, route template and status",
            requests.clone(),
        );
        let m = Metrics {
            requests,
            read_model_age: Gauge::default(),
            replica_lag: Gauge::default(),
            read_model_refreshes: Counter::default(),
            writer_queue: Gauge::default(),
            outbox_waiting: Gauge::default(),
            outbox_failed: Gauge::default(),
            outbox_sent: Gauge::default(),
            pool_connections: Gauge::default(),
            pool_idle: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "read_model_age_seconds",
            "Seconds since the overview was last computed whole (approvals are applied to it as they come)",
            m.read_model_age.clone(),
        );
        registry.register(
            "replica_lag_seconds",
            "Seconds the read replica is behind the primary; -1 when the server reads no replica",
            m.replica_lag.clone(),
        );
        registry.register(
            "read_model_refreshes",
            "Whole computations of the overview since the server started",
            m.read_model_refreshes.clone(),
        );
        let gauges: [(&str, &str, &Gauge); 6] = [
            (
                "writer_queue",
                "Entries and reviews waiting for the one writer",
                &m.writer_queue,
            ),
            (
                "outbox_waiting",
                "Notifications waiting to be sent",
                &m.outbox_waiting,
            ),
            (
                "outbox_failed",
                "Notifications given up after their last attempt",
                &m.outbox_failed,
            ),
            ("outbox_sent", "Notifications sent", &m.outbox_sent),
            (
                "db_pool_connections",
                "Open connections of the database pool",
                &m.pool_connections,
            ),
            (
                "db_pool_idle",
                "Idle connections of the database pool",
                &m.pool_idle,
            ),
        ];
        for (name, help, gauge) in gauges {
            registry.register(name, help, gauge.clone());
        }
        Metrics { registry, ..m }
    }
}

impl Metrics {
    /// One request answered: its route template, method, status and how long it took.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        // A visitor may send any method name: the label takes only the known ones, so what
        // someone sends cannot grow the number of series.
        let method = match method {
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => method,
            _ => "other",
        };
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .observe(seconds);
    }

    pub fn refreshed(&self) {
        self.read_model_refreshes.inc();
    }

    /// The text of a scrape, with the gauges set from `reading`.
    pub fn render(&self, reading: &Reading) -> String {
        let gauge = |g: &Gauge, v: i64| {
            g.set(v);
        };
        self.read_model_age.set(reading.read_model_age_seconds);
        self.replica_lag
            .set(reading.replica_lag_seconds.unwrap_or(-1.0));
        gauge(
            &self.writer_queue,
            i64::try_from(reading.writer_queue).unwrap_or(i64::MAX),
        );
        let (waiting, sent, failed) = reading.outbox;
        gauge(&self.outbox_waiting, waiting);
        gauge(&self.outbox_sent, sent);
        gauge(&self.outbox_failed, failed);
        gauge(&self.pool_connections, i64::from(reading.pool.0));
        gauge(
            &self.pool_idle,
            i64::try_from(reading.pool.1).unwrap_or(i64::MAX),
        );
        let mut text = String::new();
        // Writing to a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_names_routes_by_template_and_reads_the_gauges() {
        let m = Metrics::default();
        m.observe("GET", "/tasks/{code}", 200, 0.004);
        m.observe("GET", "/tasks/{code}", 200, 0.3);
        m.observe("FOO1", "/", 405, 0.001);
        m.observe("FOO2", "/", 405, 0.001);
        m.refreshed();
        let text = m.render(&Reading {
            read_model_age_seconds: 42.5,
            writer_queue: 3,
            outbox: (7, 100, 2),
            replica_lag_seconds: None,
            pool: (5, 4),
        });
        assert!(text.contains(
            "tiendo_http_request_duration_seconds_count{method=\"GET\",route=\"/tasks/{code}\",status=\"200\"} 2"
        ), "{text}");
        assert!(
            text.contains("tiendo_read_model_age_seconds 42.5"),
            "{text}"
        );
        assert!(text.contains("tiendo_writer_queue 3"), "{text}");
        assert!(text.contains("tiendo_outbox_waiting 7"), "{text}");
        assert!(text.contains("tiendo_outbox_failed 2"), "{text}");
        assert!(text.contains("tiendo_db_pool_connections 5"), "{text}");
        assert!(
            text.contains("tiendo_read_model_refreshes_total 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
