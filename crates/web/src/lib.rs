//! tiendo's web application: server-rendered pages in Vietnamese (default) and English, and
//! the JSON API under `/api/v1`.
//!
//! The overview is computed when the server starts and served from memory, so a page never
//! waits for an evaluation.

mod i18n;
mod overview;
mod pages;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use tiendo_storage::Store;

pub use overview::Overview;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Store(#[from] tiendo_storage::StoreError),
    #[error("the built-in {what} is invalid: {detail}")]
    BuiltIn { what: &'static str, detail: String },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// What every request can read.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The overview being served; a refresh replaces it whole, so a request sees either the
    /// old one or the new one and never waits for the computation.
    overview: Arc<RwLock<Arc<Overview>>>,
}

impl AppState {
    /// Evaluates the database as of `day` for the pages to serve.
    pub async fn load(store: Store, day: chrono::NaiveDate) -> Result<AppState, WebError> {
        let overview = Overview::compute(&store, day).await?;
        Ok(AppState {
            store,
            overview: Arc::new(RwLock::new(Arc::new(overview))),
        })
    }

    /// The overview now being served.
    pub fn overview(&self) -> Arc<Overview> {
        // A poisoned lock only means a refresh panicked; the overview it guards is whole.
        self.overview
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Recomputes the overview as of `day` and swaps it in.
    pub async fn refresh(&self, day: chrono::NaiveDate) -> Result<(), WebError> {
        let fresh = Arc::new(Overview::compute(&self.store, day).await?);
        *self.overview.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    /// Refreshes the overview as of each new day, every `every`, in the background.
    pub fn keep_fresh(&self, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let today = chrono::Local::now().date_naive();
                if let Err(e) = state.refresh(today).await {
                    tracing::warn!(error = %e, "the overview could not be refreshed; the previous one stays");
                }
            }
        });
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/units/{code}", get(pages::unit))
        .route("/api/v1/overview", get(pages::overview_json))
        .route("/api/v1/units/{code}", get(pages::unit_json))
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(state: AppState, addr: SocketAddr) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| WebError::Listen { addr, source })?;
    axum::serve(listener, router(state))
        .await
        .map_err(|source| WebError::Listen { addr, source })
}
