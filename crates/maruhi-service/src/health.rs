//! Readiness and the figures an operator's monitoring scrapes.

use serde::Serialize;

use crate::{Actor, Error, Result, Service};

/// What `/api/v1/metrics` reports, read when asked (nothing is counted on
/// the request path).
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub ledger_entries: i64,
    pub checkpoint_size: i64,
    /// Seconds since the latest checkpoint was signed (none yet: absent).
    pub checkpoint_age_seconds: Option<i64>,
    pub timestamped_size: i64,
    pub timestamp_age_seconds: Option<i64>,
    /// (level, status, count) of the whole register.
    pub secrets: Vec<(String, String, i64)>,
    pub events: i64,
    /// Alerts by state (new, investigating).
    pub open_alerts: Vec<(String, i64)>,
    pub extraction_slots_free: usize,
}

impl Service {
    /// Whether this process can serve: the database answers.
    pub async fn readiness(&self) -> Result<()> {
        self.is_initialised().await.and_then(|ok| if ok { Ok(()) } else { Err(Error::NotFound) })
    }

    /// The installation's figures for monitoring. Admin and auditors (the
    /// register's counts by level are the register's metadata).
    pub async fn metrics(&self, actor: &Actor) -> Result<Metrics> {
        if !matches!(actor.role, crate::model::Role::Admin | crate::model::Role::Auditor) {
            return Err(Error::Forbidden);
        }
        let now = self.now();
        let age = |at: &str| crate::clock::parse_time(at).map(|t| (now - t).whole_seconds());
        let mut conn = self.db.read().await?;
        let cp = maruhi_store::ledger::latest_checkpoint(&mut conn).await?;
        let ts = maruhi_store::ledger::latest_timestamp(&mut conn).await?;
        let mut open_alerts = Vec::new();
        for status in ["new", "investigating"] {
            let f = maruhi_store::risk::AlertFilter { status: Some(status.to_owned()), ..Default::default() };
            open_alerts.push((status.to_owned(), maruhi_store::risk::count_alerts(&mut conn, &f).await?));
        }
        Ok(Metrics {
            ledger_entries: maruhi_store::ledger::size(&mut conn).await?,
            checkpoint_size: cp.as_ref().map_or(0, |c| c.size),
            checkpoint_age_seconds: cp.as_ref().and_then(|c| age(&c.signed_at)),
            timestamped_size: ts.as_ref().map_or(0, |t| t.size),
            timestamp_age_seconds: ts.as_ref().and_then(|t| age(&t.stamped_at)),
            secrets: maruhi_store::secrets::counts(&mut conn, None).await?,
            events: maruhi_store::events::count(&mut conn).await?,
            open_alerts,
            extraction_slots_free: self.extraction_slots.available_permits(),
        })
    }
}
